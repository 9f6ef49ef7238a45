# mypy: disable-error-code="no-any-return"
"""Run a portfolio: the kernel over every loan at once, the exact engine for the loans it
hands back, positions and flows as columns.

``run_portfolio`` takes the portfolio form (``form``) and a date and returns, for every loan,
its position as of that date in cents (what ``engine.Position`` holds) and, if asked, its
flows: each interest and principal amount that fell due, each late charge and fee, and the
amounts due and unpaid at the end. Loans the kernel does not settle itself (status other than
``OK``) are run by ``engine.run_loan`` from the same row, so every figure comes from one of the
two engines and both give the same cents (tests/portfolio).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

from loanbook.engine import run_loan
from loanbook.engine.history import TermsHistory
from loanbook.errors import LoanbookError
from loanbook.portfolio import form
from loanbook.portfolio import kernel as K
from loanbook.time import get_calendar

POSITION_COLUMNS = (
    "principal_not_due",
    "principal_due",
    "interest_accrued",
    "interest_due",
    "late_charges",
    "fees",
    "unapplied",
)
FLOW_KINDS = {
    K.FL_INTEREST_DUE: "interest_due",
    K.FL_PRINCIPAL_DUE: "principal_due",
    K.FL_LATE_CHARGE: "late_charge",
    K.FL_FEE: "fee",
    K.FL_OPEN_DUE: "open_due",
}
COMPONENT_NAMES = {v: k for k, v in form.COMPONENTS.items()}
#: How each loan's figures were computed.
BY_KERNEL, BY_EXACT, REFUSED_BY_EXACT = "portfolio", "exact", "refused"


@dataclass(frozen=True)
class Calendars:
    """Next and previous business day of every day from ``base`` for each calendar, as
    offsets from ``base`` (the kernel's business-day tables)."""

    base: int
    nxt: np.ndarray
    prv: np.ndarray


@lru_cache(maxsize=8)
def calendars(first: int, last: int) -> Calendars:
    """Tables covering the days ``first`` to ``last`` (padded) for ``form.CALENDARS``."""
    base = first - 40
    span = last - base + 40
    days = np.arange(span, dtype=np.int64)
    weekday = (days + base + 3) % 7  # 1970-01-01 was a Thursday (3)
    nxt = np.empty((len(form.CALENDARS), span), dtype=np.int64)
    prv = np.empty((len(form.CALENDARS), span), dtype=np.int64)
    for c, name in enumerate(form.CALENDARS):
        if name == "none":
            business = np.ones(span, dtype=bool)
        else:
            business = weekday < 5
            cal = get_calendar(name)
            if name in ("US", "NYSE"):
                y0 = (form.EPOCH + timedelta(days=int(base))).year
                y1 = (form.EPOCH + timedelta(days=int(base + span))).year
                for y in range(y0, y1 + 1):
                    d = date(y, 1, 1)
                    while d.year == y:
                        i = form.day_number(d) - base
                        if 0 <= i < span and business[i] and not cal.is_business_day(d):
                            business[i] = False
                        d += timedelta(days=1)
        idx = np.where(business, days, span + 10_000)
        nxt[c] = np.minimum.accumulate(idx[::-1])[::-1]
        prv[c] = np.maximum.accumulate(np.where(business, days, -10_000))
    return Calendars(base, nxt, prv)


@dataclass(frozen=True)
class Market:
    """Fixings as the kernel reads them: index ``k``'s are ``[off[k], off[k+1])``, by date."""

    names: tuple[str, ...]
    off: np.ndarray
    dates: np.ndarray
    rates: np.ndarray

    @classmethod
    def of(cls, fixings: pa.Table) -> Market:
        names = fixings.column("index").to_pylist()
        days = form._days(fixings.column("date"))
        rates = form._ints(fixings.column("rate_e9"))
        order = sorted(range(len(names)), key=lambda i: (names[i], days[i]))
        uniq = tuple(sorted(set(names)))
        off = np.zeros(len(uniq) + 1, dtype=np.int64)
        for i, n in enumerate(uniq):
            off[i + 1] = off[i] + names.count(n)
        return cls(
            uniq,
            off,
            np.asarray(days[order], dtype=np.int64),
            np.asarray(rates[order], dtype=np.int64),
        )


@dataclass(frozen=True)
class Events:
    """Events grouped by loan in step order: loan ``i``'s are ``[off[i], off[i+1])``."""

    off: np.ndarray
    dates: np.ndarray
    kinds: np.ndarray
    amounts: np.ndarray

    @classmethod
    def of(cls, loans: pa.Table, events: pa.Table) -> Events:
        ids = loans.column("loan").combine_chunks()
        n = len(ids)
        if events.num_rows == 0:
            empty = np.zeros(0, dtype=np.int64)
            return cls(np.zeros(n + 1, dtype=np.int64), empty, empty, empty)
        where = pa.compute.index_in(events.column("loan"), value_set=ids)
        loan_no = where.combine_chunks().fill_null(-1).to_numpy().astype(np.int64)
        kinds = form._codes(events.column("kind"), form.EVENT_KINDS, "event kind")
        days = form._days(events.column("date"))
        amounts = form._ints(events.column("amount_cents"))
        keep = loan_no >= 0
        seq = np.arange(len(loan_no))
        order = np.lexsort((seq[keep], kinds[keep], days[keep], loan_no[keep]))
        counts = np.bincount(loan_no[keep], minlength=n)
        off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=off[1:])
        return cls(off, days[keep][order], kinds[keep][order], amounts[keep][order])


