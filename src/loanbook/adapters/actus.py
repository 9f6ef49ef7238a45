"""ACTUS conformance: run the ACTUS reference test cases through the Loanbook engine.

The ACTUS test files (actusfrf/actus-tests, CC BY-SA 4.0; a copy with its SOURCE.md and
LICENSE.md is in ``tests/actus/data/``) map a case id to the contract terms, observed market
data, a horizon ``to`` and the expected events. This module is the whole mapping, kept out of
the core: each case's terms become ``LoanTerms``, its market data a ``Market``, its purchase
and termination input events; ``run_loan`` runs them with ``assume_paid=True`` (ACTUS assumes
every amount is paid when due) and ``rounding=False`` (its values are not rounded to cents);
the run's per-step states and ledger lines are turned back into ACTUS events and compared.

Mapping (ACTUS term -> Loanbook):

* PAM -> bullet; LAM -> level principal (``nextPrincipalRedemptionPayment``, else the
  principal over the number of principal dates); ANN -> level payment computed by the annuity
  formula when not given (to ``amortizationDate`` when set) and again after each rate reset;
  NAM -> negative amortization (fixed payment, interest first, principal = payment - interest,
  negative when the payment does not cover the interest).
* Day counts A360, A365, AA, 30E360, 30360; calendars NC and MF; business-day conventions
  SC*/CS* (shift-calculate: amounts to the adjusted dates; calculate-shift: to the unadjusted
  dates) with F, MF, P, MP; ``endOfMonthConvention`` EOM/SD; cycles ``PnXL0``/``PnXL1``.
* ``nominalInterestRate`` is the rate until the first reset; resets are ``rateMultiplier`` x
  the observed ``marketObjectCodeOfRateReset`` + ``rateSpread`` within ``lifeFloor`` /
  ``lifeCap``, each change held within ``periodCap`` (rise) and ``periodFloor`` (fall);
  ``nextResetRate`` fixes the first reset (RRF). ``fixingDays``: the observations
  in the test data are keyed by the date the rate applies (lam14, ann16 and nam13 have P2D with
  observations only on reset dates), so each is recorded as fixed ``fixingDays`` earlier and
  the engine looks it up that many days before the reset.
* ``capitalizationEndDate`` -> interest capitalised up to it; ``interestCalculationBase`` NT
  -> the principal outstanding, NTL -> a lagged base reset on its cycle (IPCB); NTIED -> the
  principal outstanding too, because the reference computes it so (lam18: interest on 4,500
  after the first redemption of its 5,000).
* ``scalingEffect`` I/N -> interest / principal payments scaled by the scaling index over
  ``scalingIndexAtContractDealDate`` (SC), from ``interestScalingMultiplier`` /
  ``notionalScalingMultiplier`` before the first scaling date. ``premiumDiscountAtIED`` ->
  paid with the advance; ``accruedInterest`` -> interest accrued at the start;
  ``purchaseDate``/``priceAtPurchaseDate`` and ``terminationDate``/``priceAtTerminationDate``
  -> purchase and termination events.
* An initial exchange on or before ``statusDate`` is a loan taken on at the status date (with
  ``accruedInterest`` accrued); ACTUS reports no event on or before the status date, and none
  before a purchase. A maturity without ``maturityDate`` is ACTUS's: the principal anchor plus
  ceil(notional / redemption) - 1 cycles.
* A timestamp at 23:59 is the end of that day: the event is dated that day and the day
  accrues interest (pam25, lam18, ann26 count it as the next midnight).
* Signs: the engine keeps the lender's view; ``contractRole`` RPL (the borrower) reverses every
  payoff and state, except that ACTUS applies the role sign to the clean price of a purchase
  or termination while the accrued interest keeps its state's sign.

Comparison: events must match one for one in order, with the same date and type; payoff,
notional, rate and accrued interest match when they differ by at most 1e-6 (absolute) or
1e-8 of the expected value (relative), whichever is larger. A case the engine cannot represent
fails with the reason; nothing is skipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from loanbook.engine import EventKind, LoanEvent, TermsHistory, run_loan
from loanbook.engine.result import LoanResult
from loanbook.engine.steps import StepKind
from loanbook.errors import LoanbookError
from loanbook.ledger.lines import Account
from loanbook.rates import Fixing, Market
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    InterestBase,
    LoanTerms,
    PaymentSchedule,
    RateReset,
    RateSpec,
    Scaling,
)
from loanbook.time import BusinessDayConvention, Cycle, DayCount, adjust, get_calendar
from loanbook.time.schedule import add_cycle

_ONCE = Cycle(months=12 * 1000)  # an anchor without a cycle: that date only
ABS_TOL = Decimal("1e-6")
REL_TOL = Decimal("1e-8")
FIELDS = (
    ("payoff", "payoff"),
    ("notionalPrincipal", "notional"),
    ("nominalInterestRate", "rate"),
    ("accruedInterest", "accrued"),
)

_TYPES = {
    StepKind.ADVANCE: "IED",
    StepKind.PRINCIPAL_DUE: "PR",
    StepKind.MATURITY: "MD",
    StepKind.INTEREST_DUE: "IP",
    StepKind.CAPITALIZATION: "IPCI",
    StepKind.RATE_RESET: "RR",
    StepKind.RATE_SET: "RRF",
    StepKind.PAYMENT_RECALC: "PRF",
    StepKind.PURCHASE: "PRD",
    StepKind.TERMINATION: "TD",
    StepKind.SCALING: "SC",
    StepKind.INTEREST_BASE: "IPCB",
}
# The order of events at the same instant, as the ACTUS reference implementation defines it
# (actusfrf/actus-core, org.actus.events.EventSequence.timeOffset: IED 20, PR 30, IP and IPCI
# 40, FP 60, RRF and RR 100, PRF 105, SC 110, IPCB 120, PRD 130, TD 140, MD 150). The ACTUS
# dictionary's `sequence` attribute (tests/actus/data/actus-dictionary-event.json) lists
# another order (FP and PRF before IP, PRD and TD before SC); the reference results follow
# actus-core (e.g. PR, IP, RR, PRF on one day in ann and nam cases), and so do we.
# tests/actus/test_event_sequence.py checks the engine's step order against this table.
EVENT_SEQUENCE = {
    "IED": 20,
    "PR": 30,
    "IP": 40,
    "IPCI": 40,
    "FP": 60,
    "RRF": 100,
    "RR": 100,
    "PRF": 105,
    "SC": 110,
    "IPCB": 120,
    "PRD": 130,
    "TD": 140,
    "MD": 150,
}
_BDC = {
    "F": BusinessDayConvention.FOLLOWING,
    "MF": BusinessDayConvention.MODIFIED_FOLLOWING,
    "P": BusinessDayConvention.PRECEDING,
    "MP": BusinessDayConvention.MODIFIED_PRECEDING,
}
_AMORTIZATION = {
    "PAM": AmortizationKind.BULLET,
    "LAM": AmortizationKind.LEVEL_PRINCIPAL,
    "ANN": AmortizationKind.LEVEL_PAYMENT,
    "NAM": AmortizationKind.NEGATIVE,
}
_SUPPORTED = frozenset(
    {
        "accruedInterest",
        "amortizationDate",
        "businessDayConvention",
        "calendar",
        "capitalizationEndDate",
        "contractDealDate",
        "contractID",
        "contractRole",
        "contractType",
        "currency",
        "cycleAnchorDateOfInterestCalculationBase",
        "cycleAnchorDateOfInterestPayment",
        "cycleAnchorDateOfPrincipalRedemption",
        "cycleAnchorDateOfRateReset",
        "cycleAnchorDateOfScalingIndex",
        "cycleOfInterestCalculationBase",
        "cycleOfInterestPayment",
        "cycleOfPrincipalRedemption",
        "cycleOfRateReset",
        "cycleOfScalingIndex",
        "dayCountConvention",
        "endOfMonthConvention",
        "fixingDays",
        "fixingPeriod",
        "initialExchangeDate",
        "interestCalculationBase",
        "interestCalculationBaseAmount",
        "interestScalingMultiplier",
        "lifeCap",
        "lifeFloor",
        "marketObjectCodeOfRateReset",
        "marketObjectCodeOfScalingIndex",
        "maturityDate",
        "nextPrincipalRedemptionPayment",
        "nextResetRate",
        "nominalInterestRate",
        "notionalPrincipal",
        "notionalScalingMultiplier",
        "periodCap",
        "periodFloor",
        "premiumDiscountAtIED",
        "priceAtPurchaseDate",
        "priceAtTerminationDate",
        "purchaseDate",
        "rateMultiplier",
        "rateSpread",
        "scalingEffect",
        "scalingIndexAtContractDealDate",
        "statusDate",
        "terminationDate",
    }
)


class Unsupported(ValueError):
    """A case uses a term or value the mapping cannot represent (the case fails)."""


@dataclass(frozen=True)
class ActusEvent:
    """One ACTUS event: the payoff and the state after it, from the holder's point of view."""

    date: date
    type: str
    payoff: Decimal
    notional: Decimal
    rate: Decimal
    accrued: Decimal

    def value(self, name: str) -> Decimal:
        return {
            "payoff": self.payoff,
            "notional": self.notional,
            "rate": self.rate,
            "accrued": self.accrued,
        }[name]


