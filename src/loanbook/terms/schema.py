"""The term-file format, as pydantic models (the JSON Schema is generated from them).

A book is a folder of term files, one per document. Every term is ``{value, cite}`` (plus
``assumption`` when the value is not in the document we have). Rates are written in percent
with a ``%`` sign ("3%"), amounts as decimals; floats never reach the model.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from loanbook.compliance.schema import ComplianceModel, Fact
from loanbook.time import Cycle, DayCount

T = TypeVar("T")
_PERCENT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


def _amount(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError("write amounts as decimals (a float is not exact)")
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"expected a decimal amount, got {type(value).__name__}")
    try:
        out = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"{value!r} is not a decimal amount") from None
    if not out.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return out


def _rate(value: Any) -> Decimal:
    if isinstance(value, str) and (m := _PERCENT.match(value)):
        return Decimal(m.group(1)) / 100
    raise ValueError(f"write rates in percent with a % sign, e.g. '3%' (got {value!r})")


def _nonneg(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _cycle(value: Any) -> str:
    Cycle.parse(str(value))
    return str(value)


def _daycount(value: Any) -> str:
    return DayCount.parse(str(value)).value


Amount = Annotated[Decimal, BeforeValidator(_amount), PlainSerializer(str, return_type=str)]
PositiveAmount = Annotated[
    Decimal,
    BeforeValidator(lambda v: _nonneg(_amount(v))),
    PlainSerializer(str, return_type=str),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(_rate),
    PlainSerializer(lambda d: f"{(d * 100).normalize():f}%", return_type=str),
]
CycleText = Annotated[str, BeforeValidator(_cycle)]
DayCountText = Annotated[str, BeforeValidator(_daycount)]
Component = Literal["late_charge", "interest", "principal", "fee"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Model, Generic[T]):
    """A term: its value, the clause that sets it, and why it is assumed (if it is)."""

    value: T
    cite: str = Field(min_length=1, description="document id and section, e.g. '003 ¶1'")
    assumption: str | None = Field(None, description="set when the value is assumed, with why")
    note: str | None = Field(None, description="how the clause is read, when it needs saying")


class RateModel(_Model):
    index: str | None = None
    margin: Rate = Decimal(0)
    fixed: Rate | None = None
    multiplier: Amount = Decimal(1)
    floor: Rate | None = None
    cap: Rate | None = None
    reset: Literal["period_start", "daily", "cycle", "fixed"] = "fixed"
    reset_cycle: CycleText | None = None
    reset_anchor: date | None = None
    fixing_lag_days: int = Field(0, ge=0)


class ScheduleModel(_Model):
    anchor: date
    cycle: CycleText
    eom: bool = True
    count: int | None = Field(None, gt=0)
    end: date | None = None
    convention: Literal[
        "unadjusted", "following", "modified following", "preceding", "modified preceding"
    ] = "unadjusted"
    calendar: str = "none"


class ExplicitInstallment(_Model):
    date: dt.date
    amount: PositiveAmount


class AmortizationModel(_Model):
    kind: Literal["level_principal", "level_payment", "bullet", "explicit", "negative"]
    schedule: ScheduleModel | None = None
    installment: PositiveAmount | None = None
    explicit: list[ExplicitInstallment] = []


class LateChargeModel(_Model):
    rate: Rate
    day_count: DayCountText = "actual/360"


class WaterfallModel(_Model):
    before_maturity: list[Component]
    after_maturity: list[Component]


class LoanModel(_Model):
    facility: Cited[str]
    borrower: Cited[str]
    lender: Cited[str]
    principal: Cited[PositiveAmount]
    start: Cited[date]
    maturity: Cited[date] | None = None
    day_count: Cited[DayCountText]
    rate: Cited[RateModel]
    interest_rate_period: Cited[Literal["loan_date_monthly", "month_end"]] | None = None
    interest_schedule: Cited[ScheduleModel]
    amortization: Cited[AmortizationModel]
    late_charge: Cited[LateChargeModel] | None = None
    default_margin: Cited[Rate] | None = None
    usury_max_rate: Cited[Rate] | None = None
    waterfall: Cited[WaterfallModel] | None = None
    prepayment_order: Cited[Literal["inverse", "direct"]] | None = None
    acceleration: Cited[str] | None = None
    currency: str = "USD"


class CommitmentPart(_Model):
    name: str
    description: str
    basis: Literal["fixed", "percent_of_value"]
    amount: PositiveAmount | None = None
    percent: Rate | None = None
    value: PositiveAmount | None = None
    cite: str
    assumption: str | None = None


class CommitmentModel(_Model):
    fixed_cap: PositiveAmount
    formula: list[CommitmentPart] = []
    minimum_loan: PositiveAmount | None = None
    maximum_loans: int | None = Field(None, gt=0)
    termination: date | None = None


class FacilityModel(_Model):
    kind: Literal["term", "revolver"] = "term"
    description: str | None = None
    lender: Cited[str]
    borrower: Cited[str]
    commitment: Cited[CommitmentModel] | None = None


class PartyModel(_Model):
    name: str
    short: str
    role: str
    cite: str


class DocumentModel(_Model):
    id: str = Field(min_length=1)
    title: str
    kind: Literal[
        "note", "agreement", "amendment", "consent", "waiver", "certificate", "statement", "notice"
    ]
    date: dt.date
    effective: dt.date | None = Field(None, description="valid time; defaults to the date")
    recorded: dt.date | None = Field(None, description="record time; defaults to the date")
    source: str | None = Field(None, description="the document's text, relative to the book")
    amends: list[str] = []
    note: str | None = None


class ChangeModel(_Model):
    """An amendment's change to one term (or part of one), from ``effective``."""

    op: Literal["set", "replace", "delete"]
    path: str = Field(
        pattern=r"^(loans|facilities|revolvers|parties|defined_terms|compliance)\.[^.]+(\.[^.]+)*$"
    )
    value: Any = None
    effective: date
    cite: str
    assumption: str | None = None
    note: str | None = None


