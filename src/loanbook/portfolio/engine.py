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

import contextlib
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

import numba
import numpy as np
import pyarrow as pa

from loanbook.engine import run_loan
from loanbook.engine.history import TermsHistory
from loanbook.errors import LoanbookError
from loanbook.portfolio import form
from loanbook.portfolio import kernel as K
from loanbook.portfolio import loop as L
from loanbook.portfolio import paid as P
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
KERNEL_LOCK = K.KERNEL_LOCK  # one parallel kernel call at a time (``kernel``)


@dataclass(frozen=True)
class Calendars:
    """The days from every day from ``base`` to the next and to the previous business day
    for each calendar (the kernel's business-day tables; 16 bits, so that a calendar's
    table stays in the cache while loans look up their dates)."""

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
        nxt[c] = np.minimum.accumulate(idx[::-1])[::-1] - days
        prv[c] = np.maximum.accumulate(np.where(business, days, -10_000)) - days
    lim = np.iinfo(np.int16).max
    return Calendars(base, np.clip(nxt, -lim, lim).astype(np.int16),
                     np.clip(prv, -lim, lim).astype(np.int16))  # fmt: skip


@dataclass(frozen=True)
class Market:
    """Fixings as the kernel reads them: index ``k``'s are ``[off[k], off[k+1])``, by date."""

    names: tuple[str, ...]
    off: np.ndarray
    dates: np.ndarray
    rates: np.ndarray

    @classmethod
    def of(cls, fixings: pa.Table) -> Market:
        form.check_fixings(fixings)  # one rate an index and date, else ``form.Refusal``
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

    def daily(self, first: int, days: int) -> np.ndarray:
        """The fixing of each index in force on each of ``days`` days from ``first``
        (``kernel.fixing_in_force`` as a table: one lookup in place of a binary search)."""
        out = np.full((max(len(self.names), 1), days), K.NONE, np.int64)
        span = np.arange(first, first + days)
        for k in range(len(self.names)):
            dates = self.dates[self.off[k] : self.off[k + 1]]
            at = np.searchsorted(dates, span, side="right") - 1
            known = at >= 0
            out[k, known] = self.rates[self.off[k] + at[known]]
        return out


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
        kinds = form._codes(events.column("kind"), form.EVENT_KINDS, "event kind", "kind")
        days = form._days(events.column("date"))
        amounts = form._ints(events.column("amount_cents"))
        keep = loan_no >= 0
        if not keep.all():
            loan_no, kinds, days, amounts = loan_no[keep], kinds[keep], days[keep], amounts[keep]
        # step order: by loan, date, kind, then input order (a stable sort of one key; none
        # when the events come in that order already, as generated and exported)
        key = (loan_no << 26) | ((days + (1 << 17)) << 8) | kinds
        if len(key) > 1 and not bool(np.all(key[1:] >= key[:-1])):
            order = np.argsort(key, kind="stable")
            loan_no, kinds, days, amounts = (
                loan_no[order],
                kinds[order],
                days[order],
                amounts[order],
            )
        counts = np.bincount(loan_no, minlength=n)
        off = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=off[1:])
        return cls(off, days, kinds, amounts)


@dataclass(frozen=True)
class State:
    """Each loan's state after the close of business of ``as_of`` (``loop``): one row of
    ``loop.NS`` integers per loan, the amounts of its installments not yet due
    (``am[am_off[i]:am_off[i+1]]``) and its open dues (rows of component, date, cents).

    Or a *delta*: those arrays for the loans ``rows`` only (ascending), every other loan's
    state being that of ``base`` (a whole state of an earlier day). Most loans only accrue on
    most days, and a loan with no step keeps its state: storing the loans that moved since the
    base costs a fraction of storing them all."""

    as_of: int
    scalars: np.ndarray
    am_off: np.ndarray
    am: np.ndarray
    du_off: np.ndarray
    du: np.ndarray
    rows: np.ndarray | None = None
    base: State | None = None

    @property
    def loans(self) -> int:
        return self.scalars.shape[0] if self.base is None else self.base.loans

    def src(self) -> np.ndarray:
        """For each loan, its row in this delta (-1: the base's; all -1 for a whole state)."""
        out = np.full(self.loans, -1, np.int64)
        if self.rows is not None:
            out[self.rows] = np.arange(len(self.rows))
        return out

    @classmethod
    def empty(cls, n: int) -> State:
        zeros = np.zeros(n + 1, np.int64)
        return cls(
            K.NONE,
            np.zeros((n, L.NS), np.int64),
            zeros,
            np.zeros(0, np.int64),
            zeros,
            np.zeros((0, 3), np.int64),
        )

    def take(self, which: np.ndarray) -> State:
        """The whole state of the loans ``which`` of this one (whole) alone."""
        am_off, am = _ragged_take(self.am_off, self.am, which)
        du_off, du = _ragged_take(self.du_off, self.du, which)
        return State(self.as_of, self.scalars[which], am_off, am, du_off, du)