@dataclass(frozen=True)
class Result:
    """Positions (one row per loan) and flows (rows of loan number, date, kind, component,
    amount) in cents; ``method`` says which engine computed each loan and ``note`` why the
    exact engine did (or what it refused)."""

    loans: pa.Table
    flows: pa.Table | None


def _span(loans: np.ndarray, low: int, high: int) -> tuple[int, int]:
    first = int(min(loans[:, K.F_START].min(), loans[:, K.F_S_ANCHOR].min(), low))
    last_inst = loans[:, K.F_S_ANCHOR] + 31 * loans[:, K.F_S_MONTHS] * (loans[:, K.F_S_COUNT] + 1)
    last = int(max(loans[:, K.F_MATURITY].max(), last_inst.max(), high)) + 400
    return first, last


LIFETIME_MARGIN = 7  # days after maturity: an installment moved by a business-day rule


def lifetime_ends(matrix: np.ndarray) -> np.ndarray:
    """The date each loan's lifetime cash flows run to: a week after its maturity."""
    return np.asarray(matrix[:, K.F_MATURITY] + LIFETIME_MARGIN, dtype=np.int64)


def lifetime_end(row: dict[str, Any]) -> date:
    return row["maturity"] + timedelta(days=LIFETIME_MARGIN)


def run_portfolio(
    loans: pa.Table,
    events: pa.Table,
    fixings: pa.Table,
    until: date | None,
    *,
    flows: bool = False,
    assume_paid: bool = False,
) -> Result:
    """Every loan of ``loans`` run to ``until`` (as ``engine.run_loan``: events dated ``until``
    apply, interest accrued up to, not including, it); ``None``: each loan to its own
    ``lifetime_end`` (its lifetime cash flows)."""
    n = loans.num_rows
    market = Market.of(fixings)
    matrix = form.loan_matrix(loans, market.names)
    evs = Events.of(loans, events)
    if n == 0:
        return Result(_positions(loans, np.zeros((0, K.NP_), np.int64), [], []), None)
    if until is None:
        untils = lifetime_ends(matrix)
    else:
        untils = np.full(n, form.day_number(until), dtype=np.int64)
    first, last = _span(matrix, int(untils.min()), int(untils.max()))
    cals = calendars(first, last)
    if flows:
        cap = K.flow_capacity(matrix, evs.off, untils)
        fl_off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(cap, out=fl_off[1:])
    else:
        fl_off = np.zeros(n + 1, dtype=np.int64)
    size = int(fl_off[-1])
    f_date = np.empty(size, np.int64)
    f_kind = np.empty(size, np.int64)
    f_comp = np.empty(size, np.int64)
    f_amount = np.empty(size, np.int64)
    f_count = np.zeros(n, np.int64)
    pos = np.zeros((n, K.NP_), np.int64)
    status = np.zeros(n, np.int64)
    K.run_many(
        matrix,
        evs.off,
        evs.dates,
        evs.kinds,
        evs.amounts,
        market.off,
        market.dates,
        market.rates,
        cals.nxt,
        cals.prv,
        cals.base,
        untils,
        assume_paid,
        fl_off,
        pos,
        status,
        f_date,
        f_kind,
        f_comp,
        f_amount,
        f_count,
    )
    methods = [BY_KERNEL] * n
    notes = [""] * n
    extra: dict[int, list[tuple[int, int, int, int]]] = {}
    for i in np.flatnonzero(status == K.REFUSED).tolist():
        # the exact engine refuses the whole run; the kernel knows the figures it names
        amount, left = (Decimal(int(v)).scaleb(-2) for v in pos[i, :2])
        loan = loans.column("loan")[i].as_py()
        methods[i] = REFUSED_BY_EXACT
        notes[i] = (
            f"amount: prepayment {amount} exceeds the principal not yet due {left} of loan {loan}"
        )
        pos[i] = 0
        extra[i] = []
    todo = np.flatnonzero((status != K.OK) & (status != K.REFUSED))
    if len(todo):
        fx = form.market_of(fixings)
        for i in todo.tolist():
            row = loans.slice(i, 1).to_pylist()[0]
            ev_rows = _event_rows(loans, events, evs, i, row["loan"])
            note = _STATUS_NOTES.get(int(status[i]), "")
            try:
                res = run_loan(
                    TermsHistory.single(form.terms_of(row)),
                    form.events_of(ev_rows),
                    fx,
                    until or lifetime_end(row),
                    assume_paid=assume_paid,
                )
            except LoanbookError as exc:
                methods[i], notes[i] = REFUSED_BY_EXACT, str(exc)
                pos[i] = 0
                extra[i] = []
                continue
            methods[i], notes[i] = BY_EXACT, note
            pos[i], extra[i] = _from_result(res)
    table = _positions(loans, pos, methods, notes)
    flow_table = None
    if flows:
        flow_table = _flows(fl_off, f_count, f_date, f_kind, f_comp, f_amount, status, extra)
    return Result(table, flow_table)


