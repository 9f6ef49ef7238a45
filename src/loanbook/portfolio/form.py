# mypy: disable-error-code="no-any-return"
"""The portfolio form: loans, events and fixings as Arrow tables, one row per loan.

This is what ``loanbook portfolio`` reads and writes as Parquet, and what the kernel runs. A row
holds the terms the portfolio engine covers (see ``eligibility``); a loan whose terms need
more (a versioned history, acceleration, negative amortization, capitalisation, scaling...)
is refused here with the reason and stays with the exact engine.

Money is integer cents (``*_cents``); rates are integers in billionths (``*_e9``:
5.4375% = 54_375_000); dates are Arrow dates. ``terms_of`` turns a row back into the
``LoanTerms`` the exact engine runs, which is how exactness is checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.engine.history import TermsHistory
from loanbook.portfolio import codes
from loanbook.portfolio import kernel as K
from loanbook.rates import Fixing, Market
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    ExcessPayment,
    InterestBase,
    LateCharge,
    LoanTerms,
    PaymentSchedule,
    PeriodRule,
    PrepaymentOrder,
    RateReset,
    RateSpec,
    Waterfall,
    record,
)
from loanbook.time import BusinessDayConvention, Cycle, DayCount
from loanbook.time.schedule import Stub

EPOCH = date(1970, 1, 1)
CENTS = Decimal(100)
SCALE = Decimal(K.RATE_SCALE)

DAY_COUNTS = {
    DayCount.ACT_360: K.DC_ACT_360,
    DayCount.ACT_365F: K.DC_ACT_365F,
    DayCount.ACT_ACT: K.DC_ACT_ACT,
    DayCount.THIRTY_360: K.DC_30_360,
    DayCount.THIRTY_E_360: K.DC_30E_360,
}
AMORTIZATIONS = {
    AmortizationKind.LEVEL_PRINCIPAL: K.AM_LEVEL_PRINCIPAL,
    AmortizationKind.LEVEL_PAYMENT: K.AM_LEVEL_PAYMENT,
    AmortizationKind.BULLET: K.AM_BULLET,
}
CONVENTIONS = {
    BusinessDayConvention.UNADJUSTED: K.CONV_NONE,
    BusinessDayConvention.FOLLOWING: K.CONV_F,
    BusinessDayConvention.MODIFIED_FOLLOWING: K.CONV_MF,
    BusinessDayConvention.PRECEDING: K.CONV_P,
    BusinessDayConvention.MODIFIED_PRECEDING: K.CONV_MP,
}
CALENDARS = ("none", "weekdays", "US", "NYSE")
RESETS = {RateReset.FIXED: K.RESET_FIXED, RateReset.PERIOD_START: K.RESET_PERIOD_START}
RESETS[RateReset.CYCLE] = K.RESET_CYCLE
PERIOD_RULES = {PeriodRule.LOAN_DATE_MONTHLY: K.PRULE_LOAN_DATE_MONTHLY}
PERIOD_RULES[PeriodRule.MONTH_END] = K.PRULE_MONTH_END
COMPONENTS = {"late_charge": K.C_LATE, "fee": K.C_FEE, "interest": K.C_INTEREST}
COMPONENTS["principal"] = K.C_PRINCIPAL
DEFAULT_ORDER = ("late_charge", "fee", "interest", "principal")
EVENT_KINDS = {"fee": K.EV_FEE, "payment": K.EV_PAYMENT, "prepayment": K.EV_PREPAYMENT}

LOAN_SCHEMA = pa.schema(
    [
        ("loan", pa.string()),
        ("principal_cents", pa.int64()),
        ("start", pa.date32()),
        ("maturity", pa.date32()),
        ("day_count", pa.string()),
        ("amortization", pa.string()),
        ("installment_cents", pa.int64()),  # 0: computed (level principal / level payment)
        ("schedule_anchor", pa.date32()),
        ("schedule_months", pa.int32()),
        ("schedule_count", pa.int32()),
        ("schedule_eom", pa.bool_()),
        ("interest_anchor", pa.date32()),
        ("interest_months", pa.int32()),
        ("interest_eom", pa.bool_()),
        ("convention", pa.string()),
        ("calendar", pa.string()),
        ("rate_index", pa.string()),  # empty: a fixed rate
        ("fixed_rate_e9", pa.int64()),
        ("margin_e9", pa.int64()),
        ("floor_e9", pa.int64()),
        ("cap_e9", pa.int64()),
        ("period_cap_e9", pa.int64()),
        ("period_floor_e9", pa.int64()),
        ("reset", pa.string()),
        ("period_rule", pa.string()),
        ("reset_months", pa.int32()),
        ("reset_anchor", pa.date32()),
        ("fixing_lag_days", pa.int32()),
        ("initial_rate_e9", pa.int64()),
        ("recalculate_on_reset", pa.bool_()),
        ("late_charge_e9", pa.int64()),
        ("late_charge_day_count", pa.string()),
        ("waterfall_before", pa.string()),
        ("waterfall_after", pa.string()),
        ("prepayment_order", pa.string()),
        ("usury_max_e9", pa.int64()),  # the maximum lawful rate (null: none)
    ]
)
EVENT_SCHEMA = pa.schema(
    [
        ("loan", pa.string()),
        ("date", pa.date32()),
        ("kind", pa.string()),
        ("amount_cents", pa.int64()),
    ]
)
FIXING_SCHEMA = pa.schema([("index", pa.string()), ("date", pa.date32()), ("rate_e9", pa.int64())])


class Refusal(ValueError):
    """A loan the portfolio engine does not cover, or a value of a portfolio table it cannot
    read; the reason names the term (``field``: the table's column, where one is to blame)."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.field = field


def day_number(d: date) -> int:
    return (d - EPOCH).days


def _cents(amount: Decimal, what: str) -> int:
    scaled = amount * CENTS
    if scaled != scaled.to_integral_value():
        raise Refusal(f"{what} {amount} is not a whole number of cents")
    return int(scaled)


def _e9(rate: Decimal | None, what: str) -> int | None:
    if rate is None:
        return None
    scaled = rate * SCALE
    if scaled != scaled.to_integral_value():
        raise Refusal(f"{what} {rate} is finer than a billionth")
    return int(scaled)


def _months(cycle: Cycle, what: str) -> int:
    if cycle.months <= 0:
        raise Refusal(f"{what} cycle {cycle} is not in months")
    return cycle.months


def _schedule(s: PaymentSchedule, what: str) -> None:
    if s.calc_unadjusted:
        raise Refusal(f"{what} calculates to unadjusted dates")
    if s.calendar.upper() not in {c.upper() for c in CALENDARS}:
        raise Refusal(f"{what} calendar {s.calendar}")


def row_of(terms: LoanTerms) -> dict[str, Any]:
    """The portfolio row of ``terms``; ``Refusal`` names what the portfolio engine lacks."""
    amort = terms.amortization
    if amort.kind not in AMORTIZATIONS:
        raise Refusal(f"amortization {amort.kind.value}")
    if terms.maturity is None:
        raise Refusal("no maturity date")
    for name, present in (
        ("capitalize_until", terms.capitalize_until is not None),
        ("interest_base", terms.interest_base is not InterestBase.OUTSTANDING),
        ("scaling", terms.scaling is not None),
        ("accrued_at_start", bool(terms.accrued_at_start)),
        ("premium_discount", bool(terms.premium_discount)),
        ("maturity_end_of_day", terms.maturity_end_of_day),
        ("amortization horizon", amort.horizon is not None),
        # a payment beyond what is due applied to principal: the kernel only holds it
        ("excess_payment", terms.excess_payment is not ExcessPayment.HOLD),
    ):
        if present:
            raise Refusal(f"{name} is set")
    isched = terms.interest_schedule
    _schedule(isched, "interest schedule")
    if isched.count is not None or isched.end is not None:
        raise Refusal("interest schedule with a count or an end")
    if isched.cycle.stub is not Stub.SHORT:
        raise Refusal("interest schedule with a long stub")
    sched = amort.schedule
    if amort.kind is AmortizationKind.BULLET:
        sched = None
    elif sched is None or sched.count is None:
        raise Refusal("principal schedule without a count")
    else:
        _schedule(sched, "principal schedule")
        if (sched.convention, sched.calendar.upper()) != (
            isched.convention,
            isched.calendar.upper(),
        ):
            raise Refusal("principal and interest schedules on different business days")
    spec = terms.rate
    if spec.multiplier != 1:
        raise Refusal("a rate multiplier")
    if spec.next_reset_rate is not None or spec.reset_schedule is not None:
        raise Refusal("a rate reset agreed in advance or on its own schedule")
    if spec.reset not in RESETS:
        raise Refusal(f"rate reset {spec.reset.value}")
    fixed = spec.fixed if spec.fixed is not None else spec.initial
    if spec.index is None and fixed is None:
        raise Refusal("the rate has neither an index nor a fixed value")
    reset = spec.reset if spec.index is not None else RateReset.FIXED
    if spec.index is not None and reset is RateReset.FIXED:
        reset = RateReset.FIXED
    rule = ""
    if reset is RateReset.PERIOD_START:
        if terms.interest_rate_period is None:
            raise Refusal("period-start resets without an interest rate period")
        rule = terms.interest_rate_period.value
    months = 0
    if reset is RateReset.CYCLE:
        if spec.reset_cycle is None:
            raise Refusal("a cycle reset without a cycle")
        if spec.reset_cycle.stub is not Stub.SHORT:
            raise Refusal("a reset cycle with a long stub")
        months = _months(spec.reset_cycle, "reset")
    wf = terms.waterfall
    for order in (wf.before_maturity, wf.after_maturity):
        for c in order:
            if c not in COMPONENTS and c != "indexation":
                raise Refusal(f"waterfall component {c}")
    lc = terms.late_charge
    return {
        "loan": terms.id,
        "principal_cents": _cents(terms.principal, "principal"),
        "start": terms.start,
        "maturity": terms.maturity,
        "day_count": terms.day_count.value,
        "amortization": amort.kind.value,
        "installment_cents": _cents(amort.installment, "installment") if amort.installment else 0,
        "schedule_anchor": sched.anchor if sched else terms.maturity,
        "schedule_months": _months(sched.cycle, "principal") if sched else 1,
        "schedule_count": sched.count if sched and sched.count is not None else 1,
        "schedule_eom": sched.eom if sched else False,
        "interest_anchor": isched.anchor,
        "interest_months": _months(isched.cycle, "interest"),
        "interest_eom": isched.eom,
        "convention": isched.convention.value,
        "calendar": next(c for c in CALENDARS if c.upper() == isched.calendar.upper()),
        "rate_index": spec.index or "",
        "fixed_rate_e9": _e9(fixed, "rate") or 0,
        "margin_e9": _e9(spec.margin, "margin"),
        "floor_e9": _e9(spec.floor, "floor"),
        "cap_e9": _e9(spec.cap, "cap"),
        "period_cap_e9": _e9(spec.period_cap, "period cap"),
        "period_floor_e9": _e9(spec.period_floor, "period floor"),
        "reset": reset.value,
        "period_rule": rule,
        "reset_months": months,
        "reset_anchor": spec.reset_anchor,
        "fixing_lag_days": spec.fixing_lag_days,
        "initial_rate_e9": _e9(spec.initial, "initial rate") if spec.index else None,
        "recalculate_on_reset": amort.recalculate_on_reset,
        "late_charge_e9": _e9(lc.rate, "late charge") if lc else None,
        "late_charge_day_count": lc.day_count.value if lc else DayCount.ACT_360.value,
        "waterfall_before": ",".join(wf.before_maturity),
        "waterfall_after": ",".join(wf.after_maturity),
        "prepayment_order": terms.prepayment_order.value,
        "usury_max_e9": _e9(terms.usury_max_rate, "maximum lawful rate"),
    }


def check_history(history: TermsHistory) -> LoanTerms:
    if len(history.versions) > 1:
        raise Refusal("the terms change over time (a versioned history)")
    return history.latest


def event_rows(loan: str, events: Iterable[LoanEvent]) -> list[dict[str, Any]]:
    """The portfolio rows of a loan's events, in input order; other kinds are refused."""
    out: list[dict[str, Any]] = []
    for ev in events:
        if ev.kind in (EventKind.FIXING, EventKind.NOTICE, EventKind.WAIVER):
            continue  # the term-loan engine takes no step for these
        if ev.kind.value not in EVENT_KINDS:
            raise Refusal(f"a {ev.kind.value} event")
        if ev.get("end_of_day"):
            raise Refusal("an end-of-day event")
        if ev.amount is None or ev.amount < 0:
            raise Refusal(f"a {ev.kind.value} without a positive amount")
        out.append(
            {
                "loan": loan,
                "date": ev.date,
                "kind": ev.kind.value,
                "amount_cents": _cents(ev.amount, ev.kind.value),
            }
        )
    return out


# -- back to the exact engine's records --------------------------------------------------------
# A row's terms are mostly shared with other rows (the same schedules, rate, waterfall): the
# records for them are made once (immutable, so rows may share them) and only the loan's own
# fields are set per row. The caches are bounded; a miss only costs building the record.
_CACHE = 4096  # records per kind: a few MB at most
_CONVENTION = {m.value: m for m in BusinessDayConvention}
_AMORTIZATION = {m.value: m for m in AmortizationKind}
_RESET = {m.value: m for m in RateReset}
_DAY_COUNT = {m.value: m for m in DayCount}
_PERIOD_RULE = {"": None, **{m.value: m for m in PeriodRule}}
_PREPAYMENT = {m.value: m for m in PrepaymentOrder}


@lru_cache(maxsize=_CACHE)
def _rate(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(int(value)) / SCALE


@lru_cache(maxsize=_CACHE)
def _cycle(months: int) -> Cycle:
    return Cycle(months=int(months))


@lru_cache(maxsize=_CACHE)
def _payment_schedule(
    anchor: date, months: int, eom: bool, count: int | None, convention: str, calendar: str
) -> PaymentSchedule:
    conv = _CONVENTION[convention]
    return PaymentSchedule(anchor, _cycle(months), eom, count, None, conv, calendar)


@lru_cache(maxsize=_CACHE)
def _amortization(
    kind: str, installment_cents: int, recalculate: bool, *schedule: Any
) -> Amortization:
    """``schedule``: the principal schedule's anchor, months, eom, count, convention and
    calendar (none for a bullet)."""
    installment = Decimal(int(installment_cents)) / CENTS or None
    amort = _AMORTIZATION[kind]
    if amort is AmortizationKind.BULLET:
        return Amortization(amort, recalculate_on_reset=recalculate)
    sched = _payment_schedule(*schedule)
    return Amortization(amort, sched, installment, recalculate_on_reset=recalculate)


@lru_cache(maxsize=_CACHE)
def _rate_spec(*values: Any) -> RateSpec:
    index, margin, fixed, floor, cap, reset, months, anchor, lag, initial, pcap, pfloor = values
    index = index or None
    kind = _RESET[reset]
    return RateSpec(
        index=index,
        margin=_rate(margin) or Decimal(0),
        fixed=None if index else _rate(fixed),
        floor=_rate(floor),
        cap=_rate(cap),
        reset=kind,
        reset_cycle=_cycle(months) if kind is RateReset.CYCLE else None,
        reset_anchor=anchor,
        fixing_lag_days=int(lag or 0),
        initial=_rate(initial),
        period_cap=_rate(pcap),
        period_floor=_rate(pfloor),
    )


@lru_cache(maxsize=_CACHE)
def _late_charge(rate: int | None, day_count: str) -> LateCharge | None:
    late = _rate(rate)
    return LateCharge(late, _DAY_COUNT[day_count]) if late else None


@lru_cache(maxsize=_CACHE)
def _waterfall(before: str, after: str) -> Waterfall:
    return Waterfall(tuple(before.split(",")), tuple(after.split(",")))


#: The fields every portfolio loan has alike (``LoanTerms``' defaults otherwise).
_PORTFOLIO_TERMS = LoanTerms(
    id="",
    facility="portfolio",
    borrower="",
    lender="portfolio",
    principal=Decimal(0),
    start=EPOCH,
    day_count=DayCount.ACT_360,
    rate=RateSpec(),
    interest_schedule=PaymentSchedule(EPOCH, Cycle(months=1)),
    amortization=Amortization(AmortizationKind.BULLET),
)


def terms_of(row: dict[str, Any]) -> LoanTerms:
    """The ``LoanTerms`` a portfolio row stands for (what the exact engine runs)."""
    conv, cal = row["convention"], row["calendar"]
    isched = _payment_schedule(
        row["interest_anchor"], row["interest_months"], row["interest_eom"], None, conv, cal
    )
    spec = _rate_spec(
        row["rate_index"],
        row["margin_e9"],
        row["fixed_rate_e9"],
        row["floor_e9"],
        row["cap_e9"],
        row["reset"],
        row["reset_months"],
        row["reset_anchor"],
        row["fixing_lag_days"],
        row["initial_rate_e9"],
        row["period_cap_e9"],
        row["period_floor_e9"],
    )
    loan = row["loan"]
    return record(
        _PORTFOLIO_TERMS,
        id=loan,
        borrower=loan,
        principal=Decimal(int(row["principal_cents"])) / CENTS,
        start=row["start"],
        day_count=_DAY_COUNT[row["day_count"]],
        rate=spec,
        interest_schedule=isched,
        amortization=_amortization(
            row["amortization"],
            row["installment_cents"],
            bool(row["recalculate_on_reset"]),
            row["schedule_anchor"],
            row["schedule_months"],
            row["schedule_eom"],
            row["schedule_count"],
            conv,
            cal,
        ),
        maturity=row["maturity"],
        interest_rate_period=_PERIOD_RULE[row["period_rule"] or ""],
        late_charge=_late_charge(row["late_charge_e9"], row["late_charge_day_count"]),
        waterfall=_waterfall(row["waterfall_before"], row["waterfall_after"]),
        prepayment_order=_PREPAYMENT[row["prepayment_order"]],
        usury_max_rate=_rate(row.get("usury_max_e9")),
    )


def events_of(rows: Sequence[dict[str, Any]]) -> tuple[LoanEvent, ...]:
    return tuple(
        LoanEvent(
            r["date"],
            r["loan"],
            EventKind(r["kind"]),
            Decimal(int(r["amount_cents"])) / CENTS,
            f"e{i}",
            f"{r['loan']}/e{i}",
        )
        for i, r in enumerate(rows)
    )


def check_fixings(fixings: pa.Table) -> None:
    """One rate an index and date: two rows of one index and date with different rates are
    refused, naming them (the kernel and the exact engine would each silently take one);
    the same rate twice is one fixing."""
    if fixings.num_rows < 2:
        return
    grouped = (
        fixings.select(["index", "date", "rate_e9"])
        .group_by(["index", "date"])
        .aggregate([("rate_e9", "min"), ("rate_e9", "max")])
    )
    bad = grouped.filter(pc.not_equal(grouped["rate_e9_min"], grouped["rate_e9_max"]))
    if bad.num_rows == 0:
        return
    first = min(bad.to_pylist(), key=lambda r: (str(r["index"]), str(r["date"])))
    low, high = int(first["rate_e9_min"]), int(first["rate_e9_max"])
    raise Refusal(
        f"the fixings of {first['index']} on {first['date']} have two rates, "
        f"{_percent(low)}% and {_percent(high)}% (rate_e9 {low} and {high}); "
        "an index has one rate a date"
    )


def _percent(rate_e9: int) -> str:
    return f"{(Decimal(rate_e9) / SCALE * 100).normalize():f}"


def market_of(fixings: pa.Table) -> Market:
    """The exact engine's market of a fixings table (``check_fixings`` first)."""
    check_fixings(fixings)
    names = fixings.column("index").to_pylist()
    days = fixings.column("date").to_pylist()
    rates = fixings.column("rate_e9").to_pylist()
    return Market.of(
        Fixing(n, d, Decimal(int(r)) / SCALE) for n, d, r in zip(names, days, rates, strict=True)
    )


# -- columns to the kernel's matrix ------------------------------------------------------------
def _unknown(column: pa.ChunkedArray, value: str | None, what: str, field: str) -> Refusal:
    """The refusal of a value (None: no value) of a text column, naming its first row."""
    if value is None:
        row = int(pa.compute.index(pa.compute.is_null(column), True).as_py())
        return Refusal(f"row {row}: no {what}", field)
    row = int(pa.compute.index(column, value).as_py())
    return Refusal(f"row {row}: unknown {what} {value!r}", field)


def _codes(column: pa.ChunkedArray, table: dict[str, int], what: str, field: str) -> np.ndarray:
    """Each value's code by ``table``; an unknown value (or none) is refused, naming its row
    and the column (``field``)."""
    if column.null_count == 0 and pa.types.is_string(column.type):
        out, unknown = codes.codes(column, table)
        if unknown is not None:
            raise _unknown(column, unknown, what, field)
        return out
    if column.null_count:
        raise _unknown(column, None, what, field)
    encoded = column.combine_chunks().dictionary_encode()
    names = encoded.dictionary.to_pylist()
    for name in names:
        if name not in table:
            raise _unknown(column, name, what, field)
    lookup = np.array([table[n] for n in names] or [0], dtype=np.int64)
    idx = encoded.indices.to_numpy(zero_copy_only=False)
    return lookup[idx]


def _days(column: pa.ChunkedArray, fill: int = K.NONE) -> np.ndarray:
    arr = column.combine_chunks().cast(pa.int32()).to_numpy(zero_copy_only=False)
    out = np.asarray(arr, dtype=np.float64 if column.null_count else np.int64)
    if column.null_count:
        return np.where(np.isnan(out), fill, out).astype(np.int64)
    return out


def _ints(column: pa.ChunkedArray, fill: int = K.NONE) -> np.ndarray:
    if column.null_count:
        return column.combine_chunks().fill_null(fill).to_numpy().astype(np.int64)
    return column.combine_chunks().to_numpy(zero_copy_only=False).astype(np.int64)


def _orders(column: pa.ChunkedArray, field: str) -> np.ndarray:
    if column.null_count:
        raise _unknown(column, None, "waterfall", field)
    encoded = column.combine_chunks().dictionary_encode()
    table = []
    for text in encoded.dictionary.to_pylist():
        given = [c for c in text.split(",") if c and c != "indexation"]
        full = [*given, *(c for c in DEFAULT_ORDER if c not in given)]
        unknown = [c for c in full if c not in COMPONENTS]
        if unknown:
            row = int(pa.compute.index(column, text).as_py())
            raise Refusal(f"row {row}: unknown waterfall component {unknown[0]!r}", field)
        table.append([COMPONENTS[c] for c in full])
    lookup = np.array(table or [[0, 1, 2, 3]], dtype=np.int64)
    return lookup[encoded.indices.to_numpy(zero_copy_only=False)]


def _field_columns(loans: pa.Table, index_names: Sequence[str]) -> dict[int, Callable[[], Any]]:
    """How to make each field of the kernel's matrix (``kernel.F_*``) from the loan table:
    one callable per field (or per first field of the 4-column waterfall orders), so that the
    fields can be made in any order and in threads (Arrow's and NumPy's work releases the
    GIL)."""
    c = loans.column
    amort = {k.value: v for k, v in AMORTIZATIONS.items()}
    conv = {k.value: v for k, v in CONVENTIONS.items()}
    indexes = {"": -1, **{name: i for i, name in enumerate(index_names)}}
    rules = {"": 0, **{k.value: v for k, v in PERIOD_RULES.items()}}
    dcs = {k.value: v for k, v in DAY_COUNTS.items()}
    orders = {o.value: int(o is PrepaymentOrder.DIRECT) for o in PrepaymentOrder}

    def code(name: str, table: dict[str, int], what: str) -> Callable[[], np.ndarray]:
        return lambda: _codes(c(name), table, what, name)

    return {
        K.F_PRINCIPAL: lambda: _ints(c("principal_cents")),
        K.F_START: lambda: _days(c("start")),
        K.F_MATURITY: lambda: _days(c("maturity")),
        K.F_DC: code("day_count", dcs, "day count"),
        K.F_AMORT: code("amortization", amort, "amortization"),
        K.F_INSTALLMENT: lambda: _ints(c("installment_cents"), 0),
        K.F_S_ANCHOR: lambda: _days(c("schedule_anchor")),
        K.F_S_MONTHS: lambda: np.maximum(_ints(c("schedule_months"), 1), 1),
        K.F_S_COUNT: lambda: _ints(c("schedule_count"), 1),
        K.F_S_EOM: lambda: _ints(c("schedule_eom").cast(pa.int64()), 0),
        K.F_I_ANCHOR: lambda: _days(c("interest_anchor")),
        K.F_I_MONTHS: lambda: np.maximum(_ints(c("interest_months"), 1), 1),
        K.F_I_EOM: lambda: _ints(c("interest_eom").cast(pa.int64()), 0),
        K.F_CONV: code("convention", conv, "convention"),
        K.F_CAL: code("calendar", {k: i for i, k in enumerate(CALENDARS)}, "calendar"),
        K.F_INDEX: code("rate_index", indexes, "rate index"),
        K.F_FIXED: lambda: _ints(c("fixed_rate_e9"), 0),
        K.F_MARGIN: lambda: _ints(c("margin_e9"), 0),
        K.F_FLOOR: lambda: _ints(c("floor_e9")),
        K.F_CAP: lambda: _ints(c("cap_e9")),
        K.F_PCAP: lambda: _ints(c("period_cap_e9")),
        K.F_PFLOOR: lambda: _ints(c("period_floor_e9")),
        K.F_RESET: code("reset", {k.value: v for k, v in RESETS.items()}, "reset"),
        K.F_PRULE: code("period_rule", rules, "period rule"),
        K.F_R_MONTHS: lambda: np.maximum(_ints(c("reset_months"), 1), 1),
        K.F_R_ANCHOR: lambda: _days(c("reset_anchor")),
        K.F_LAG: lambda: _ints(c("fixing_lag_days"), 0),
        K.F_INITIAL: lambda: _ints(c("initial_rate_e9")),
        K.F_RECALC: lambda: _ints(c("recalculate_on_reset").cast(pa.int64()), 0),
        K.F_LATE: lambda: _ints(c("late_charge_e9")),
        K.F_LATE_DC: code("late_charge_day_count", dcs, "late charge day count"),
        K.F_PREPAY_DIRECT: code("prepayment_order", orders, "prepayment order"),
        K.F_WF_BEFORE: lambda: _orders(c("waterfall_before"), "waterfall_before").T,
        K.F_WF_AFTER: lambda: _orders(c("waterfall_after"), "waterfall_after").T,
        K.F_USURY: lambda: _ints(c("usury_max_e9")),
    }


#: Threads making the matrix's fields (the machine's cores; Arrow and NumPy release the GIL)
_FIELD_THREADS = max(1, min(4, os.cpu_count() or 1))


def loan_columns(loans: pa.Table, index_names: Sequence[str]) -> tuple[np.ndarray, ...]:
    """The kernel's fields of a loan table, one int64 array of every loan's value per field
    (``kernel.F_*`` in order; Arrow's own buffer where it already is one), made in threads."""
    makers = _field_columns(loans, index_names)
    fields = sorted(makers)
    if loans.num_rows < 65_536 or _FIELD_THREADS == 1:
        made = [makers[f]() for f in fields]
    else:
        with ThreadPoolExecutor(_FIELD_THREADS) as pool:
            made = list(pool.map(lambda f: makers[f](), fields))
    out: list[np.ndarray] = []
    for values in made:
        rows = values if values.ndim == 2 else values[None, :]
        out.extend(np.ascontiguousarray(r, dtype=np.int64) for r in rows)
    assert len(out) == K.NF
    return tuple(out)


def loan_matrix(loans: pa.Table, index_names: Sequence[str]) -> np.ndarray:
    """The kernel's int64 matrix of a loan table (one row a loan, columns ``kernel.F_*``):
    the fields made one whole array each (``loan_columns``) and gathered into rows by blocks
    of loans on every core (``kernel.gather_rows``). Writing each field into a row-major
    matrix touches every row's cache line once per field; a (field, loan) matrix transposed
    once costs a second 328 MB at 1,000,000 loans, written by one thread."""
    return LoanFields.of(loans, index_names).rows(0, loans.num_rows)


@dataclass(frozen=True)
class LoanFields:
    """The kernel's fields of some loans, one array per field (``loan_columns``), read as
    the kernel's matrix is: ``[:, f]`` is field f of every loan, ``[a:b]`` or ``[loans]`` those
    loans' rows (``rows``: a block of them into a buffer of the caller's). A caller running a
    block of loans at a time (lifetime flows) gathers each block's rows as it runs it: no
    matrix of every loan (328 MB at 1,000,000) is written and faulted in, and the block's rows
    go into the same buffer while it is still in the cache."""

    columns: tuple[np.ndarray, ...]

    @classmethod
    def of(cls, loans: pa.Table, index_names: Sequence[str]) -> LoanFields:
        return cls(loan_columns(loans, index_names))

    @property
    def shape(self) -> tuple[int, int]:
        return self.columns[0].shape[0], K.NF

    def rows(self, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        """The rows of loans ``lo`` to ``hi`` (into ``out[: hi - lo]`` if given)."""
        if out is None:
            out = np.empty((hi - lo, K.NF), np.int64)
        if hi > lo:
            with K.KERNEL_LOCK:
                K.gather_rows(self.columns, lo, hi, out)
        return out[: hi - lo]

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            which, field = key
            return self.columns[field][which]
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.shape[0])
            if step == 1:
                return self.rows(lo, max(lo, hi))
        return np.ascontiguousarray(np.stack([c[key] for c in self.columns], axis=-1))


def table_of(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=schema)
