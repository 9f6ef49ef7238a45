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
from loanbook.parse import parse_date


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"expected a decimal amount, got {type(value).__name__}")
    return parse_amount(value)


def _formula(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a formula is text, e.g. 'current_assets - current_liabilities'")
    check_formula(value)
    return value


def _signed(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"expected a decimal amount, got {type(value).__name__}")
    return parse_amount(value, negative=True)


def _threshold(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError(f"expected a decimal amount or ratio, got {type(value).__name__}")
    return parse_amount(value, negative=True, places=4)


Amount = Annotated[Decimal, BeforeValidator(_amount), PlainSerializer(str, return_type=str)]
#: A financial statement's figure: a net loss or a negative working capital is below zero.
SignedAmount = Annotated[Decimal, BeforeValidator(_signed), PlainSerializer(str, return_type=str)]
#: A covenant threshold: an amount, or a ratio such as 1.125 (to 1); a maximum loss is negative.
Threshold = Annotated[Decimal, BeforeValidator(_threshold), PlainSerializer(str, return_type=str)]
#: A date in a compliance term or fact, by the one strict parser (YYYY-MM-DD, in range).
Day = Annotated[dt.date, BeforeValidator(parse_date)]
FormulaText = Annotated[str, BeforeValidator(_formula)]
Comparison = Literal[">=", ">", "<=", "<"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_AMOUNT = "a decimal, zero or more, at most two places (e.g. 5500000.00); never a float"
_SIGNED = "a decimal, at most two places, negative for a loss (e.g. -250000.00); never a float"
_THRESHOLD = "a decimal, at most four places, negative allowed (e.g. 1.125); never a float"
_KINDS = (
    "`payment` (a loan's installment unpaid after the grace days), `covenant_breach` (a "
    "failed covenant test), `cross_default` (a non-payment on other indebtedness), "
    "`collateral_covenant` (collateral moved without the notice required), "
    "`condition_missed` (a condition with `default_on_miss` not met by its due date), "
    "`false_representation` (an advance made while an Event of Default stood)"
)


class _Cited(_Model):
    """A compliance term: the clause that states it, and why it is assumed (if it is)."""

    cite: str = Field(
        min_length=1,
        description="the clause that states the term: a document id of the book, a space and "
        "the section",
        examples=["004 §5(a)", "002 §3(a)"],
    )
    assumption: str | None = Field(
        None,
        description="set when the term is not in a document we have: what is assumed and why "
        "(it is then flagged as assumed wherever it is cited)",
    )
    note: str | None = Field(None, description="how the clause is read, when it needs saying")


class ThresholdStep(_Model):
    """The threshold in force from ``from`` (a covenant's threshold may step over time)."""

    from_: Day = Field(
        alias="from",
        description="the first day this threshold applies; a test date before every "
        "step uses the earliest step",
        examples=["2002-01-01"],
    )
    value: Threshold = Field(
        description="the threshold the covenant's value is compared with: currency units "
        "for `unit: amount`, a plain ratio (1.25 = 1.25 to 1) for `unit: ratio`; " + _THRESHOLD,
        examples=["5500000.00", "1.25"],
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TestDates(_Model):
    """When a covenant is tested: on a cycle (month ends, quarter ends, fiscal year ends)
    from ``first``, and/or on given dates."""

    cycle: Literal["monthly", "quarterly", "annual"] | None = Field(
        None,
        description="test every month, quarter or year from `first`, each on the same day of "
        "the month as `first` (a month end stays a month end); needs `first`",
        examples=["monthly"],
    )
    first: Day | None = Field(
        None,
        description="the first test date of the cycle, usually a period end",
        examples=["2002-01-31"],
    )
    dates: list[Day] = Field(
        [],
        description="test dates outside (or instead of) the cycle; only those within the "
        "covenant's `start`..`end` window are tested",
        examples=[["1996-12-31"]],
    )


class CovenantModel(_Cited):
    """A financial covenant: ``formula`` over statement items, compared with a threshold."""

    name: str = Field(
        description="the covenant's name as the agreement defines it",
        examples=["Working Capital"],
    )
    facility: str = Field(
        description="the facility whose Event of Default a breach is (the `covenant_breach` "
        "rule of this facility makes a failed test one)",
        examples=["congress-revolver"],
    )
    borrower: str = Field(
        description="the party id whose financial statements are tested (a statement fact "
        "with this `borrower` and a `period_end` on the test date)",
        examples=["lpc"],
    )
    formula: FormulaText = Field(
        description="arithmetic over the statement's item names: numbers, names, + - * / and "
        "parentheses, computed exactly; every name must be an item of the statement tested",
        examples=["current_assets - current_liabilities"],
    )
    unit: Literal["amount", "ratio"] = Field(
        "amount",
        description="what the formula gives: `amount` (money, shown to the cent) or `ratio` "
        "(shown to four places); the threshold is in the same unit",
    )
    comparison: Comparison = Field(
        description="how the value must compare with the threshold to pass (>= and > for a "
        "minimum, <= and < for a maximum)",
        examples=[">="],
    )
    threshold: list[ThresholdStep] = Field(
        min_length=1,
        description="the threshold, in steps: on a test date the last step starting on or "
        "before it applies",
        examples=[[{"from": "2002-01-01", "value": "5500000.00"}]],
    )
    tests: TestDates = Field(
        description="when the covenant is tested",
        examples=[{"cycle": "monthly", "first": "2002-01-31"}],
    )
    start: Day = Field(
        description="first day of the effective window: earlier test dates are not tested",
        examples=["2002-01-01"],
    )
    end: Day | None = Field(
        None,
        description="last day of the effective window; unset: tested with no end",
        examples=["2002-02-01"],
    )
    statement_due_days: int = Field(
        30,
        ge=0,
        description="days after the test date by which the statement for it is due; with "
        "none received by then the test is reported `statement late`",
        examples=[90],
    )
    definitions: dict[str, str] = Field(
        {},
        description="the agreement's meaning of each formula item, by item name (shown "
        "with the test; not used in the arithmetic)",
        examples=[{"ebitda": "earnings before interest, taxes, depreciation and amortization"}],
    )


class DefaultRuleModel(_Cited):
    """What is an Event of Default under a facility (the base rule the waivers except)."""

    kind: Literal[
        "payment",
        "covenant_breach",
        "cross_default",
        "collateral_covenant",
        "condition_missed",
        "false_representation",
    ] = Field(description="the kind of event this rule makes an Event of Default: " + _KINDS)
    facility: str = Field(
        description="the facility under which it is an Event of Default (and whose remedies "
        "it opens)",
        examples=["congress-revolver"],
    )
    loans: list[str] = Field(
        [],
        description="with `kind: payment`, the loan ids whose unpaid scheduled items count "
        "(a loan not listed never makes a payment default under this rule)",
        examples=[["lpc-second-restated-note"]],
    )
    grace_days: int = Field(
        0,
        ge=0,
        description="with `kind: payment`, days after the due date before an unpaid item is "
        "an Event of Default (it occurs the day after the grace ends; paid in full before "
        "then, none occurs)",
        examples=[10],
    )
    instruments: list[str] = Field(
        [],
        description="with `kind: cross_default`, the ids of the other indebtedness (under "
        "`indebtedness`) whose non-payment is an Event of Default",
        examples=[["junior-subordinated-14", "senior-10-5"]],
    )


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
    ] = Field(description="the kind of Event of Default waived: " + _KINDS)
    covenant: str | None = Field(
        None,
        description="only a breach of this covenant id (unset: a breach of any)",
        examples=["working-capital"],
    )
    test_date: Day | None = Field(
        None,
        description="only the test on this date (unset: any test date); a waiver "
        "covers only what it names (004 §5(b))",
        examples=["2002-08-31"],
    )
    instruments: list[str] = Field(
        [],
        description="only events on these instruments (indebtedness ids) or loans (empty: any)",
        examples=[["junior-subordinated-14"]],
    )
    solely: bool = Field(
        False,
        description="the waiver is of the Events of Default arising solely from the failure "
        "to pay the named instruments (004 Exhibit A), as written; the scope is the same "
        "with or without it",
    )


class RescissionModel(_Model):
    """A fact that rescinds the waiver from the day it happens, without notice."""

    action: list[Literal["seeks_acceleration", "exercises_remedies"]] = Field(
        description="what a holder of a named instrument must do (a `creditor_action` fact, "
        "dated within the waiver's `from`..`until`) to rescind the waiver",
        examples=[["seeks_acceleration", "exercises_remedies"]],
    )
    instruments: list[str] = Field(
        description="the indebtedness ids whose holders' actions rescind it",
        examples=[["junior-subordinated-14", "senior-subordinated-12-75"]],
    )
    cite: str = Field(
        description="the clause that provides for the rescission: a document id and the section",
        examples=["004 Exhibit A §2"],
    )


class WaiverModel(_Cited):
    """A waiver: an exception to the default rule it names, with precedence over it."""

    facility: str = Field(
        description="the facility whose Event of Default is waived (a waiver covers events "
        "of this facility only)",
        examples=["congress-revolver"],
    )
    scope: WaiverScopeModel = Field(
        description="which Events of Default it covers",
        examples=[{"kind": "covenant_breach", "covenant": "working-capital"}],
    )
    from_: Day = Field(
        alias="from",
        description="the day the waiver takes effect (later if its `conditions` are met later)",
        examples=["2002-10-31"],
    )
    until: Day | None = Field(
        None,
        description="its last day in force; the events it covered stand again the "
        "day after; unset: no end",
        examples=["2003-01-03"],
    )
    rescission: RescissionModel | None = Field(
        None, description="what rescinds it early, without notice (unset: nothing does)"
    )
    conditions: list[str] = Field(
        [],
        description="condition ids that must all be satisfied for it to be in force (it is "
        "in force from the later of `from` and the last satisfaction)",
        examples=[["004-executed"]],
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConditionModel(_Cited):
    """A condition precedent or a deadline: what, from whom, by when."""

    what: str = Field(
        description="what must be delivered or done, in the agreement's words",
        examples=["an executed original (or counterparts) of this Amendment"],
    )
    of_document: str | None = Field(
        None,
        description="the document whose effectiveness it conditions (a document id): "
        "that document's terms take effect only once every such condition is met, from the "
        "later of its date and the day the last was met (a term it backdates keeps its date)",
        examples=["002"],
    )
    of_loan: str | None = Field(
        None,
        description="the loan whose advances wait for it (a loan id): an advance on it "
        "while the condition is unmet is refused",
        examples=["lpc-ny-real-estate-loan-b"],
    )
    from_party: str = Field(
        "",
        description="who must deliver it, in words",
        examples=["LPC and LCI"],
    )
    due: Day | None = Field(
        None,
        description="the deadline: met after it is `late`, unmet after it `missed` "
        "(unset: no deadline)",
        examples=["1996-05-31"],
    )
    deemed_satisfied: str | None = Field(
        None,
        description="the writing the agreement deems to satisfy it (with `deemed_on`, no "
        "satisfaction fact is needed)",
        examples=["the letter dated February 7, 1996 received by Congress' counsel"],
    )
    deemed_on: Day | None = Field(
        None,
        description="the date of that writing: the condition is met from then",
        examples=["1996-02-07"],
    )
    default_on_miss: bool = Field(
        False,
        description="missing the `due` date is an Event of Default under `facility` (it "
        "occurs the day after `due`; needs `due` and `facility`)",
    )
    facility: str | None = Field(
        None,
        description="with `default_on_miss`, the facility whose Event of Default it is",
        examples=["congress-revolver"],
    )


class RepresentationModel(_Cited):
    """A representation made again on each advance of a loan ("no Event of Default")."""

    loan: str = Field(
        description="the loan id on each of whose advances the representation is made",
        examples=["lpc-ny-real-estate-loan-b"],
    )
    states: Literal["no_event_of_default"] = Field(
        "no_event_of_default",
        description="what it states: `no_event_of_default` (false when an Event of Default "
        "of `facility` stands, unwaived, on the day of the advance)",
    )
    facility: str = Field(
        description="the facility whose Events of Default make it false, and under which a "
        "false representation is itself one",
        examples=["congress-revolver"],
    )


class LocationModel(_Model):
    """A place where collateral is kept (``location`` of an item, ``off``/``onto`` of a
    location covenant)."""

    address: str = Field(
        description="the address as the agreement gives it",
        examples=["3181 North Lear Avenue, Casa Grande, Arizona"],
    )
    cite: str = Field(
        description="the clause that names the location: a document id and the section",
        examples=["002 §3(a)"],
    )


class CollateralItemModel(_Cited):
    """An item of collateral: what it is, whose, and where it is kept from when."""

    kind: Literal["equipment", "real_property", "accounts", "inventory", "leasehold"] = Field(
        description="what sort of property it is (equipment and inventory are the tangible "
        "items a location covenant with no `items` covers)",
        examples=["equipment"],
    )
    description: str = Field(
        description="the item, in words",
        examples=["800-ton die casting machine"],
    )
    owner: str = Field(description="the party id that owns it", examples=["lpc"])
    serial: str | None = Field(
        None,
        description="its serial number, which a notice of its move must list (002 §3(a))",
        examples=["HPM-800-4471"],
    )
    location: str = Field(
        description="the location id where it is kept from `since` (a `move` fact changes it)",
        examples=["casa-grande-az"],
    )
    since: Day = Field(
        description="the day it is at `location` (or became collateral)",
        examples=["1996-01-17"],
    )
    cost: Amount | None = Field(
        None,
        description="its cost, in currency units of the loan; " + _AMOUNT,
        examples=["612000.00"],
    )
    appraisal: Amount | None = Field(
        None,
        description="its appraised value, in currency units of the loan; " + _AMOUNT,
        examples=["580000.00"],
    )


class LienModel(_Cited):
    """A lien (mortgage or security interest) on collateral items, and what it secures."""

    secured_party: str = Field(description="the party id holding the lien", examples=["cit"])
    grantor: str = Field(description="the party id that granted it", examples=["lpc"])
    collateral: list[str] = Field(
        description="the collateral item ids it is on",
        examples=[["cit-press-01", "cit-press-02"]],
    )
    secures: str = Field(
        description="what it secures, in words",
        examples=["the CIT Financing (loans up to $5,500,000)"],
    )
    priority: int = Field(1, ge=1, description="its rank among liens on the same items (1: first)")
    from_: Day = Field(alias="from", description="the day it was granted", examples=["1996-01-17"])
    amount: Amount | None = Field(
        None,
        description="the most it secures, in currency units of the loan, when capped; " + _AMOUNT,
        examples=["825000.00"],
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ConsentModel(_Cited):
    """A lender's consent to a lien or a transaction the agreements would otherwise forbid."""

    by: str = Field(description="the party id that consents", examples=["congress"])
    to: str = Field(
        description="what is consented to: a lien id or a transaction, in words",
        examples=["the security interest in the CIT Collateral granted by LPC to CIT (cit-lien)"],
    )
    effective: Day = Field(description="the day the consent takes effect", examples=["1996-01-17"])
    subject_to: str | None = Field(
        None,
        description="the terms it is given on, in words",
        examples=["LPC is not released from the Obligations it secures"],
    )


class GuarantorModel(_Cited):
    """A guarantor: who guarantees what, and which amendments it consented to."""

    party: str = Field(description="the guarantor's party id", examples=["lci"])
    guarantees: str = Field(
        description="what it guarantees, in words (and the guarantee's name and date)",
        examples=["all present and future Obligations of LPC to Congress"],
    )
    consents: list[str] = Field(
        [],
        description="ids of the documents whose consent page it signed",
        examples=[["001", "002", "004"]],
    )


class LocationCovenantModel(_Cited):
    """Items may not be moved off (or onto) listed locations without a prior written notice
    naming each item's serial number (002 §3(a))."""

    facility: str = Field(
        description="the facility whose `collateral_covenant` Event of Default a move "
        "without the notice is",
        examples=["congress-revolver"],
    )
    items: list[str] = Field(
        [],
        description="the collateral item ids it covers (empty: every tangible item, i.e. "
        "equipment and inventory)",
        examples=[["cit-press-01", "cit-press-02"]],
    )
    off: list[str] = Field(
        [],
        description="location ids: moving a covered item off one of these needs a prior "
        'notice (quote the key in YAML: `"off":`)',
        examples=[["casa-grande-az", "rochester-ny"]],
    )
    onto: list[str] = Field(
        [],
        description="location ids: moving a covered item onto one of these needs a prior notice",
        examples=[["north-canton-oh"]],
    )


class IndebtednessModel(_Cited):
    """Other indebtedness of a party, named so a cross-default rule or waiver can cite it."""

    name: str = Field(
        description="the instrument's name as the agreement gives it",
        examples=["LPC's 14% Junior Subordinated Notes due May 1, 2002"],
    )
    obligor: str = Field(description="who owes it (party id, or ids in words)", examples=["lpc"])
    due: Day | None = Field(None, description="its maturity", examples=["2002-05-01"])


class RemedyModel(_Cited):
    """A lender's option: what it may do to which loan or facility, and on what."""

    option: Literal["default_rate", "acceleration", "no_advances", "obligations_due"] = Field(
        description="what the lender may do: `default_rate` (charge the default rate), "
        "`acceleration` (declare the loans due), `no_advances` (stop making advances), "
        "`obligations_due` (the obligations become due)",
        examples=["acceleration"],
    )
    facility: str = Field(
        description="the facility whose Event of Default or termination opens it",
        examples=["congress-revolver"],
    )
    subjects: list[str] = Field(
        description="the loan and revolver ids it applies to",
        examples=[["congress-revolver-lpc", "lpc-second-restated-note"]],
    )
    on: list[Literal["event_of_default", "termination"]] = Field(
        description="what makes it available: an unwaived `event_of_default` of the "
        "facility, and/or the `termination` (commitment ended or term ended); quote the key "
        'in YAML: `"on":`',
        examples=[["event_of_default"]],
    )
    margin: str | None = Field(
        None,
        description="with `default_rate`, the margin over the rate otherwise charged, as "
        "written (shown, not computed here: the loan's own terms carry the default margin)",
        examples=["2%"],
    )


class MilestoneModel(_Cited):
    """A dated duty or date of the agreements not covered elsewhere (e.g. a commitment end)."""

    date: Day = Field(description="the date", examples=["2003-01-03"])
    description: str = Field(
        description="what happens or is due on that date", examples=["Renewal Date"]
    )
    kind: str = Field("milestone", description="the kind shown in the obligations calendar")


class ComplianceModel(_Model):
    """Compliance terms, one map per kind keyed by id (an amendment sets, replaces or
    deletes one item by its path, e.g. ``compliance.covenants.working-capital``)."""

    covenants: dict[str, CovenantModel] = Field({}, description="financial covenants, by id")
    events_of_default: dict[str, DefaultRuleModel] = Field(
        {}, description="what is an Event of Default under each facility, by rule id"
    )
    waivers: dict[str, WaiverModel] = Field({}, description="waivers of Events of Default, by id")
    conditions: dict[str, ConditionModel] = Field(
        {},
        description="conditions precedent and deadlines, by id (a `satisfaction` fact names "
        "the id)",
    )
    representations: dict[str, RepresentationModel] = Field(
        {}, description="representations made again on each advance, by id"
    )
    locations: dict[str, LocationModel] = Field(
        {}, description="places where collateral is kept, by id"
    )
    collateral: dict[str, CollateralItemModel] = Field(
        {}, description="items of collateral, by id (a `move` fact names the id)"
    )
    liens: dict[str, LienModel] = Field({}, description="liens on collateral, by id")
    consents: dict[str, ConsentModel] = Field(
        {}, description="lenders' consents to liens or transactions, by id"
    )
    guarantors: dict[str, GuarantorModel] = Field({}, description="guarantors, by id")
    location_covenants: dict[str, LocationCovenantModel] = Field(
        {}, description="covenants on where collateral items may be moved, by id"
    )
    indebtedness: dict[str, IndebtednessModel] = Field(
        {},
        description="other indebtedness, by instrument id (named by cross-default rules, "
        "waivers and `non_payment`/`creditor_action` facts)",
    )
    remedies: dict[str, RemedyModel] = Field({}, description="lenders' options, by id")
    milestones: dict[str, MilestoneModel] = Field(
        {}, description="other dated duties or dates for the obligations calendar, by id"
    )


COMPLIANCE_SECTIONS = tuple(ComplianceModel.model_fields)


class StatementFact(_Model):
    """A financial statement (or compliance certificate) as delivered to the lender."""

    kind: Literal["statement"] = Field(
        description="the kind of fact (`statement` for this one): it says which fields follow"
    )
    id: str = Field(
        description="the statement's id (a covenant test names the statement it used)",
        examples=["fs-lpc-2002-01"],
    )
    borrower: str = Field(
        description="the party id whose statement it is (matched with a covenant's `borrower`)",
        examples=["lpc"],
    )
    period_end: Day = Field(
        description="the last day of the period it reports: it is used for the "
        "covenant test on that date",
        examples=["2002-01-31"],
    )
    received: Day = Field(
        description="the day the lender received it: the fact counts from then, and "
        "a statement received after its due date is late",
        examples=["2002-02-26"],
    )
    items: dict[str, SignedAmount] = Field(
        description="the statement's figures by item name (the names the covenant formulas "
        "use), in currency units of the loan; " + _SIGNED,
        examples=[{"current_assets": "31240000.00", "current_liabilities": "25190000.00"}],
    )
    source: str = Field(
        description="where the figures come from, in words",
        examples=["LPC monthly financial statements delivered to Congress"],
    )
    label: str | None = Field(None, description="e.g. 'invented' for illustrative figures")


class SatisfactionFact(_Model):
    """A condition met: what the recording document shows was delivered or done, and when."""

    kind: Literal["satisfaction"] = Field(
        description="the kind of fact (`satisfaction` for this one): it says which fields follow"
    )
    condition: str = Field(
        description="the id of the condition met (under `compliance.conditions`)",
        examples=["002-executed"],
    )
    date: Day = Field(
        description="the day it was met (after the condition's `due`: late)",
        examples=["1996-03-14"],
    )
    note: str = Field("", description="anything the record adds, in words")


class MoveFact(_Model):
    """An item of collateral moved to another location (checked against the location
    covenants and the notices given by that day)."""

    kind: Literal["move"] = Field(
        description="the kind of fact (`move` for this one): it says which fields follow"
    )
    item: str = Field(description="the collateral item id moved", examples=["cit-press-01"])
    to: str = Field(description="the location id it was moved to", examples=["rochester-ny"])
    date: Day = Field(description="the day it was moved", examples=["1997-06-02"])
    note: str = Field("", description="anything the record adds, in words")


class NoticeFact(_Model):
    """A written notice to the lender (002 §3(a): it must list the items' serial numbers)."""

    kind: Literal["notice"] = Field(
        description="the kind of fact (`notice` for this one): it says which fields follow"
    )
    id: str = Field(description="the notice's id", examples=["notice-1997-05-20"])
    date: Day = Field(
        description="the day it was given: it covers moves on or after that day",
        examples=["1997-05-20"],
    )
    to: str = Field(description="the party id it was given to", examples=["congress"])
    subject: Literal["collateral_move", "other"] = Field(
        description="what it is about: only a `collateral_move` notice counts for a location "
        "covenant"
    )
    serials: list[str] = Field(
        [],
        description="the serial numbers (or item ids) of the items it identifies; a move a "
        "location covenant covers, of an item not listed, is a breach",
        examples=[["HPM-800-4471"]],
    )
    note: str = Field("", description="anything the record adds, in words")


class CreditorActionFact(_Model):
    """What a holder of other indebtedness did (a waiver's rescission trigger)."""

    kind: Literal["creditor_action"] = Field(
        description="the kind of fact (`creditor_action` for this one): it says which fields follow"
    )
    instrument: str = Field(
        description="the indebtedness id whose holder acted (under `compliance.indebtedness`)",
        examples=["junior-subordinated-14"],
    )
    action: Literal["seeks_acceleration", "exercises_remedies"] = Field(
        description="what the holder did", examples=["seeks_acceleration"]
    )
    date: Day = Field(description="the day it acted", examples=["2002-12-02"])
    note: str = Field("", description="anything the record adds, in words")


class NonPaymentFact(_Model):
    """A payment due on other indebtedness not made (a cross-default)."""

    kind: Literal["non_payment"] = Field(
        description="the kind of fact (`non_payment` for this one): it says which fields follow"
    )
    instrument: str = Field(
        description="the indebtedness id not paid (under `compliance.indebtedness`)",
        examples=["junior-subordinated-14"],
    )
    date: Day = Field(
        description="the day the payment was due and not made: the cross-default occurs on it",
        examples=["2002-05-01"],
    )
    note: str = Field("", description="anything the record adds, in words")


Fact = Annotated[
    StatementFact | SatisfactionFact | MoveFact | NoticeFact | CreditorActionFact | NonPaymentFact,
    Field(discriminator="kind"),
]