@dataclass(frozen=True)
class CaseResult:
    id: str
    passed: bool
    mismatches: tuple[str, ...] = ()
    events: tuple[ActusEvent, ...] = field(default=(), compare=False, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "passed": self.passed, "mismatches": list(self.mismatches)}


@dataclass(frozen=True)
class Mapped:
    """A case mapped onto Loanbook: what ``run_loan`` needs and how to read its result."""

    terms: LoanTerms
    market: Market
    events: tuple[LoanEvent, ...]
    until: date
    role: int  # +1 lender (RPA), -1 borrower (RPL)
    status_date: date


# -- loading -------------------------------------------------------------------------------
def load_cases(path: Path) -> dict[str, dict[str, Any]]:
    """The cases of one ACTUS test file, numbers read as exact decimals."""
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object mapping case ids to cases")
    return data


def _text(value: Any) -> str:
    return str(value).strip()


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(_text(value))


def _instant(value: Any) -> tuple[date, bool]:
    """An ACTUS timestamp as (date, end of day): 23:59 is the end of its day."""
    moment = datetime.fromisoformat(_text(value))
    if moment.hour == 23 and moment.minute == 59:
        return moment.date(), True
    if (moment.hour, moment.minute, moment.second) != (0, 0, 0):
        raise Unsupported(f"timestamp {value!r}: only midnight and 23:59 are represented")
    return moment.date(), False


