"""Every request and response of the API as a pydantic model.

Amounts are decimal strings (never floats), parsed by ``loanbook.money.parse_amount`` like
every other amount a person types; dates are ISO ``YYYY-MM-DD``. Problems follow RFC 9457.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from loanbook.engine.events import EventKind, parse_event_amount
from loanbook.money import fmt, parse_amount

AMOUNT_PATTERN = r"^-?[0-9]{1,15}(\.[0-9]{1,10})?$"
PERCENT_PATTERN = r"^-?[0-9]{1,4}(\.[0-9]{1,8})?$"
_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _amount(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError('an amount is a decimal string, e.g. "122000.00"')
    if not re.match(AMOUNT_PATTERN, value):
        raise ValueError(f"{value!r} is not a decimal amount such as 122000.00")
    return parse_amount(value)


def _percent(value: object) -> Decimal:
    """A fixing's rate in percent, by the parser the CLI and the events files use for it."""
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError('a rate is a decimal string in percent, e.g. "5.4375"')
    return parse_event_amount(EventKind.FIXING, value)


def _iso_date(value: object) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO.match(value):
        raise ValueError("a date is YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


#: A money amount in a request: a decimal string, parsed exactly.
AmountIn = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(fmt, return_type=str),
    WithJsonSchema({"type": "string", "pattern": AMOUNT_PATTERN, "examples": ["122000.00"]}),
]
#: A fixing's rate in percent in a request (``5.4375``: up to eight places, may be negative).
PercentIn = Annotated[
    Decimal,
    BeforeValidator(_percent),
    PlainSerializer(fmt, return_type=str),
    WithJsonSchema({"type": "string", "pattern": PERCENT_PATTERN, "examples": ["5.4375"]}),
]
#: An ISO date in a request.
DateIn = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["1997-01-31"]}),
]
#: An amount in a response.
Amount = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["122000.00"])]
Text = Annotated[str, Field(max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$")]
Key = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:/@-]+$")]
Subject = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- problems and service --------------------------------------------------------------------
class ProblemField(Model):
    field: str = Field(description="the input field at fault (dotted path)")
    reason: str
    source: str = Field("", description="where: the file and line, or the request")


class Problem(Model):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str = ""
    errors: list[ProblemField] = []


class Health(Model):
    status: Literal["ok"]
    database: str
    revision: str | None


class Me(Model):
    name: str
    role: Literal["lender", "borrower", "auditor", "admin"]
    party: str


# -- reads -------------------------------------------------------------------------------------
class FacilityOut(Model):
    facility: str
    lender: str
    borrowers: list[str]
    loans: list[str]
    revolving: bool


class LoanSummary(Model):
    loan: str
    facility: str
    lender: str
    borrowers: list[str]
    principal_outstanding: Amount | None = None
    principal_due: Amount | None = None
    interest_accrued: Amount | None = None
    interest_due: Amount | None = None
    late_charges: Amount | None = None
    fees: Amount | None = None
    unapplied: Amount | None = None
    total_due: Amount | None = None
    payoff: Amount | None = None
    closed_through: date | None = None
    error: str | None = None


class Loans(Model):
    as_of: date
    known_on: date | None
    loans: list[LoanSummary]


class Installment(Model):
    due_date: date
    principal: Amount
    interest: Amount | None
    balance_after: Amount
    cite: str


class ScheduleOut(Model):
    loan: str
    installments: list[Installment]
    interest_note: str


class LedgerLine(Model):
    date: date
    loan: str
    kind: str
    amount: Amount
    debit: str
    credit: str
    event: str
    term: str
    cite: str
    component: str
    memo: str


class OverdueItem(Model):
    component: str
    due_date: date
    amount: Amount
    cite: str


class RateSegment(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date = Field(alias="from")
    to: date
    rate: Amount
    basis: str
    cite: str


class StatementOut(Model):
    loan: str
    as_of: date
    known_on: date | None
    principal_outstanding: Amount
    principal_not_due: Amount
    principal_due: Amount
    interest_accrued: Amount
    interest_due: Amount
    late_charges: Amount
    fees: Amount
    unapplied: Amount
    total_due: Amount
    overdue: list[OverdueItem]
    rates: list[RateSegment]
    lines: list[LedgerLine]


class PayoffOut(Model):
    loan: str
    as_of: date
    principal: Amount
    interest: Amount
    late_charges: Amount
    fees: Amount
    credits: Amount
    total: Amount


class PostingRef(Model):
    posted_on: date
    seq: int


class Posting(LedgerLine):
    posted_on: date
    seq: int
    reverses: PostingRef | None
    posted_at: str


class LedgerOut(Model):
    loan: str
    as_of: date | None
    known_on: date | None
    total: int = Field(description="postings in all; this page holds offset..offset+limit")
    offset: int
    limit: int
    lines: list[Posting]
    balances: dict[str, Amount]


class TermChange(Model):
    path: str
    op: str
    effective: date
    recorded: date
    document: str
    cite: str
    value: Any = None


class TermsOut(Model):
    loan: str
    as_of: date
    known_on: date | None
    terms: dict[str, Any] = Field(description="each term as {value, cite[, assumption]}")
    amendments: list[TermChange]


class HistoryOut(Model):
    loan: str
    known_on: date | None
    changes: list[TermChange]


class EventOut(Model):
    id: int
    key: str
    date: date
    loan: str
    kind: str
    amount: Amount | None
    reference: str
    detail: dict[str, str]
    recorded_at: str
    recorded_by: str = Field(description="the user (api:NAME) or file that recorded it")


class EventsOut(Model):
    loan: str
    known_on: date | None
    events: list[EventOut]


class CollateralLine(Model):
    collateral: str
    lendable: Amount
    note: str


class BaseItem(Model):
    id: str
    description: str
    collateral: str
    location: str
    value: Amount
    certified_eligible: bool
    eligible: bool
    advance_rate: Amount
    lendable: Amount
    rule: str
    cite: str


class CertificateRef(Model):
    as_of: date
    source: str


class AvailabilityOut(Model):
    facility: str
    as_of: date
    certificate: CertificateRef
    maximum_credit: Amount
    maximum_credit_cite: str
    borrowing_base: Amount
    by_collateral: list[CollateralLine]
    reserves: Amount
    reserves_cite: str
    outstanding: Amount
    outstanding_by_account: dict[str, Amount]
    availability: Amount
    overadvance: Amount
    overadvance_rate: str
    items: list[BaseItem]


class CommitmentPart(Model):
    name: str
    description: str
    amount: Amount
    cite: str
    assumption: str | None


class LoanMade(Model):
    loan: str
    date: date
    principal: Amount
    cite: str


class CommitmentOut(Model):
    facility: str
    as_of: date
    cap: Amount
    fixed_cap: Amount
    formula_total: Amount
    parts: list[CommitmentPart]
    minimum_loan: Amount | None
    maximum_loans: int | None
    termination: date | None
    terminated: bool
    loans_made: list[LoanMade]
    used: Amount
    loans_left: int | None
    room: Amount
    cite: str


# -- writes ------------------------------------------------------------------------------------
class MoneyEventIn(Model):
    date: DateIn
    amount: AmountIn
    reference: Text = ""
    key: Key | None = Field(None, description="the event's own key (default: from its content)")


class PaymentIn(MoneyEventIn):
    """Funds received, applied by the agreement's waterfall."""


class PrepaymentIn(MoneyEventIn):
    """A voluntary prepayment of principal."""


class AdvanceIn(MoneyEventIn):
    type: Literal["prime", "eurodollar"] | None = None
    months: int | None = Field(None, ge=1, le=12, description="Eurodollar Interest Period")


class FeeIn(MoneyEventIn):
    cite: Text = ""


class NoticeIn(Model):
    date: DateIn
    subject: Subject = Field(description="e.g. overadvance")
    reference: Text = ""
    key: Key | None = None


class WaiverIn(NoticeIn):
    """A signed writing waiving a right (e.g. subject overadvance_rate)."""


class ElectionIn(Model):
    date: DateIn
    subject: Literal["default_rate", "default_rate_end", "rollover", "conversion"]
    type: Literal["prime", "eurodollar"] | None = None
    months: int | None = Field(None, ge=1, le=12)
    reference: Text = ""
    key: Key | None = None


class AccelerationIn(Model):
    date: DateIn
    reference: Text = ""
    key: Key | None = None


class CorrectionIn(Model):
    reverses: Key = Field(description="the key of the event this one reverses")
    reference: Text = ""
    key: Key | None = None


class FixingIn(Model):
    index: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]
    date: DateIn
    rate_percent: PercentIn
    reference: Text = ""
    key: Key | None = None


class DocumentIn(Model):
    name: Annotated[str, Field(max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$")] = (
        Field(description="file name, e.g. 005-amendment.yaml")
    )
    text: Annotated[str, Field(max_length=1_000_000)]
    certificate: bool = Field(False, description="a borrowing-base certificate")


class WriteOut(Model):
    status: Literal["recorded", "already_recorded", "pending", "rejected"]
    keys: list[str]
    approval: int | None
    detail: str


class ApprovalOut(Model):
    id: int
    lender: str
    loan: str
    kind: str
    summary: str
    reason: str
    maker: str
    made_at: str
    decision: Literal["approved", "rejected"] | None
    checker: str | None
    decided_at: str | None
    note: str


class ApprovalsOut(Model):
    approvals: list[ApprovalOut]


class DecisionIn(Model):
    note: Text = ""


# -- compliance (the JSON keys of `loanbook compliance`, `defaults`, `calendar`, `collateral`) --
class CovenantTestOut(Model):
    id: str
    covenant: str
    name: str
    facility: str
    test_date: date
    statement: str | None = Field(description="the financial statement tested, if received")
    inputs: dict[str, Amount]
    value: Amount | None
    comparison: str
    threshold: Amount | None
    headroom: Amount | None = Field(description="value less threshold (negative: a breach)")
    headroom_percent: Amount | None
    passed: bool | None = Field(description="null while the statement is awaited or late")
    status: str
    cite: str


class TimelineOut(Model):
    date: date
    status: str
    cite: str


class EventOfDefaultOut(Model):
    id: str
    kind: str
    facility: str
    occurred_on: date
    status: Literal["occurred", "continuing", "waived", "cured", "rescinded"]
    since: date
    cause: str
    source: str
    waived_by: str | None
    cured_on: date | None
    cite: str
    decided_by: str = Field(description="the clause of the rule or waiver that decided the status")
    timeline: list[TimelineOut]


class OptionOut(Model):
    subject: str = Field(description="the loan or facility the lender may act on")
    option: str
    available_from: date
    because: list[str]
    cite: str


class ConditionOut(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    what: str
    status: str
    due: date | None
    satisfied_on: date | None
    by: str
    of_document: str | None
    of_loan: str | None
    from_party: str = Field(alias="from")
    cite: str


class DocumentConditionsOut(Model):
    document: str
    dated: date = Field(description="the document's own effective date")
    effective: bool = Field(description="in effect on as_of: every condition met by then")
    effective_from: date | None = Field(
        description="the later of its date and the day its last condition was met (its terms "
        "take effect then, a term it backdates keeps its date); null while not in effect"
    )
    conditions_met_on: date | None
    open: list[str]
    cite: str


class ElectionOut(Model):
    subject: str
    option: str
    date: date
    key: str
    cite: str | None


class CalendarItemOut(Model):
    date: date
    kind: str
    description: str
    status: str
    cite: str
    subject: str


class ComplianceBody(Model):
    as_of: date
    known_on: date | None
    covenants: list[CovenantTestOut]
    events_of_default: list[EventOfDefaultOut]
    options: list[OptionOut]
    conditions: list[ConditionOut]
    documents: list[DocumentConditionsOut]
    elections: list[ElectionOut]
    next_obligations: list[CalendarItemOut]


class ComplianceOut(Model):
    facility: str
    compliance: ComplianceBody


class DefaultsOut(Model):
    facility: str
    as_of: date
    known_on: date | None
    events_of_default: list[EventOfDefaultOut]
    options: list[OptionOut]


class CalendarBody(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    as_of: date
    items: list[CalendarItemOut]


class CalendarOut(Model):
    facility: str
    known_on: date | None
    calendar: CalendarBody


class CollateralItemOut(Model):
    id: str
    kind: str
    description: str
    serial: str | None
    owner: str | None
    location: str | None
    address: str
    since: date | None
    cost: Amount | None
    appraisal: Amount | None
    liens: list[str]
    cite: str


class LienOut(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str
    secured_party: str
    grantor: str
    collateral: list[str]
    secures: str
    priority: int | None
    start: date = Field(alias="from")
    amount: Amount | None
    cite: str


class ConsentOut(Model):
    id: str
    by: str
    to: str
    effective: date
    subject_to: str | None
    cite: str


class GuarantorOut(Model):
    id: str
    party: str
    guarantees: str
    consents: list[str]
    cite: str


class LocationCovenantOut(Model):
    id: str
    facility: str
    items: list[str]
    off: list[str]
    onto: list[str]
    cite: str


class LocationBreachOut(Model):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    item: str
    serial: str | None
    moved_from: str | None = Field(alias="from")
    moved_to: str | None = Field(alias="to")
    date: date
    covenant: str
    reason: str
    cite: str


class CollateralBody(Model):
    as_of: date
    items: list[CollateralItemOut]
    liens: list[LienOut]
    consents: list[ConsentOut]
    guarantors: list[GuarantorOut]
    location_covenants: list[LocationCovenantOut]
    breaches: list[LocationBreachOut]


class CollateralOut(Model):
    facility: str
    known_on: date | None
    collateral: CollateralBody
