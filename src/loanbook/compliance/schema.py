"""The compliance part of the term-file format (pydantic; the JSON Schema includes it).

``compliance:`` holds terms, one map per kind keyed by id, so that an amendment can set,
replace or delete one item by its path (``compliance.covenants.working-capital``).
``facts:`` holds what happened, as a recorded document states it. Amounts are decimals,
never floats; every term names its clause (``cite``) and says why when it is assumed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from loanbook.compliance.formula import check_formula
from loanbook.money import parse_amount


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"expected a decimal amount, got {type(value).__name__}")
    return parse_amount(value)


def _formula(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a formula is text, e.g. 'current_assets - current_liabilities'")
    check_formula(value)
    return value


Amount = Annotated[Decimal, BeforeValidator(_amount), PlainSerializer(str, return_type=str)]
FormulaText = Annotated[str, BeforeValidator(_formula)]
Comparison = Literal[">=", ">", "<=", "<"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Cited(_Model):
    cite: str = Field(min_length=1, description="document id and section, e.g. '004 §4'")
    assumption: str | None = Field(None, description="set when assumed, with why")
    note: str | None = None


class ThresholdStep(_Model):
    """The threshold in force from ``from`` (a covenant's threshold may step over time)."""

    from_: dt.date = Field(alias="from")
    value: Amount

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TestDates(_Model):
    """When a covenant is tested: on a cycle (month ends, quarter ends, fiscal year ends)
    from ``first``, and/or on given dates."""

    cycle: Literal["monthly", "quarterly", "annual"] | None = None
    first: dt.date | None = None
    dates: list[dt.date] = []


class CovenantModel(_Cited):
    """A financial covenant: ``formula`` over statement items, compared with a threshold."""

    name: str
    facility: str = Field(description="the facility whose Event of Default a breach is")
    borrower: str
    formula: FormulaText
    unit: Literal["amount", "ratio"] = "amount"
    comparison: Comparison
    threshold: list[ThresholdStep] = Field(min_length=1)
    tests: TestDates
    start: dt.date = Field(description="first day of the effective window")
    end: dt.date | None = None
    statement_due_days: int = Field(30, ge=0, description="statement due this long after")
    definitions: dict[str, str] = {}


class DefaultRuleModel(_Cited):
    """What is an Event of Default under a facility (the base rule the waivers except)."""

    kind: Literal[
        "payment",
        "covenant_breach",
        "cross_default",
        "collateral_covenant",
        "condition_missed",
        "false_representation",
    ]
    facility: str
    loans: list[str] = []  # payment: the loans whose overdue items count
    grace_days: int = Field(0, ge=0)  # payment: days after the due date before it is one
    instruments: list[str] = []  # cross_default: the indebtedness named


class WaiverScopeModel(_Model):
    """What a waiver covers: one Event of Default (a covenant test on a date) or a class
    (``solely`` from failing to pay the named instruments)."""

    kind: Literal[
        "payment",
        "covenant_breach",
        "cross_default",
        "collateral_covenant",
        "condition_missed",
        "false_representation",
    ]
    covenant: str | None = None
    test_date: dt.date | None = None
    instruments: list[str] = []
    solely: bool = False


class RescissionModel(_Model):
    """A fact that rescinds the waiver from the day it happens, without notice."""

    action: list[Literal["seeks_acceleration", "exercises_remedies"]]
    instruments: list[str]
    cite: str


class WaiverModel(_Cited):
    """A waiver: an exception to the default rule it names, with precedence over it."""

    facility: str
    scope: WaiverScopeModel
    from_: dt.date = Field(alias="from")
    until: dt.date | None = None
    rescission: RescissionModel | None = None
    conditions: list[str] = []

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConditionModel(_Cited):
    """A condition precedent or a deadline: what, from whom, by when."""

    what: str
    of_document: str | None = Field(None, description="the document it conditions")
    of_loan: str | None = Field(None, description="advances on this loan wait for it")
    from_party: str = ""
    due: dt.date | None = None
    deemed_satisfied: str | None = Field(None, description="the writing that satisfies it")
    deemed_on: dt.date | None = None
    default_on_miss: bool = False
    facility: str | None = None


class RepresentationModel(_Cited):
    """A representation made again on each advance of a loan ("no Event of Default")."""

    loan: str
    states: Literal["no_event_of_default"] = "no_event_of_default"
    facility: str


class LocationModel(_Model):
    address: str
    cite: str


class CollateralItemModel(_Cited):
    kind: Literal["equipment", "real_property", "accounts", "inventory", "leasehold"]
    description: str
    owner: str
    serial: str | None = None
    location: str
    since: dt.date
    cost: Amount | None = None
    appraisal: Amount | None = None


class LienModel(_Cited):
    secured_party: str
    grantor: str
    collateral: list[str]  # item ids
    secures: str
    priority: int = Field(1, ge=1)
    from_: dt.date = Field(alias="from")
    amount: Amount | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConsentModel(_Cited):
    by: str
    to: str  # what is consented to: a lien id or a transaction
    effective: dt.date
    subject_to: str | None = None


class GuarantorModel(_Cited):
    party: str
    guarantees: str
    consents: list[str] = []  # documents whose consent page it signed


class LocationCovenantModel(_Cited):
    """Items may not be moved off (or onto) listed locations without a prior written notice
    naming each item's serial number (002 §3(a))."""

    facility: str
    items: list[str] = []  # the items it covers (empty: every tangible item)
    off: list[str] = []  # moving an item off one of these needs a notice
    onto: list[str] = []  # moving an item onto one of these needs a notice


class IndebtednessModel(_Cited):
    name: str
    obligor: str
    due: dt.date | None = None


class RemedyModel(_Cited):
    """A lender's option: what it may do to which loan or facility, and on what."""

    option: Literal["default_rate", "acceleration", "no_advances", "obligations_due"]
    facility: str
    subjects: list[str]
    on: list[Literal["event_of_default", "termination"]]
    margin: str | None = None


class MilestoneModel(_Cited):
    """A dated duty or date of the agreements not covered elsewhere (e.g. a commitment end)."""

    date: dt.date
    description: str
    kind: str = "milestone"


class ComplianceModel(_Model):
    covenants: dict[str, CovenantModel] = {}
    events_of_default: dict[str, DefaultRuleModel] = {}
    waivers: dict[str, WaiverModel] = {}
    conditions: dict[str, ConditionModel] = {}
    representations: dict[str, RepresentationModel] = {}
    locations: dict[str, LocationModel] = {}
    collateral: dict[str, CollateralItemModel] = {}
    liens: dict[str, LienModel] = {}
    consents: dict[str, ConsentModel] = {}
    guarantors: dict[str, GuarantorModel] = {}
    location_covenants: dict[str, LocationCovenantModel] = {}
    indebtedness: dict[str, IndebtednessModel] = {}
    remedies: dict[str, RemedyModel] = {}
    milestones: dict[str, MilestoneModel] = {}


COMPLIANCE_SECTIONS = tuple(ComplianceModel.model_fields)


class StatementFact(_Model):
    """A financial statement (or compliance certificate) as delivered to the lender."""

    kind: Literal["statement"]
    id: str
    borrower: str
    period_end: dt.date
    received: dt.date
    items: dict[str, Amount]
    source: str
    label: str | None = Field(None, description="e.g. 'invented' for illustrative figures")


class SatisfactionFact(_Model):
    kind: Literal["satisfaction"]
    condition: str
    date: dt.date
    note: str = ""


class MoveFact(_Model):
    kind: Literal["move"]
    item: str
    to: str
    date: dt.date
    note: str = ""


class NoticeFact(_Model):
    """A written notice to the lender (002 §3(a): it must list the items' serial numbers)."""

    kind: Literal["notice"]
    id: str
    date: dt.date
    to: str
    subject: Literal["collateral_move", "other"]
    serials: list[str] = []
    note: str = ""


class CreditorActionFact(_Model):
    """What a holder of other indebtedness did (a waiver's rescission trigger)."""

    kind: Literal["creditor_action"]
    instrument: str
    action: Literal["seeks_acceleration", "exercises_remedies"]
    date: dt.date
    note: str = ""


class NonPaymentFact(_Model):
    """A payment due on other indebtedness not made (a cross-default)."""

    kind: Literal["non_payment"]
    instrument: str
    date: dt.date
    note: str = ""


Fact = Annotated[
    StatementFact | SatisfactionFact | MoveFact | NoticeFact | CreditorActionFact | NonPaymentFact,
    Field(discriminator="kind"),
]