class EligibilityRuleModel(_Model):
    """A rule that makes collateral ineligible for the borrowing base."""

    rule: Literal["excluded_location", "max_age_days", "ineligible_type"]
    collateral: list[Literal["accounts", "inventory", "equipment"]]
    locations: list[str] = []
    days: int | None = Field(None, gt=0)
    types: list[str] = []
    cite: str
    note: str | None = None


class RevolverModel(_Model):
    """A revolving credit facility with a borrowing base (e.g. the Congress facility)."""

    lender: Cited[str]
    accounts: Cited[dict[str, str]]  # borrower id -> revolving loan account id
    maximum_credit: Cited[PositiveAmount]
    start: Cited[date]
    term_end: Cited[date]
    day_count: Cited[DayCountText]
    prime_index: Cited[str]
    prime_margin: Cited[Rate]
    eurodollar_margin: Cited[Rate] | None = None
    eurodollar_allowed: Cited[bool]
    default_margin: Cited[Rate]
    overadvance_margin: Cited[Rate]
    overadvance_notice_days: Cited[int]
    advance_rates: Cited[dict[str, Rate]]
    sublimits: Cited[dict[str, PositiveAmount]] | None = None
    reserves: Cited[PositiveAmount] | None = None
    locations: Cited[list[str]]
    eligibility: Cited[list[EligibilityRuleModel]]


class CertificateItemModel(_Model):
    id: str
    description: str
    collateral: Literal["accounts", "inventory", "equipment"]
    location: str
    value: Amount
    eligible: bool = True
    borrower: str = ""
    age_days: int | None = None
    type: str = ""


class CertificateModel(_Model):
    """A borrowing-base certificate: the collateral a borrower reports on a date."""

    facility: str
    as_of: date
    items: list[CertificateItemModel]


class TermFileModel(_Model):
    """One document's term file."""

    document: DocumentModel
    parties: dict[str, PartyModel] = {}
    defined_terms: dict[str, Cited[str]] = {}
    facilities: dict[str, FacilityModel] = {}
    loans: dict[str, LoanModel] = {}
    revolvers: dict[str, RevolverModel] = {}
    certificate: CertificateModel | None = None
    changes: list[ChangeModel] = []
    compliance: ComplianceModel | None = None  # covenants, waivers, conditions, collateral
    facts: list[Fact] = []  # what happened, as this document records it (compliance)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a term file (``loanbook schema``)."""
    return TermFileModel.model_json_schema()