#: The kernel's rows of every loan: a matrix, or the field arrays to gather them from
#: (``form.LoanFields``: lifetime flows gather a chunk's rows at a time)
Matrix = np.ndarray | form.LoanFields


@dataclass(frozen=True)
class Prepared:
    """A portfolio in the kernel's arrays; ``rows(i)`` gives loan i's row and event rows for
    the exact engine (read only for the loans the kernel hands over)."""

    ids: pa.Array
    matrix: Matrix
    events: Events
    rows: Callable[[list[int]], list[tuple[dict[str, Any], list[dict[str, Any]]]]]

    @classmethod
    def of(cls, loans: pa.Table, events: pa.Table, index_names: Sequence[str]) -> Prepared:
        def rows(which: list[int]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
            return _rows_of(loans, events, which)

        return cls(
            loans.column("loan").combine_chunks(),
            form.loan_matrix(loans, index_names),
            Events.of(loans, events),
            rows,
        )

    def whole(self) -> np.ndarray:
        """Every loan's row in one matrix (gathered if held as field arrays)."""
        m = self.matrix
        return m if isinstance(m, np.ndarray) else m.rows(0, m.shape[0])


def _rows_of(
    loans: pa.Table, events: pa.Table, which: list[int]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    picked = loans.take(pa.array(which, pa.int64())).to_pylist()
    ids = pa.array([r["loan"] for r in picked], pa.string())
    evs = events.filter(pa.compute.is_in(events.column("loan"), value_set=ids)).to_pylist()
    by_loan: dict[str, list[dict[str, Any]]] = {}
    for ev in evs:
        by_loan.setdefault(ev["loan"], []).append(ev)
    return [(r, by_loan.get(r["loan"], [])) for r in picked]


@dataclass(frozen=True)
class Result:
    """Positions (one row per loan) and flows (rows of loan number, date, kind, component,
    amount) in cents; ``method`` says which engine computed each loan and ``note`` why the
    exact engine did (or what it refused). ``state``: each loan's state, if asked."""

    loans: pa.Table
    flows: pa.Table | None
    state: State | None = None


def _span(loans: Matrix, low: int, high: int) -> tuple[int, int]:
    """Days the business-day tables cover, widened to whole decades so that partitions and
    runs share one table (``calendars`` is cached by span)."""
    first = int(min(loans[:, K.F_START].min(), loans[:, K.F_S_ANCHOR].min(), low))
    last_inst = loans[:, K.F_S_ANCHOR] + 31 * loans[:, K.F_S_MONTHS] * (loans[:, K.F_S_COUNT] + 1)
    last = int(max(loans[:, K.F_MATURITY].max(), last_inst.max(), high)) + 400
    return first - first % 3650, last - last % 3650 + 3650


LIFETIME_MARGIN = 7  # days after maturity: an installment moved by a business-day rule
FLOW_CHUNK = 8_192  # loans per kernel call when flows are written (bounded memory; the
# chunk's gathered rows, 2.7 MB, stay in the cache between gathering and running them)


def lifetime_ends(matrix: Matrix) -> np.ndarray:
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
    state: State | None = None,
    keep_state: bool = False,
) -> Result:
    """Every loan of ``loans`` run to ``until`` (as ``engine.run_loan``: events dated ``until``
    apply, interest accrued up to, not including, it); ``None``: each loan to its own
    ``lifetime_end`` (its lifetime cash flows). ``state``: the loans' state after an earlier
    close of business (``keep_state`` of that run), to start from (same loans, same order)."""
    market = Market.of(fixings)
    prepared = Prepared.of(loans, events, market.names)
    return run_prepared(
        prepared,
        market,
        fixings,
        until,
        flows=flows,
        assume_paid=assume_paid,
        state=state,
        keep_state=keep_state,
    )


def run_prepared(
    prepared: Prepared,
    market: Market,
    fixings: pa.Table,
    until: date | None,
    *,
    flows: bool = False,
    assume_paid: bool = False,
    state: State | None = None,
    keep_state: bool = False,
) -> Result:
    """``run_portfolio`` of loans already in the kernel's arrays."""
    matrix = prepared.matrix
    n = matrix.shape[0]
    if n == 0:
        return Result(_positions(prepared.ids, np.zeros((0, K.NP_), np.int64), None, {}), None)
    if until is None:
        untils = lifetime_ends(matrix)
    else:
        untils = np.full(n, form.day_number(until), dtype=np.int64)
    if state is not None and (flows or until is None):
        raise ValueError("a run from a stored state gives positions, not lifetime flows")
    first, last = _span(matrix, int(untils.min()), int(untils.max()))
    cals = calendars(first, last)
    pos = np.zeros((n, K.NP_), np.int64)
    status = np.zeros(n, np.int64)
    chunks: list[Flows] = []
    if flows:
        for pieces in _flow_chunks(prepared, market, cals, untils, assume_paid, pos, status):
            chunks.extend(pieces)
        new_state = None
    else:
        new_state = _run_state(
            prepared, market, cals, untils, assume_paid, state, keep_state, pos, status
        )
    methods, notes, extra = _settle_others(
        prepared, fixings, until, assume_paid, pos, status, flows
    )
    table = _positions(prepared.ids, pos, methods, notes)
    flow_table = None
    if flows:
        flow_table = _flows(chunks, extra)
    return Result(table, flow_table, new_state)


def _run_state(
    prepared: Prepared,
    market: Market,
    cals: Calendars,
    untils: np.ndarray,
    assume_paid: bool,
    state: State | None,
    keep_state: bool,
    pos: np.ndarray,
    status: np.ndarray,
) -> State | None:
    """Positions of every loan (no flows), from ``state`` if given, keeping the new state."""
    n = prepared.matrix.shape[0]
    st_in = state or State.empty(n)
    if st_in.loans != n:
        raise ValueError("the state is of another set of loans")
    src = st_in.src()
    delta = st_in if st_in.base else State.empty(0)
    ins = _Ins(st_in.as_of, st_in.base or st_in, delta, src, src >= 0)
    if not keep_state:
        e = np.zeros(0, np.int64)
        out = _Out(np.zeros((0, L.NS), np.int64), e, e, e, e, e, np.zeros((0, 3), np.int64))
        _kernel(prepared, market, cals, untils, assume_paid, ins, None, pos, status, out)
        return None
    # a delta of the loans that moved since the base, unless it would hold most loans: then
    # (and from origination) every loan's state, the base of the days after
    whole = state is None or 2 * len(src[src >= 0]) > n
    if whole:
        ins = _Ins(ins.as_of, ins.base, ins.delta, src, np.ones(n, np.bool_))
    cols = ins.base.scalars[:, _ROOM_COLUMNS]
    if st_in.rows is not None:
        cols[st_in.rows] = st_in.scalars[:, _ROOM_COLUMNS]
    has = cols[:, 0] == L.HAS_STATE
    matrix = prepared.whole()  # gathered once, if held as field arrays (outside the lock)
    n_inst = _installments(matrix)
    # room for the state of the loans that may write one: not those with no step before
    # their date (``S_NEXT_DAY`` is on or before the next event too), unless they are kept
    writes = ~(has & (cols[:, 3] > untils)) | ins.keep_quiet
    am_room = np.where(writes, np.maximum(np.where(has, n_inst - cols[:, 1], n_inst), 0), 0)
    du_room = np.where(writes, np.where(has, cols[:, 2] + L.DAY_SLACK, L.DUES_SLACK), 0)
    out = _Out.sized(n, am_room, du_room)
    _kernel(prepared, market, cals, untils, assume_paid, ins, None, pos, status, out)
    # loans that outgrew their room run again (the same steps) with the room they need
    again = np.flatnonzero((status == K.OK) & (out.st[:, L.S_STATUS] == L.NO_STATE))
    if len(again):
        am = _grow(out.am_lo, out.am_hi, out.am, again, n_inst[again])
        du = _grow(out.du_lo, out.du_hi, out.du, again, out.st[again, L.S_ND])
        out = _Out(out.st, out.am_lo, out.am_hi, am, out.du_lo, out.du_hi, du)
        _kernel(prepared, market, cals, untils, assume_paid, ins, again, pos, status, out)
    rows = np.flatnonzero(out.st[:, L.S_STATUS] != L.UNCHANGED)
    with KERNEL_LOCK:
        a_off, a, d_off, d = L.pack_state(
            matrix, out.st, rows, out.am_lo, out.am, out.du_lo, out.du
        )
    as_of = int(untils[0])
    if whole:
        return State(as_of, out.st, a_off, a, d_off, d)
    return State(as_of, out.st[rows], a_off, a, d_off, d, rows, ins.base)


_ROOM_COLUMNS = [L.S_STATUS, L.S_P_INST, L.S_ND, L.S_NEXT_DAY]


def _grow(
    lo: np.ndarray, hi: np.ndarray, buf: np.ndarray, which: np.ndarray, need: np.ndarray
) -> np.ndarray:
    """``buf`` with room for ``need[k]`` rows more for loan ``which[k]`` at its end (their
    ``lo``/``hi`` moved there)."""
    first = buf.shape[0]
    lo[which] = first + np.concatenate([[0], np.cumsum(need)[:-1]])
    hi[which] = lo[which] + need
    more = np.zeros((first + int(need.sum()), *buf.shape[1:]), buf.dtype)
    more[:first] = buf
    return more


def _installments(matrix: np.ndarray) -> np.ndarray:
    n_inst = matrix[:, K.F_S_COUNT].copy()
    n_inst[matrix[:, K.F_AMORT] == K.AM_BULLET] = 1
    return n_inst


@dataclass(frozen=True)
class _Ins:
    """The state a run starts from, as the kernel reads it: each loan's from ``base`` (whole)
    or, where ``src[i] >= 0``, from row ``src[i]`` of ``delta`` (a whole state of the loans
    that moved since); ``keep_quiet``: loans whose state is written even if they take no step
    (those of the delta: the next delta holds them too). ``as_of``: the day of the state."""

    as_of: int
    base: State
    delta: State
    src: np.ndarray
    keep_quiet: np.ndarray


@dataclass(frozen=True)
class _Out:
    """Where the kernel writes each loan's state: ``st`` rows, amounts in
    ``am[am_lo[i]:am_hi[i]]``, dues in ``du[du_lo[i]:du_hi[i]]``."""

    st: np.ndarray
    am_lo: np.ndarray
    am_hi: np.ndarray
    am: np.ndarray
    du_lo: np.ndarray
    du_hi: np.ndarray
    du: np.ndarray

    @classmethod
    def sized(cls, n: int, am_room: np.ndarray, du_room: np.ndarray) -> _Out:
        am_hi = np.cumsum(am_room)
        du_hi = np.cumsum(du_room)
        return cls(
            np.zeros((n, L.NS), np.int64),
            am_hi - am_room,
            am_hi,
            np.zeros(int(am_hi[-1]) if n else 0, np.int64),
            du_hi - du_room,
            du_hi,
            np.zeros((int(du_hi[-1]) if n else 0, 3), np.int64),
        )


def _ragged_take(
    off: np.ndarray, values: np.ndarray, which: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``which`` of a ragged array (offsets, values): new offsets and values."""
    counts = off[which + 1] - off[which]
    new_off = np.zeros(len(which) + 1, np.int64)
    np.cumsum(counts, out=new_off[1:])
    starts = np.repeat(off[which] - new_off[:-1], counts)
    return new_off, values[np.arange(int(new_off[-1])) + starts]


def _kernel(
    prepared: Prepared,
    market: Market,
    cals: Calendars,
    untils: np.ndarray,
    assume_paid: bool,
    ins: _Ins,
    which: np.ndarray | None,
    pos: np.ndarray,
    status: np.ndarray,
    out: _Out,
) -> None:
    """``loop.run_many`` over every loan, or over the loans ``which`` only."""
    matrix, evs = prepared.whole(), prepared.events
    ev_off, ev = evs.off, (evs.dates, evs.kinds, evs.amounts)
    base, delta, src, keep_quiet = ins.base, ins.delta, ins.src, ins.keep_quiet
    st, am_lo, am_hi, du_lo, du_hi = out.st, out.am_lo, out.am_hi, out.du_lo, out.du_hi
    p, s = pos, status
    if which is not None:
        matrix, untils = matrix[which], untils[which]
        ev_off, dates = _ragged_take(evs.off, evs.dates, which)
        ev = (dates, _ragged_take(evs.off, evs.kinds, which)[1],
              _ragged_take(evs.off, evs.amounts, which)[1])  # fmt: skip
        base, moved = base.take(which), src[which]
        delta = delta.take(moved[moved >= 0])
        src = np.full(len(which), -1, np.int64)
        src[moved >= 0] = np.arange(delta.scalars.shape[0])
        keep_quiet = keep_quiet[which]
        st, am_lo, am_hi = st[which], am_lo[which], am_hi[which]
        du_lo, du_hi = du_lo[which], du_hi[which]
        p, s = pos[which], status[which]
    n = matrix.shape[0]
    e = np.zeros(0, np.int64)
    with KERNEL_LOCK:
        L.run_many(
            matrix, ev_off, *ev,
            market.off, market.dates, market.rates, cals.nxt, cals.prv, cals.base,
            untils, assume_paid, ins.as_of,
            base.scalars, base.am_off, base.am, base.du_off, base.du,
            delta.scalars, delta.am_off, delta.am, delta.du_off, delta.du, src, keep_quiet,
            p, s, st, am_lo, am_hi, out.am, du_lo, du_hi, out.du,
            np.zeros(n + 1, np.int64), e.astype(np.int32), e.astype(np.int8), e.astype(np.int8),
            e, np.zeros(n, np.int64),
        )  # fmt: skip
    if which is not None and out.st.shape[0]:
        out.st[which] = st
        pos[which], status[which] = p, s


Flows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _flow_chunks(
    prepared: Prepared,
    market: Market,
    cals: Calendars,
    untils: np.ndarray,
    assume_paid: bool,
    pos: np.ndarray,
    status: np.ndarray,
) -> Iterator[list[Flows]]:
    """The kernel over ``FLOW_CHUNK`` loans at a time; yields each chunk's flows of the
    loans the kernel settled, in loan order, as pieces of columns (loan number, date, kind,
    component, amount). With ``assume_paid`` the loans with no events run by ``paid`` (flows
    written in place, contiguous by range), the others by ``loop``."""
    matrix, evs = prepared.matrix, prepared.events
    n = matrix.shape[0]
    daily = market.daily(cals.base, cals.nxt.shape[1])
    pool = _Pool()
    room = np.empty((min(FLOW_CHUNK, n), K.NF), np.int64)  # a chunk's rows, gathered
    for lo in range(0, n, FLOW_CHUNK):
        hi = min(lo + FLOW_CHUNK, n)
        if not assume_paid:
            yield [_general_flows(prepared, market, cals, untils, False, lo, hi, None, pos, status)]
            continue
        rows = matrix.rows(lo, hi, room) if isinstance(matrix, form.LoanFields) else matrix[lo:hi]
        cap_off = np.zeros(hi - lo + 1, np.int64)
        with KERNEL_LOCK:
            np.cumsum(P.capacity(rows, untils[lo:hi]), out=cap_off[1:])
        cols = pool.take(int(cap_off[-1]))
        f_lo = np.empty(hi - lo, np.int64)
        # ranges handed out one at a time: a thread slowed by other work takes fewer
        with KERNEL_LOCK, numba.parallel_chunksize(1):
            ends = P.run_many(
                rows, untils[lo:hi], lo, evs.off[lo : hi + 1],
                market.off, market.dates, market.rates, daily, cals.nxt, cals.prv, cals.base,
                cap_off, pos[lo:hi], status[lo:hi], *cols, f_lo,
            )  # fmt: skip
        others = np.flatnonzero(status[lo:hi] == P.FALLBACK)
        more = None
        if len(others):
            more = _general_flows(prepared, market, cals, untils, True, lo, hi, others, pos, status)
        yield _pieces(cols, f_lo, ends, lo, others, more)


class _Pool:
    """Flow columns for the chunks, reused once nothing refers to them any more (the tables
    of earlier chunks dropped by their consumer: every view, slice and Arrow array over a
    column holds a reference to it): fresh memory costs a page fault and the zeroing of
    each page, about a tenth of the kernel's time."""

    def __init__(self) -> None:
        self.sets: list[Flows] = []

    def take(self, size: int) -> Flows:
        for k, cols in enumerate(self.sets):
            # references: this list, ``cols`` and getrefcount's argument
            if all(sys.getrefcount(c) <= 3 for c in cols):
                if cols[0].shape[0] >= size:
                    return cols
                del self.sets[k]
                break
        dtypes = (np.int64, np.int32, np.int8, np.int8, np.int64)
        fresh = tuple(np.empty(size, t) for t in dtypes)
        self.sets.append(fresh)  # type: ignore[arg-type]
        return fresh  # type: ignore[return-value]


def _pieces(
    cols: Flows,
    f_lo: np.ndarray,
    ends: np.ndarray,
    lo: int,
    others: np.ndarray,
    more: Flows | None,
) -> list[Flows]:
    """The flows of a chunk (its first loan ``lo``) in loan order without copying: each
    range's contiguous flows (``paid.run_many``), cut where a loan run by ``loop`` (``others``,
    chunk positions; its flows in ``more``, loan numbers in its first column) takes its
    place."""
    out: list[Flows] = []

    def piece(part: Flows, a: int, b: int) -> None:
        if b > a:
            out.append((part[0][a:b], part[1][a:b], part[2][a:b], part[3][a:b], part[4][a:b]))

    bounds = np.zeros(1, np.int64)
    if more is not None:
        bounds = np.searchsorted(more[0], np.append(others, others[-1] + 1) + lo)
    k = 0
    for r, end in enumerate(ends.tolist()):
        s = int(f_lo[r * P.RANGE])
        top = (r + 1) * P.RANGE
        while k < len(others) and others[k] < top:
            cut = int(f_lo[others[k]])
            piece(cols, s, cut)
            s = cut
            assert more is not None
            piece(more, int(bounds[k]), int(bounds[k + 1]))
            k += 1
        piece(cols, s, end)
    return out


def _general_flows(
    prepared: Prepared,
    market: Market,
    cals: Calendars,
    untils: np.ndarray,
    assume_paid: bool,
    lo: int,
    hi: int,
    which: np.ndarray | None,
    pos: np.ndarray,
    status: np.ndarray,
) -> Flows:
    """``loop.run_many`` with flows over loans ``lo`` to ``hi`` or, if given, over the loans
    ``lo + which`` only; the flows of those it settled, compacted."""
    evs = prepared.events
    if which is None:
        loans, matrix = np.arange(lo, hi), prepared.matrix[lo:hi]
        ev_off = evs.off[lo : hi + 1] - evs.off[lo]
        ev = (evs.dates[evs.off[lo] : evs.off[hi]], evs.kinds[evs.off[lo] : evs.off[hi]],
              evs.amounts[evs.off[lo] : evs.off[hi]])  # fmt: skip
    else:
        loans = lo + which
        matrix = prepared.matrix[loans]
        ev_off, dates = _ragged_take(evs.off, evs.dates, loans)
        ev = (dates, _ragged_take(evs.off, evs.kinds, loans)[1],
              _ragged_take(evs.off, evs.amounts, loans)[1])  # fmt: skip
    m = len(loans)
    fl_off = np.zeros(m + 1, np.int64)
    with KERNEL_LOCK:
        np.cumsum(L.flow_capacity(matrix, ev_off, untils[loans]), out=fl_off[1:])
    size = int(fl_off[-1])
    bufs = (np.empty(size, np.int32), np.empty(size, np.int8), np.empty(size, np.int8),
            np.empty(size, np.int64))  # fmt: skip
    f_count = np.zeros(m, np.int64)
    p, s = pos[loans], status[loans]
    e = np.zeros(0, np.int64)
    none = State.empty(0)
    with KERNEL_LOCK:
        L.run_many(
            matrix, ev_off, *ev,
            market.off, market.dates, market.rates, cals.nxt, cals.prv, cals.base,
            untils[loans], assume_paid, K.NONE,
            np.zeros((m, L.NS), np.int64), np.zeros(m + 1, np.int64), e,
            np.zeros(m + 1, np.int64), none.du,
            none.scalars, none.am_off, none.am, none.du_off, none.du,
            np.full(m, -1, np.int64), np.zeros(m, np.bool_),
            p, s, np.zeros((0, L.NS), np.int64),
            e, e, e, e, e, np.zeros((0, 3), np.int64),
            fl_off, *bufs, f_count,
        )  # fmt: skip
    pos[loans], status[loans] = p, s
    out = L.compact(fl_off, f_count, s == K.OK, *bufs, 0)
    return (loans[out[0]], *out[1:])


@dataclass(frozen=True)
class Lifetime:
    """Loans ready for ``lifetime_flows``: in the kernel's arrays, each to its lifetime end;
    ``status`` is filled as the chunks run (``K.OK``: the kernel's flows)."""

    prepared: Prepared
    market: Market
    untils: np.ndarray
    cals: Calendars
    pos: np.ndarray
    status: np.ndarray


def lifetime_prepared(loans: pa.Table, fixings: pa.Table) -> Lifetime:
    """``loans`` (no events: the contract as agreed) in the kernel's arrays."""
    market = Market.of(fixings)
    no_events = form.table_of([], form.EVENT_SCHEMA)
    prepared = Prepared(
        loans.column("loan").combine_chunks(),
        form.LoanFields.of(loans, market.names),  # rows gathered a chunk at a time
        Events.of(loans, no_events),
        lambda which: _rows_of(loans, no_events, which),
    )
    n = prepared.matrix.shape[0]
    untils = lifetime_ends(prepared.matrix)
    span = _span(prepared.matrix, int(untils.min()), int(untils.max())) if n else (0, 3650)
    return Lifetime(
        prepared,
        market,
        untils,
        calendars(*span),
        np.zeros((n, K.NP_), np.int64),
        np.zeros(n, np.int64),
    )


def lifetime_flows(lifetime: Lifetime, *, assume_paid: bool = True) -> Iterator[pa.Table]:
    """Each loan's lifetime cash flows, ``FLOW_CHUNK`` loans at a time, as tables of
    ``run_portfolio``'s flow columns: the memory held is a few chunks', whatever the number
    of loans. Loans the kernel hands over are left out here (``lifetime.status``);
    ``run_portfolio(..., None, flows=True)`` runs them by the exact engine. The next chunk
    is computed while the consumer reads this one (``_ahead``)."""
    lt = lifetime
    if lt.prepared.matrix.shape[0] == 0:
        return
    chunks = _flow_chunks(
        lt.prepared, lt.market, lt.cals, lt.untils, assume_paid, lt.pos, lt.status
    )
    tables = (
        pa.Table.from_batches([_flow_batch(p) for p in pieces], _FLOW_SCHEMA) for pieces in chunks
    )
    yield from _ahead(tables)


_T = TypeVar("_T")


def _ahead(items: Iterator[_T]) -> Iterator[_T]:
    """``items``, each made in a thread while the one before is consumed: the kernel releases
    the GIL, so both cores stay busy while the consumer (and the Python between two kernel
    calls) works, where one of them waited. Stops making items when the consumer stops; an
    error making one is raised to the consumer."""
    made: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def make() -> None:
        try:
            for item in items:
                made.put((0, item))
                if stop.is_set():
                    return
            made.put((1, None))
        except BaseException as exc:  # handed to the consumer, raised there
            made.put((2, exc))

    worker = threading.Thread(target=make, name="lifetime-flows", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = made.get()
            if kind == 1:
                return
            if kind == 2:
                raise value
            yield value
    finally:
        stop.set()
        while worker.is_alive():  # let a worker blocked on a full queue put and see ``stop``
            with contextlib.suppress(queue.Empty):
                made.get(timeout=0.05)
        worker.join()


_STATUS_NOTES = {
    K.REFUSED: "a prepayment above the principal not yet due",
    K.MISSING_FIXING: "no fixing in force",
    K.OUT_OF_RANGE: "amounts beyond 64-bit exact arithmetic",
    K.NEGATIVE_RATE: "a negative rate",
    K.NEAR_TIE: "a level payment at a half-cent tie",
    K.CAPACITY: "more amounts due than planned",
}
METHODS = (BY_KERNEL, BY_EXACT, REFUSED_BY_EXACT)


def _settle_others(
    prepared: Prepared,
    fixings: pa.Table,
    until: date | None,
    assume_paid: bool,
    pos: np.ndarray,
    status: np.ndarray,
    flows: bool,
) -> tuple[np.ndarray, dict[int, str], dict[int, list[tuple[int, int, int, int]]]]:
    """The loans the kernel handed over: refused (the kernel knows the figures the refusal
    names) or run by the exact engine from their rows. Returns each loan's method (an index
    of ``METHODS``), the notes and the exact engine's flows by loan (``flows``: else the
    exact engine computes the figures alone, without ledger lines, and only the open dues
    are listed)."""
    methods = np.zeros(len(status), np.int8)
    notes: dict[int, str] = {}
    extra: dict[int, list[tuple[int, int, int, int]]] = {}
    for i in np.flatnonzero(status == K.REFUSED).tolist():
        # the exact engine refuses the whole run; the kernel knows the figures it names
        amount, left = (Decimal(int(v)).scaleb(-2) for v in pos[i, :2])
        loan = prepared.ids[i].as_py()
        methods[i] = 2
        notes[i] = (
            f"amount: prepayment {amount} exceeds the principal not yet due {left} of loan {loan}"
        )
        pos[i] = 0
        extra[i] = []
    todo = np.flatnonzero((status != K.OK) & (status != K.REFUSED)).tolist()
    if not todo:
        return methods, notes, extra
    fx = form.market_of(fixings)
    for i, (row, ev_rows) in zip(todo, prepared.rows(todo), strict=True):
        note = _STATUS_NOTES.get(int(status[i]), "")
        try:
            res = run_loan(
                TermsHistory.single(form.terms_of(row)),
                form.events_of(ev_rows),
                fx,
                until or lifetime_end(row),
                assume_paid=assume_paid,
                lines=flows,
            )
        except LoanbookError as exc:
            methods[i], notes[i] = 2, str(exc)
            pos[i] = 0
            extra[i] = []
            continue
        methods[i], notes[i] = 1, note
        pos[i], extra[i] = _from_result(res)
    return methods, notes, extra


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


def _positions(
    ids: pa.Array, pos: np.ndarray, methods: np.ndarray | None, notes: dict[int, str]
) -> pa.Table:
    """One row per loan: its position in cents, the engine that computed it and why."""
    n = len(ids)
    cols: dict[str, Any] = {"loan": ids}
    for j, name in enumerate(POSITION_COLUMNS):
        cols[f"{name}_cents"] = pa.array(np.ascontiguousarray(pos[:, j]), pa.int64())
    codes = methods if methods is not None else np.zeros(n, np.int8)
    cols["method"] = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()), pa.array(METHODS))
    texts = ["", *sorted(set(notes.values()))]
    index = {t: k for k, t in enumerate(texts)}
    which = np.zeros(n, np.int32)
    for i, text in notes.items():
        which[i] = index[text]
    cols["note"] = pa.DictionaryArray.from_arrays(pa.array(which), pa.array(texts)).cast(
        pa.string()
    )
    return pa.table(cols)


_KINDS = pa.array([FLOW_KINDS.get(k, "") for k in range(max(FLOW_KINDS) + 1)])
_COMPONENTS = pa.array([COMPONENT_NAMES[c] for c in range(4)])


_FLOW_SCHEMA = pa.schema(
    [
        ("loan_no", pa.int64()),
        ("date", pa.date32()),
        ("kind", pa.dictionary(pa.int8(), pa.string())),
        ("component", pa.dictionary(pa.int8(), pa.string())),
        ("amount_cents", pa.int64()),
    ]
)


def _flow_batch(cols: Sequence[np.ndarray]) -> pa.RecordBatch:
    return pa.record_batch(
        [
            pa.array(cols[0], pa.int64()),
            pa.array(cols[1].astype(np.int32, copy=False), pa.int32()).view(pa.date32()),
            pa.DictionaryArray.from_arrays(pa.array(cols[2], pa.int8()), _KINDS, safe=False),
            pa.DictionaryArray.from_arrays(pa.array(cols[3], pa.int8()), _COMPONENTS, safe=False),
            pa.array(cols[4], pa.int64()),
        ],
        schema=_FLOW_SCHEMA,
    )


def _flows(chunks: list[Flows], extra: dict[int, list[tuple[int, int, int, int]]]) -> pa.Table:
    dtypes = (np.int64, np.int32, np.int8, np.int8, np.int64)
    cols = [np.concatenate([np.zeros(0, t)] + [c[j] for c in chunks]) for j, t in enumerate(dtypes)]
    rows = [(i, *r) for i, rs in sorted(extra.items()) for r in rs]
    if rows:
        more = np.array(rows, dtype=np.int64)
        cols = [np.concatenate([c, more[:, j].astype(c.dtype)]) for j, c in enumerate(cols)]
        order = np.argsort(cols[0], kind="stable")
        cols = [c[order] for c in cols]
    return pa.Table.from_batches([_flow_batch(cols)], _FLOW_SCHEMA)
