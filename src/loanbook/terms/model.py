"""The terms of a loan as immutable values, each field traceable to its clause.

These are the *resolved* terms: what is in force for one loan on one date, as known on one
date (see ``terms.versioning``). Term files (``terms.files``) are parsed into documents of
term assertions; resolving them yields these records. ``cites`` maps each field name to the
citation of the clause that set it, so every amount the engine computes can name its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from loanbook.time import BusinessDayConvention, Cycle, DayCount


@dataclass(frozen=True)
class Citation:
    """Where a term comes from: a document id and a section, e.g. ``003 ¶1``, ``000 §2(c)``."""

    document: str
    section: str = ""
    assumption: str = ""  # non-empty when the value is assumed, with the reason

    def __str__(self) -> str:
        text = f"{self.document} {self.section}".strip()
        return f"{text} [assumed]" if self.assumption else text

    @classmethod
    def parse(cls, text: str, assumption: str = "") -> Citation:
        doc, _, section = text.strip().partition(" ")
        return cls(doc, section.strip(), assumption)


class RateReset(StrEnum):
    PERIOD_START = "period_start"  # fixing in force at the start of each Interest Rate Period
    DAILY = "daily"  # rate moves the day the index moves (Prime)
    CYCLE = "cycle"  # reset on an explicit cycle (ACTUS RR)
    FIXED = "fixed"  # no index


class PeriodRule(StrEnum):
    LOAN_DATE_MONTHLY = "loan_date_monthly"  # one-month periods from the loan date
    MONTH_END = "month_end"  # 000 §2(b): first to the day before month-end, then month-end


class AmortizationKind(StrEnum):
    LEVEL_PRINCIPAL = "level_principal"
    LEVEL_PAYMENT = "level_payment"  # annuity
    BULLET = "bullet"
    EXPLICIT = "explicit"
    NEGATIVE = "negative"  # fixed payment, interest first; may capitalise (ACTUS NAM)


class InterestBase(StrEnum):
    """The amount interest accrues on (ACTUS interestCalculationBase)."""

    OUTSTANDING = "outstanding"  # the principal outstanding (ACTUS NT)
    AT_ADVANCE = "at_advance"  # the principal advanced, never adjusted (ACTUS NTIED)
    LAGGED = "lagged"  # a base amount reset to the outstanding on its own cycle (ACTUS NTL)


class PrepaymentOrder(StrEnum):
    INVERSE = "inverse"  # inverse order of maturity: the last installments first
    DIRECT = "direct"  # the next installments first


class ExcessPayment(StrEnum):
    """What a payment beyond the amounts due does (a term of the note)."""

    HOLD = "hold"  # held as unapplied funds owed to the borrower, applied when amounts fall due
    INVERSE = "inverse"  # applied to principal in inverse order of maturity
    DIRECT = "direct"  # applied to principal in direct order (the next installments first)


@dataclass(frozen=True)
class PaymentSchedule:
    """Dates on a cycle from an anchor, adjusted by a business-day convention."""

    anchor: date
    cycle: Cycle
    eom: bool = True
    count: int | None = None
    end: date | None = None
    convention: BusinessDayConvention = BusinessDayConvention.UNADJUSTED
    calendar: str = "none"
    # Amounts are calculated to the unadjusted dates and only paid on the adjusted ones
    # (ACTUS "calculate-shift" CS* conventions); by default they are calculated to the adjusted
    # dates (ACTUS "shift-calculate" SC*).
    calc_unadjusted: bool = False


@dataclass(frozen=True)
class RateSpec:
    """Interest rate: ``fixed`` or ``multiplier x index + margin`` within floor and cap."""

    index: str | None = None
    margin: Decimal = Decimal(0)
    fixed: Decimal | None = None
    multiplier: Decimal = Decimal(1)
    floor: Decimal | None = None
    cap: Decimal | None = None
    reset: RateReset = RateReset.FIXED
    reset_cycle: Cycle | None = None
    reset_anchor: date | None = None
    fixing_lag_days: int = 0
    initial: Decimal | None = None  # rate until the first reset (ACTUS nominalInterestRate)
    next_reset_rate: Decimal | None = None  # ACTUS RRNXT: first reset uses this, no fixing
    # The reset dates of a ``CYCLE`` reset with their end-of-month rule and business days;
    # when None they are ``reset_cycle`` from ``reset_anchor`` (end-of-month when it is one).
    reset_schedule: PaymentSchedule | None = None
    period_cap: Decimal | None = None  # the most the rate may rise at one reset (ACTUS RRPC)
    period_floor: Decimal | None = None  # the most it may fall at one reset (ACTUS RRPF)


@dataclass(frozen=True)
class Amortization:
    kind: AmortizationKind
    schedule: PaymentSchedule | None = None  # principal due dates (None for a bullet)
    installment: Decimal | None = None  # level principal amount / level payment amount
    explicit: tuple[tuple[date, Decimal], ...] = ()
    # Level payment: the date by which the payments would repay the loan (ACTUS amortization
    # date); a balance left at an earlier maturity is due then. None: the maturity.
    horizon: date | None = None
    # Level payment: compute the payment again after every rate reset (ACTUS ANN's PRF).
    recalculate_on_reset: bool = False


@dataclass(frozen=True)
class Scaling:
    """Payments indexed to a scaling index (e.g. CPI): each multiplier is the index value on
    the schedule's dates over ``base`` (ACTUS SC events, scalingEffect I/N)."""

    index: str
    base: Decimal  # the index value the multipliers are relative to
    schedule: PaymentSchedule
    interest: bool = True  # interest payments are scaled
    principal: bool = False  # principal payments are scaled
    initial_interest: Decimal = Decimal(1)  # the multipliers before the first scaling date
    initial_principal: Decimal = Decimal(1)