class _Terms:
    """Typed access to one case's terms."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def has(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is not None and _text(value) != ""

    def text(self, name: str, default: str = "") -> str:
        return _text(self.raw[name]) if self.has(name) else default

    def dec(self, name: str, default: Decimal | None = None) -> Decimal | None:
        return _decimal(self.raw[name]) if self.has(name) else default

    def req_dec(self, name: str) -> Decimal:
        value = self.dec(name)
        if value is None:
            raise Unsupported(f"{name} is required")
        return value

    def day(self, name: str) -> date | None:
        return _instant(self.raw[name])[0] if self.has(name) else None

    def req_day(self, name: str) -> date:
        value = self.day(name)
        if value is None:
            raise Unsupported(f"{name} is required")
        return value

    def end_of_day(self, name: str) -> bool:
        return self.has(name) and _instant(self.raw[name])[1]

    def cycle(self, name: str) -> Cycle | None:
        return Cycle.parse(self.text(name)) if self.has(name) else None


# -- mapping -------------------------------------------------------------------------------
def _calendar(t: _Terms) -> str:
    code = t.text("calendar", "NC")
    if code not in ("NC", "NOC", "MF", "MTF"):
        raise Unsupported(f"calendar {code!r}")
    return code


def _convention(t: _Terms) -> tuple[BusinessDayConvention, bool]:
    """(business-day convention, amounts to the unadjusted dates)."""
    code = t.text("businessDayConvention", "NOS")
    if code in ("NOS", "S", ""):
        return BusinessDayConvention.UNADJUSTED, False
    prefix, suffix = code[:2], code[2:]
    if prefix not in ("SC", "CS") or suffix not in _BDC:
        raise Unsupported(f"businessDayConvention {code!r}")
    return _BDC[suffix], prefix == "CS"


def _schedule(t: _Terms, anchor: date, cycle: Cycle) -> PaymentSchedule:
    eom = t.text("endOfMonthConvention", "SD")
    if eom not in ("SD", "EOM"):
        raise Unsupported(f"endOfMonthConvention {eom!r}")
    convention, unadjusted = _convention(t)
    return PaymentSchedule(
        anchor,
        cycle,
        eom=eom == "EOM",
        convention=convention,
        calendar=_calendar(t),
        calc_unadjusted=unadjusted,
    )


def _anchored(t: _Terms, anchor: str, cycle: str, start: date) -> tuple[date, Cycle] | None:
    """A cycle's anchor and cycle; the anchor defaults to the start plus one cycle, and an
    anchor without a cycle is a single date (a cycle longer than any loan)."""
    cyc = t.cycle(cycle)
    if cyc is None:
        return (t.req_day(anchor), _ONCE) if t.has(anchor) else None
    first = t.day(anchor) or add_cycle(start, cyc, 1)
    return first, cyc


def _maturity(t: _Terms, kind: str, ied: date) -> tuple[date, bool]:
    """The maturity date and whether it ends at the end of its day."""
    for name in ("maturityDate",) + (("amortizationDate",) if kind == "ANN" else ()):
        if t.has(name):
            return t.req_day(name), t.end_of_day(name)
    if kind == "PAM":
        raise Unsupported("maturityDate is required")
    anchored = _anchored(
        t, "cycleAnchorDateOfPrincipalRedemption", "cycleOfPrincipalRedemption", ied
    )
    step = t.dec("nextPrincipalRedemptionPayment")
    if anchored is None or not step:
        raise Unsupported("no maturityDate and no principal cycle and redemption to derive it")
    anchor, cycle = anchored
    count = math.ceil(t.req_dec("notionalPrincipal") / step) - 1
    eom = t.text("endOfMonthConvention", "SD") == "EOM"
    return add_cycle(anchor, cycle, count, eom), False


def _rate(t: _Terms, ied: date) -> tuple[RateSpec, int]:
    """The rate spec and the fixing lag in days."""
    initial = t.req_dec("nominalInterestRate")
    anchored = _anchored(t, "cycleAnchorDateOfRateReset", "cycleOfRateReset", ied)
    if anchored is None:
        return RateSpec(fixed=initial), 0
    code = t.text("marketObjectCodeOfRateReset")
    if not code:
        raise Unsupported("rate resets without marketObjectCodeOfRateReset")
    lag = t.text("fixingDays") or t.text("fixingPeriod") or "P0D"
    if not (lag.startswith("P") and lag.endswith("D") and lag[1:-1].isdigit()):
        raise Unsupported(f"fixing period {lag!r} (only days are represented)")
    anchor, cycle = anchored
    spec = RateSpec(
        index=code,
        margin=t.dec("rateSpread", Decimal(0)) or Decimal(0),
        multiplier=t.dec("rateMultiplier", Decimal(1)) or Decimal(0),
        floor=t.dec("lifeFloor"),
        cap=t.dec("lifeCap"),
        period_cap=t.dec("periodCap"),
        period_floor=t.dec("periodFloor"),
        reset=RateReset.CYCLE,
        reset_cycle=cycle,
        reset_anchor=anchor,
        fixing_lag_days=int(lag[1:-1]),
        initial=initial,
        next_reset_rate=t.dec("nextResetRate"),
        reset_schedule=_schedule(t, anchor, cycle),
    )
    return spec, spec.fixing_lag_days


def _amortization(t: _Terms, kind: str, ied: date, maturity: date) -> Amortization:
    amort_kind = _AMORTIZATION[kind]
    if amort_kind is AmortizationKind.BULLET:
        return Amortization(AmortizationKind.BULLET)
    anchored = _anchored(
        t, "cycleAnchorDateOfPrincipalRedemption", "cycleOfPrincipalRedemption", ied
    )
    if anchored is None:
        raise Unsupported(f"{kind} without cycleOfPrincipalRedemption")
    payment = t.dec("nextPrincipalRedemptionPayment")
    if amort_kind is AmortizationKind.NEGATIVE and payment is None:
        raise Unsupported("NAM without nextPrincipalRedemptionPayment")
    horizon = t.day("amortizationDate") if kind == "ANN" else None
    return Amortization(
        amort_kind,
        _schedule(t, *anchored),
        payment,
        horizon=horizon if horizon != maturity else None,
        recalculate_on_reset=amort_kind is AmortizationKind.LEVEL_PAYMENT,
    )


def _scaling(t: _Terms, ied: date) -> Scaling | None:
    effect = t.text("scalingEffect", "OOO").upper().replace("0", "O")
    interest, principal = effect[:1] == "I", effect[1:2] == "N"
    if not (interest or principal):
        return None
    anchored = _anchored(t, "cycleAnchorDateOfScalingIndex", "cycleOfScalingIndex", ied)
    code = t.text("marketObjectCodeOfScalingIndex")
    if anchored is None or not code:
        raise Unsupported("scaling without a scaling index cycle and market object code")
    base = t.dec("scalingIndexAtContractDealDate")
    if not base:
        raise Unsupported("scaling without scalingIndexAtContractDealDate")
    return Scaling(
        code,
        base,
        _schedule(t, *anchored),
        interest=interest,
        principal=principal,
        initial_interest=t.dec("interestScalingMultiplier", Decimal(1)) or Decimal(0),
        initial_principal=t.dec("notionalScalingMultiplier", Decimal(1)) or Decimal(0),
    )


def _interest_base(t: _Terms, ied: date) -> tuple[InterestBase, Decimal | None, Any]:
    code = t.text("interestCalculationBase", "NT")
    if code in ("NT", "NTIED"):  # NTIED: the reference computes it like NT (see above)
        return InterestBase.OUTSTANDING, None, None
    if code != "NTL":
        raise Unsupported(f"interestCalculationBase {code!r}")
    anchored = _anchored(
        t, "cycleAnchorDateOfInterestCalculationBase", "cycleOfInterestCalculationBase", ied
    )
    if anchored is None:
        raise Unsupported("NTL without cycleOfInterestCalculationBase")
    amount = t.dec("interestCalculationBaseAmount")
    return InterestBase.LAGGED, amount, _schedule(t, *anchored)


def map_case(case: Mapping[str, Any]) -> Mapped:
    """Map one ACTUS test case onto Loanbook terms, market data and input events."""
    raw = case.get("terms")
    if not isinstance(raw, Mapping):
        raise Unsupported("no terms")
    unknown = sorted(k for k in raw if k not in _SUPPORTED and _text(raw[k]))
    if unknown:
        raise Unsupported(f"terms not represented: {', '.join(unknown)}")
    t = _Terms(raw)
    kind = t.text("contractType")
    if kind not in _AMORTIZATION:
        raise Unsupported(f"contractType {kind!r}")
    role_code = t.text("contractRole", "RPA")
    if role_code not in ("RPA", "RPL"):
        raise Unsupported(f"contractRole {role_code!r}")
    role = 1 if role_code == "RPA" else -1
    ied, status = t.req_day("initialExchangeDate"), t.req_day("statusDate")
    maturity, end_of_day = _maturity(t, kind, ied)
    start = max(ied, status)  # on or before the status date: taken on at the status date
    interest = _anchored(t, "cycleAnchorDateOfInterestPayment", "cycleOfInterestPayment", ied)
    if interest is None:
        raise Unsupported("no interest payment cycle")
    spec, lag = _rate(t, ied)
    base, base_amount, base_schedule = _interest_base(t, ied)
    terms = LoanTerms(
        id=t.text("contractID", "actus"),
        facility="actus",
        borrower="borrower",
        lender="lender",
        principal=t.req_dec("notionalPrincipal"),
        start=start,
        day_count=_day_count(t.text("dayCountConvention", "A365")),
        rate=spec,
        interest_schedule=_schedule(t, *interest),
        amortization=_amortization(t, kind, ied, maturity),
        maturity=maturity,
        currency=t.text("currency", "USD"),
        accrued_at_start=t.dec("accruedInterest", Decimal(0)) or Decimal(0),
        premium_discount=t.dec("premiumDiscountAtIED", Decimal(0)) or Decimal(0),
        capitalize_until=t.day("capitalizationEndDate"),
        interest_base=base,
        interest_base_amount=base_amount,
        interest_base_schedule=base_schedule,
        scaling=_scaling(t, ied),
        maturity_end_of_day=end_of_day,
    )
    events: list[LoanEvent] = []
    convention, _ = _convention(t)
    until = max(maturity, adjust(maturity, convention, get_calendar(_calendar(t))))
    if t.has("purchaseDate"):
        price = t.req_dec("priceAtPurchaseDate")
        events.append(
            LoanEvent(t.req_day("purchaseDate"), terms.id, EventKind.PURCHASE, price, key="PRD")
        )
    if t.has("terminationDate"):
        day, eod = _instant(raw["terminationDate"])
        price = t.req_dec("priceAtTerminationDate")
        detail = (("end_of_day", "1"),) if eod else ()
        events.append(
            LoanEvent(day, terms.id, EventKind.TERMINATION, price, key="TD", detail=detail)
        )
        until = min(until, day)
    if _text(case.get("to") or ""):
        until = min(until, _instant(case["to"])[0])
    market = _market(case.get("dataObserved") or {}, spec.index, lag)
    return Mapped(terms, market, tuple(events), until, role, status)


def _day_count(code: str) -> DayCount:
    if code not in ("A360", "A365", "AA", "30E360", "30360"):
        raise Unsupported(f"dayCountConvention {code!r}")
    return DayCount.parse(code)


def _market(observed: Mapping[str, Any], reset_index: str | None, lag: int) -> Market:
    fixings: list[Fixing] = []
    for code, series in observed.items():
        shift = timedelta(days=lag if code == reset_index else 0)
        for point in series.get("data", ()):
            day = _instant(point["timestamp"])[0] - shift
            fixings.append(Fixing(code, day, _decimal(point["value"]), f"dataObserved {code}"))
    return Market.of(fixings)


# -- reading the run back as ACTUS events --------------------------------------------------
def to_events(mapped: Mapped, result: LoanResult) -> list[ActusEvent]:
    """The run's steps as ACTUS events: payoffs from the cash lines of each step's event,
    states from the step's post-step state, signed by the contract role."""
    cash: dict[str, dict[str, Decimal]] = {}
    for line in result.lines:
        flow = line.amount if line.debit is Account.CASH else Decimal(0)
        flow -= line.amount if line.credit is Account.CASH else Decimal(0)
        if flow:
            parts = cash.setdefault(line.event, {})
            parts[line.component] = parts.get(line.component, Decimal(0)) + flow
    role = Decimal(mapped.role)
    out: list[ActusEvent] = []
    for state in result.states:
        kind = _TYPES.get(state.kind)
        if kind is None:
            continue
        parts = cash.get(state.event, {})
        if state.kind in (StepKind.PURCHASE, StepKind.TERMINATION):
            price = sum((v for k, v in parts.items() if k != "interest"), Decimal(0))
            payoff = role * price + parts.get("interest", Decimal(0))
        else:
            payoff = role * sum(parts.values(), Decimal(0))
        if state.kind is StepKind.PURCHASE:
            out.clear()  # nothing before a purchase is reported
        out.append(
            ActusEvent(
                state.date,
                kind,
                payoff,
                role * state.principal,
                state.rate,
                role * state.accrued,
            )
        )
    return [e for e in out if e.date > mapped.status_date]