_STATUS_NOTES = {
    K.REFUSED: "a prepayment above the principal not yet due",
    K.MISSING_FIXING: "no fixing in force",
    K.OUT_OF_RANGE: "amounts beyond 64-bit exact arithmetic",
    K.NEGATIVE_RATE: "a negative rate",
    K.NEAR_TIE: "a level payment at a half-cent tie",
    K.CAPACITY: "more amounts due than planned",
}


def _event_rows(
    loans: pa.Table, events: pa.Table, evs: Events, i: int, loan: str
) -> list[dict[str, Any]]:
    mask = pa.compute.equal(events.column("loan"), loan)
    return events.filter(mask).to_pylist()


def _c(amount: Decimal) -> int:
    return int(amount * 100)


def _from_result(res: Any) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Position and flows of an exact run, in the kernel's layout."""
    from loanbook.ledger.lines import LineKind

    p = res.position
    pos = np.zeros(K.NP_, np.int64)
    pos[:7] = [
        _c(p.principal_not_due),
        _c(p.principal_due),
        _c(p.interest_accrued),
        _c(p.interest_due),
        _c(p.late_charges),
        _c(p.fees),
        _c(p.unapplied),
    ]
    pos[K.P_PAYMENT] = K.NONE
    out: list[tuple[int, int, int, int]] = []
    kinds = {
        LineKind.INTEREST_DUE: (K.FL_INTEREST_DUE, K.C_INTEREST),
        LineKind.INSTALLMENT_DUE: (K.FL_PRINCIPAL_DUE, K.C_PRINCIPAL),
        LineKind.LATE_CHARGE: (K.FL_LATE_CHARGE, K.C_LATE),
        LineKind.FEE: (K.FL_FEE, K.C_FEE),
    }
    for ln in res.lines:
        if ln.kind in kinds:
            k, c = kinds[ln.kind]
            out.append((form.day_number(ln.date), k, c, _c(ln.amount)))
    for d in p.dues:
        out.append(
            (form.day_number(d.due_date), K.FL_OPEN_DUE, form.COMPONENTS[d.component], _c(d.amount))
        )
    return pos, out


def _positions(loans: pa.Table, pos: np.ndarray, methods: list[str], notes: list[str]) -> pa.Table:
    cols: dict[str, Any] = {"loan": loans.column("loan")}
    for j, name in enumerate(POSITION_COLUMNS):
        cols[f"{name}_cents"] = pa.array(pos[:, j], pa.int64())
    cols["method"] = pa.array(methods, pa.string()).dictionary_encode()
    cols["note"] = pa.array(notes, pa.string())
    return pa.table(cols)


def _flows(
    fl_off: np.ndarray,
    f_count: np.ndarray,
    f_date: np.ndarray,
    f_kind: np.ndarray,
    f_comp: np.ndarray,
    f_amount: np.ndarray,
    status: np.ndarray,
    extra: dict[int, list[tuple[int, int, int, int]]],
) -> pa.Table:
    cols = list(K.compact(fl_off, f_count, status == K.OK, f_date, f_kind, f_comp, f_amount))
    if extra:
        rows = [(i, *r) for i, rs in sorted(extra.items()) for r in rs]
        if rows:
            more = np.array(rows, dtype=np.int64)
            cols = [np.concatenate([c, more[:, j].astype(c.dtype)]) for j, c in enumerate(cols)]
            order = np.argsort(cols[0], kind="stable")
            cols = [c[order] for c in cols]
    kinds = pa.array([FLOW_KINDS.get(k, "") for k in range(max(FLOW_KINDS) + 1)])
    return pa.table(
        {
            "loan_no": pa.array(cols[0], pa.int64()),
            "date": pa.array(cols[1].astype(np.int32), pa.int32()).cast(pa.date32()),
            "kind": pa.DictionaryArray.from_arrays(pa.array(cols[2]), kinds),
            "component": pa.DictionaryArray.from_arrays(
                pa.array(cols[3]), pa.array([COMPONENT_NAMES[c] for c in range(4)])
            ),
            "amount_cents": pa.array(cols[4], pa.int64()),
        }
    )