@dataclass(frozen=True)
class LateCharge:
    """Late charges on amounts unpaid from their due date until paid."""

    rate: Decimal  # per annum
    day_count: DayCount = DayCount.ACT_360


@dataclass(frozen=True)
class Waterfall:
    """Order in which a payment is applied, before and after the maturity of an installment."""

    before_maturity: tuple[str, ...] = ("interest", "principal")
    after_maturity: tuple[str, ...] = ("late_charge", "interest", "principal")


@dataclass(frozen=True)
class LoanTerms:
    """Everything the engine needs to run one loan."""

    id: str
    facility: str
    borrower: str
    lender: str
    principal: Decimal
    start: date
    day_count: DayCount
    rate: RateSpec
    interest_schedule: PaymentSchedule
    amortization: Amortization
    maturity: date | None = None
    interest_rate_period: PeriodRule | None = None
    late_charge: LateCharge | None = None
    default_margin: Decimal | None = None
    usury_max_rate: Decimal | None = None
    waterfall: Waterfall = field(default_factory=Waterfall)
    prepayment_order: PrepaymentOrder = PrepaymentOrder.INVERSE
    excess_payment: ExcessPayment = ExcessPayment.HOLD
    currency: str = "USD"
    accrued_at_start: Decimal = Decimal(0)  # interest accrued before ``start`` (a taken-on loan)
    premium_discount: Decimal = Decimal(0)  # paid with the advance: premium (+), discount (-)
    capitalize_until: date | None = None  # interest is added to principal up to this date
    interest_base: InterestBase = InterestBase.OUTSTANDING
    interest_base_amount: Decimal | None = None  # the starting base of a lagged base
    interest_base_schedule: PaymentSchedule | None = None  # when a lagged base is reset
    scaling: Scaling | None = None
    # The loan matures at the end of its maturity date, so that day accrues interest too.
    maturity_end_of_day: bool = False
    cites: Mapping[str, Citation] = field(default_factory=lambda: MappingProxyType({}))

    def cite(self, name: str) -> str:
        """The citation of term ``name`` (a field of this record), or the loan's own."""
        found = self.cites.get(name) or self.cites.get("loan")
        return str(found) if found else ""

    def term(self, name: str) -> str:
        """The term path a ledger line names: ``loans.<id>.<name>``."""
        return f"loans.{self.id}.{name}"


_R = TypeVar("_R")


_CHECKS: dict[type[Any], bool] = {}


def _checks(cls: type[Any]) -> bool:
    """Whether ``cls`` checks its fields (has a ``__post_init__``), looked up once a class."""
    found = _CHECKS.get(cls)
    if found is None:
        found = _CHECKS[cls] = hasattr(cls, "__post_init__")
    return found


def record(template: _R, **fields: Any) -> _R:
    """``dataclasses.replace(template, **fields)`` without running the record's ``__init__``
    again (which sets each of ``LoanTerms``' 28 fields through ``object.__setattr__``): for
    values already checked, such as a portfolio row its schema typed, where thousands of
    records a second are built. Only for records that check nothing (no ``__post_init__``);
    the result is as frozen as the template."""
    cls: type[Any] = type(template)
    if _checks(cls):
        raise TypeError(f"{cls.__name__} checks its fields: build it with its constructor")
    if not fields.keys() <= template.__dict__.keys():
        raise TypeError(f"{cls.__name__} has no field {sorted(fields - template.__dict__.keys())}")
    out: _R = object.__new__(cls)
    out.__dict__.update(template.__dict__, **fields)
    return out