def simulate(case: Mapping[str, Any]) -> tuple[Mapped, list[ActusEvent]]:
    mapped = map_case(case)
    result = run_loan(
        TermsHistory.single(mapped.terms),
        mapped.events,
        mapped.market,
        mapped.until,
        assume_paid=True,
        rounding=False,
    )
    return mapped, to_events(mapped, result)


# -- comparison ----------------------------------------------------------------------------
def close(got: Decimal, expected: Decimal) -> bool:
    diff = abs(got - expected)
    return diff <= ABS_TOL or diff <= REL_TOL * abs(expected)


def _expected(results: Iterable[Mapping[str, Any]]) -> list[ActusEvent]:
    out = []
    for r in results:
        out.append(
            ActusEvent(
                _instant(r["eventDate"])[0],
                _text(r["eventType"]),
                _decimal(r["payoff"]),
                _decimal(r["notionalPrincipal"]),
                _decimal(r["nominalInterestRate"]),
                _decimal(r["accruedInterest"]),
            )
        )
    return out


def compare(expected: list[ActusEvent], got: list[ActusEvent], limit: int = 20) -> list[str]:
    """Every difference between the expected and the produced events (up to ``limit``)."""
    problems: list[str] = []
    for i in range(max(len(expected), len(got))):
        exp = expected[i] if i < len(expected) else None
        act = got[i] if i < len(got) else None
        if exp is None or act is None or (exp.date, exp.type) != (act.date, act.type):
            want = f"{exp.date} {exp.type}" if exp else "no event"
            have = f"{act.date} {act.type}" if act else "no event"
            problems.append(f"event {i + 1}: expected {want}, got {have}")
            break  # the sequences are out of step; later differences would only echo this
        for key, name in FIELDS:
            want_v, have_v = exp.value(name), act.value(name)
            if not close(have_v, want_v):
                problems.append(
                    f"event {i + 1} {exp.date} {exp.type}: {key} expected {want_v}, "
                    f"got {have_v:.12g}"
                )
        if len(problems) >= limit:
            break
    return problems[:limit]


def run_case(case_id: str, case: Mapping[str, Any]) -> CaseResult:
    """Run one case; a case the engine cannot represent fails with the reason."""
    try:
        _, got = simulate(case)
        expected = _expected(case.get("results") or ())
    except (Unsupported, LoanbookError, ValueError, KeyError) as exc:
        reason = "; ".join(str(i) for i in exc.issues) if isinstance(exc, LoanbookError) else exc
        return CaseResult(case_id, False, (f"cannot represent: {reason}",))
    except Exception as exc:  # one case crashing fails that case, not the whole file
        return CaseResult(case_id, False, (f"error: {type(exc).__name__}: {exc}",))
    problems = compare(expected, got)
    return CaseResult(case_id, not problems, tuple(problems), tuple(got))


def run_file(path: Path) -> list[CaseResult]:
    """Every case of an ACTUS test file, in the file's order."""
    return [run_case(case_id, case) for case_id, case in load_cases(path).items()]
