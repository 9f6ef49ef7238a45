"""The term-file format, as pydantic models (the JSON Schema is generated from them).

A book is a folder of term files, one per document. Every term is ``{value, cite}`` (plus
``assumption`` when the value is not in the document we have). Rates are written in percent
with a ``%`` sign ("3%"), amounts as decimals; floats never reach the model.

Every field carries a description (and, where it helps, units and an example): they are the
reference a person writing a term file reads, published as ``docs/term-format.md`` by
``loanbook.terms.reference`` and shown by editors from the JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from loanbook.compliance.schema import ComplianceModel, Fact
from loanbook.parse import parse_amount, parse_date, parse_decimal, parse_percent
from loanbook.time import Cycle, DayCount

T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """What a value is, for the reference: its name and units (kept in ``Annotated``)."""

    name: str
    units: str = ""


def _amount(value: Any) -> Decimal:
    """Money in a term file, by the one strict parser (cents, at most ``MAX_AMOUNT``)."""
    return parse_amount(value, negative=True)


def _factor(value: Any) -> Decimal:
    """A multiplier (not money: more decimals allowed), by the one strict parser."""
    return parse_decimal(value)


def _rate(value: Any) -> Decimal:
    """A rate written in percent with a % sign, by the one strict parser (at most 1,000% a
    year in size: a larger one is a typing mistake, e.g. 1e9% for 1%)."""
    return parse_percent(value, sign=True)


def _nonneg(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be more than zero")
    return value


def _cycle(value: Any) -> str:
    Cycle.parse(str(value))
    return str(value)


def _daycount(value: Any) -> str:
    return DayCount.parse(str(value)).value


_CURRENCY = "currency units of the loan (e.g. USD), a decimal such as 94893.75"
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    PlainSerializer(str, return_type=str),
    Kind("amount", _CURRENCY),
]
PositiveAmount = Annotated[
    Decimal,
    BeforeValidator(lambda v: _nonneg(_amount(v))),
    PlainSerializer(str, return_type=str),
    Kind("amount, zero or more", _CURRENCY),
]
Principal = Annotated[
    Decimal,
    BeforeValidator(lambda v: _positive(_amount(v))),
    PlainSerializer(str, return_type=str),
    Kind("amount, more than zero", _CURRENCY),
]
Rate = Annotated[
    Decimal,
    BeforeValidator(_rate),
    PlainSerializer(lambda d: f"{(d * 100).normalize():f}%", return_type=str),
    Kind("rate", "percent a year, written with a % sign: '3%', '0.5%', '-0.25%'"),
]
CycleText = Annotated[
    str,
    BeforeValidator(_cycle),
    Kind(
        "cycle",
        "daily, weekly, monthly, quarterly, semiannual, annual, or ISO: P1M, P3M, P1Y, P2W",
    ),
]
DayCountText = Annotated[
    str,
    BeforeValidator(_daycount),
    Kind("day count", "a name from the day-count table below (spellings are mapped)"),
]
#: A date in a term file, by the one strict parser (YYYY-MM-DD, within the accepted range).
Day = Annotated[date, BeforeValidator(parse_date), Kind("date", "YYYY-MM-DD")]
Factor = Annotated[
    Decimal,
    BeforeValidator(_factor),
    PlainSerializer(str, return_type=str),
    Kind("factor", "a plain decimal, e.g. 1 or 0.5"),
]
Component = Literal["late_charge", "interest", "principal", "fee"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Model, Generic[T]):
    """A term: its value, the clause that sets it, and why it is assumed (if it is)."""

    value: T = Field(description="the term's value (its type is given where the term is listed)")
    cite: str = Field(
        min_length=1,
        description="the clause that states the value: a document id of the book, a space "
        "and the section",
        examples=["003 ¶1", "000 §2(c)"],
    )
    assumption: str | None = Field(
        None,
        description="set when the value is not in a document we have: what is assumed and why "
        "(the figure is then flagged [assumed] wherever it is cited)",
    )
    note: str | None = Field(None, description="how the clause is read, when it needs saying")


class RateModel(_Model):
    """The interest rate: either ``fixed``, or ``multiplier`` x the ``index`` + ``margin``."""

    index: str | None = Field(
        None,
        description="the rate index the rate floats on, as named in the book's rates/*.csv "
        "(its fixings may be supplied later; `validate` warns while there are none); leave "
        "out for a fixed rate",
        examples=["LIBOR-1M", "PRIME"],
    )
    margin: Rate = Field(
        Decimal(0),
        description="added to the index (the spread); with no index and no `fixed`, the rate",
        examples=["3%"],
    )
    fixed: Rate | None = Field(
        None, description="a fixed rate a year (no index)", examples=["8.5%"]
    )
    multiplier: Factor = Field(
        Decimal(1), description="the index is multiplied by this before the margin is added"
    )
    floor: Rate | None = Field(None, description="the rate is never below this")
    cap: Rate | None = Field(None, description="the rate is never above this")
    reset: Literal["period_start", "daily", "cycle", "fixed"] = Field(
        "fixed",
        description="when a floating rate takes a new fixing: `period_start` = the fixing in "
        "force at the start of each Interest Rate Period; `daily` = the day the index changes "
        "(Prime); `cycle` = on `reset_cycle` from `reset_anchor`; `fixed` = never (fixed rate)",
    )
    reset_cycle: CycleText | None = Field(
        None, description="with `reset: cycle`, how often the rate resets", examples=["P3M"]
    )
    reset_anchor: Day | None = Field(
        None, description="with `reset: cycle`, the first reset date (YYYY-MM-DD)"
    )
    fixing_lag_days: int = Field(
        0,
        ge=0,
        description="days before the reset date whose fixing is used (0: the fixing in force "
        "on the reset date itself)",
    )
    fixing_max_age_days: int | None = Field(
        None,
        ge=0,
        description="the oldest a fixing may be (days before the date it is used for, after "
        "the lag); `validate` reports an older one as an error. Unset: `validate` warns when "
        "the fixing used at the loan's start is more than 7 days old and names it",
        examples=[5],
    )


class ScheduleModel(_Model):
    """Dates on a cycle: the first (``anchor``), then every ``cycle`` until ``count`` dates or
    the ``end`` (or, with neither, the loan's ``maturity``)."""

    anchor: Day = Field(
        description="the first date of the schedule (YYYY-MM-DD)", examples=["1996-04-30"]
    )
    cycle: CycleText = Field(description="the time between two dates", examples=["monthly"])
    eom: bool = Field(
        True,
        description="end-of-month rule: when the anchor is a month's last day, every date is "
        "its month's last day",
    )
    count: int | None = Field(
        None,
        gt=0,
        le=1200,  # 100 years of monthly dates
        description="the number of dates, the anchor included. For principal, the last date "
        "must be the loan's maturity: `validate` refuses a count that ends before or after it "
        "and names the count that ends on it",
        examples=[48],
    )
    end: Day | None = Field(
        None,
        description="the last date (instead of `count`); with neither, the loan's maturity",
    )
    convention: Literal[
        "unadjusted", "following", "modified following", "preceding", "modified preceding"
    ] = Field(
        "unadjusted",
        description="how a date that is not a business day moves (ISDA business day conventions)",
    )
    calendar: str = Field(
        "none",
        description="the business-day calendar of `convention`: `none` (every weekday) or a "
        "country code of the `holidays` package, e.g. `US`, `US-NY`",
    )


class ExplicitInstallment(_Model):
    """One principal installment of an ``explicit`` amortization."""

    date: Day = Field(description="the due date (YYYY-MM-DD)")
    amount: PositiveAmount = Field(description="the principal due on that date")


class AmortizationModel(_Model):
    """How principal is repaid."""

    kind: Literal["level_principal", "level_payment", "bullet", "explicit", "negative"] = Field(
        description="`level_principal`: equal principal installments (interest paid on top); "
        "`level_payment`: equal payments of principal and interest (an annuity); `bullet`: all "
        "principal at maturity; `explicit`: the dates and amounts listed in `explicit`; "
        "`negative`: a fixed payment applied to interest first (principal may grow)",
    )
    schedule: ScheduleModel | None = Field(
        None,
        description="the principal due dates (not for `bullet` or `explicit`), the last on "
        "the loan's maturity. The last installment takes whatever principal the others leave: "
        "the balloon",
    )
    installment: PositiveAmount | None = Field(
        None,
        description="`level_principal`: the principal of each installment (unset: principal / "
        "number of dates, rounded to the cent, the remainder in the last). `level_payment` and "
        "`negative`: the WHOLE payment, principal and interest together (unset: computed so "
        "that the payments repay the loan by its maturity)",
        examples=["94893.75"],
    )
    explicit: list[ExplicitInstallment] = Field(
        [], description="with `kind: explicit`, every installment"
    )


class LateChargeModel(_Model):
    """Late charges on amounts unpaid from their due date until paid."""

    rate: Rate = Field(description="the late charge rate a year", examples=["18%"])
    day_count: DayCountText = Field("actual/360", description="how days are counted")


class WaterfallModel(_Model):
    """The order a payment is applied in."""

    before_maturity: list[Component] = Field(
        description="before the loan matures (or is accelerated)",
        examples=[["interest", "principal"]],
    )
    after_maturity: list[Component] = Field(
        description="after it matures (or is accelerated)",
        examples=[["late_charge", "interest", "principal"]],
    )


class LoanModel(_Model):
    """A loan (a note): under ``loans.<loan id>`` of a term file. Every term is cited."""

    facility: Cited[str] | None = Field(
        None,
        description="the facility (under `facilities`) the loan is made under; leave out for "
        "a standalone note",
        examples=[{"value": "cit-facility", "cite": "003 ¶2"}],
    )
    borrower: Cited[str] = Field(
        description="who owes the loan (a party id or a name)",
        examples=[{"value": "lpc", "cite": "003 ¶1"}],
    )
    lender: Cited[str] = Field(
        description="who is owed (a party id or a name)",
        examples=[{"value": "cit", "cite": "003 ¶1"}],
    )
    principal: Cited[Principal] = Field(
        description="the principal sum advanced (the face of the note)",
        examples=[{"value": "4554900.00", "cite": "003 ¶1"}],
    )
    start: Cited[Day] = Field(
        description="the day the loan is made: interest accrues from it",
        examples=[{"value": "1996-01-17", "cite": "003 ¶1"}],
    )
    maturity: Cited[Day] | None = Field(
        None,
        description="the day all principal left is due (the balloon, if the installments leave "
        "any); after the start. Required for `bullet` and for a schedule with neither `count` "
        "nor `end`",
        examples=[{"value": "2000-03-31", "cite": "003 ¶1"}],
    )
    day_count: Cited[DayCountText] = Field(
        description="how interest counts days (see the day-count table)",
        examples=[{"value": "actual/360", "cite": "003 ¶1"}],
    )
    rate: Cited[RateModel] = Field(
        description="the interest rate",
        examples=[
            {
                "value": {"index": "LIBOR-1M", "margin": "3%", "reset": "period_start"},
                "cite": "003 ¶1",
            }
        ],
    )
    interest_rate_period: Cited[Literal["loan_date_monthly", "month_end"]] | None = Field(
        None,
        description="with `reset: period_start`, the periods a fixing holds for: "
        "`loan_date_monthly` = one month from the loan's date; `month_end` = to the day "
        "before the month's last day, then from month-end to month-end (000 §2(b))",
    )
    interest_schedule: Cited[ScheduleModel] = Field(
        description="the dates interest is payable (each covers the days up to the day before)"
    )
    amortization: Cited[AmortizationModel] = Field(description="how principal is repaid")
    late_charge: Cited[LateChargeModel] | None = Field(
        None, description="late charges on overdue amounts"
    )
    default_margin: Cited[Rate] | None = Field(
        None, description="added to the rate after an Event of Default", examples=["2%"]
    )
    usury_max_rate: Cited[Rate] | None = Field(
        None,
        description="the most interest the law allows a year; interest above it is credited "
        "back (a usury credit), in `run` and `schedule` alike",
        examples=["25%"],
    )
    waterfall: Cited[WaterfallModel] | None = Field(
        None,
        description="the order payments are applied in (default: interest then principal; "
        "after maturity late charges first)",
    )
    prepayment_order: Cited[Literal["inverse", "direct"]] | None = Field(
        None,
        description="which installments a prepayment reduces: `inverse` = the last first "
        "(inverse order of maturity, the default), `direct` = the next first",
    )
    excess_payment: Cited[Literal["hold", "inverse", "direct"]] | None = Field(
        None,
        description="what happens to a payment beyond what is due: `hold` = kept as unapplied "
        "funds owed to the borrower (the default); `inverse` = applied to principal in inverse "
        "order of maturity; `direct` = to principal in direct order (the next installments)",
    )
    acceleration: Cited[str] | None = Field(
        None, description="what the note says happens on an Event of Default (text)"
    )
    currency: str = Field("USD", description="ISO 4217 code of every amount of the loan")


class CommitmentPart(_Model):
    """One part of a collateral formula (000 §2(c)(y))."""

    name: str = Field(description="an id for the part")
    description: str = Field(description="what collateral it counts")
    basis: Literal["fixed", "percent_of_value"] = Field(
        description="`fixed`: `amount`; `percent_of_value`: `percent` of `value`"
    )
    amount: PositiveAmount | None = Field(None, description="with `basis: fixed`")
    percent: Rate | None = Field(None, description="with `basis: percent_of_value`")
    value: PositiveAmount | None = Field(None, description="the collateral's value")
    cite: str = Field(description="the clause")
    assumption: str | None = Field(None, description="set when assumed, with why")


class CommitmentModel(_Model):
    """The facility's commitment: every loan under it is checked against these rules."""

    fixed_cap: PositiveAmount = Field(
        description="the most all loans under the facility may total (the lesser of this and "
        "the formula)",
        examples=["5500000.00"],
    )
    formula: list[CommitmentPart] = Field(
        [], description="the collateral formula; the cap is the lesser of it and `fixed_cap`"
    )
    minimum_loan: PositiveAmount | None = Field(None, description="the smallest loan allowed")
    maximum_loans: int | None = Field(
        None, gt=0, description="the most loans that may be made under the facility"
    )
    termination: Day | None = Field(
        None, description="no loan may be made (start) or advanced after this date"
    )


class FacilityModel(_Model):
    """A term-loan facility: the agreement loans are made under."""

    kind: Literal["term", "revolver"] = Field("term", description="the kind of facility")
    description: str | None = Field(None, description="free text")
    lender: Cited[str] = Field(description="the lender")
    borrower: Cited[str] = Field(description="the borrower")
    commitment: Cited[CommitmentModel] | None = Field(
        None, description="the lender's commitment and its limits"
    )


class PartyModel(_Model):
    """A party to the documents."""

    name: str = Field(description="full legal name")
    short: str = Field(description="the short name the documents use")
    role: str = Field(description="borrower, lender, guarantor...")
    cite: str = Field(description="where the document names it")


class DocumentModel(_Model):
    """The document a term file records (required in every term file)."""

    id: str = Field(
        min_length=1,
        description="the document's id: citations start with it ('003 ¶1')",
        examples=["003"],
    )
    title: str = Field(description="the document's title")
    kind: Literal[
        "note", "agreement", "amendment", "consent", "waiver", "certificate", "statement", "notice"
    ] = Field(description="what the document is")
    date: Day = Field(description="the date it is dated (YYYY-MM-DD)")
    effective: Day | None = Field(
        None, description="valid time: when its terms take effect; defaults to the date"
    )
    recorded: Day | None = Field(
        None, description="record time: when the lender had it; defaults to the date"
    )
    source: str | None = Field(None, description="the document's text, relative to the book")
    amends: list[str] = Field(
        [], description="ids of the documents it amends (each must be in the book)"
    )
    note: str | None = Field(None, description="free text")


class ChangeModel(_Model):
    """An amendment's change to one term (or part of one), from ``effective``."""

    op: Literal["set", "replace", "delete"] = Field(
        description="`set` a term, `replace` its value keeping the rest, `delete` it"
    )
    path: str = Field(
        pattern=r"^(loans|facilities|revolvers|parties|defined_terms|compliance)\.[^.]+(\.[^.]+)*$",
        description="the term changed",
        examples=["loans.cit-note.interest_rate_period"],
    )
    value: Any = Field(None, description="the new value (not for `delete`)")
    effective: Day = Field(description="from when (may be before the amendment's date)")
    cite: str = Field(description="the amending clause")
    assumption: str | None = Field(None, description="set when assumed, with why")
    note: str | None = Field(None, description="how the clause is read")


class EligibilityRuleModel(_Model):
    """A rule that makes collateral ineligible for the borrowing base."""

    rule: Literal["excluded_location", "max_age_days", "ineligible_type"] = Field(
        description="the kind of rule"
    )
    collateral: list[Literal["accounts", "inventory", "equipment"]] = Field(
        description="the collateral it applies to"
    )
    locations: list[str] = Field([], description="with `excluded_location`")
    days: int | None = Field(None, gt=0, description="with `max_age_days`")
    types: list[str] = Field([], description="with `ineligible_type`")
    cite: str = Field(description="the clause")
    note: str | None = Field(None, description="how it is read")


class RevolverModel(_Model):
    """A revolving credit facility with a borrowing base (e.g. the Congress facility)."""

    lender: Cited[str] = Field(description="the lender")
    accounts: Cited[dict[str, str]] = Field(
        description="borrower id -> the id of its revolving loan account"
    )
    maximum_credit: Cited[PositiveAmount] = Field(description="the Maximum Credit")
    start: Cited[Day] = Field(description="the facility's first day")
    term_end: Cited[Day] = Field(description="the end of the term")
    day_count: Cited[DayCountText] = Field(description="how interest counts days")
    prime_index: Cited[str] = Field(description="the index of Prime Rate Loans")
    prime_margin: Cited[Rate] = Field(description="added to Prime")
    eurodollar_margin: Cited[Rate] | None = Field(None, description="added to the Eurodollar rate")
    eurodollar_allowed: Cited[bool] = Field(description="whether Eurodollar loans may be made")
    default_margin: Cited[Rate] = Field(description="added after an Event of Default")
    overadvance_margin: Cited[Rate] = Field(description="added on an overadvance")
    overadvance_notice_days: Cited[int] = Field(
        description="days after notice the overadvance rate applies"
    )
    advance_rates: Cited[dict[str, Rate]] = Field(description="collateral -> advance rate")
    sublimits: Cited[dict[str, PositiveAmount]] | None = Field(
        None, description="collateral -> the most it may add"
    )
    reserves: Cited[PositiveAmount] | None = Field(None, description="reserves deducted")
    locations: Cited[list[str]] = Field(description="the collateral locations")
    eligibility: Cited[list[EligibilityRuleModel]] = Field(description="eligibility rules")


class CertificateItemModel(_Model):
    """One item of collateral on a certificate."""

    id: str = Field(description="an id")
    description: str = Field(description="what it is")
    collateral: Literal["accounts", "inventory", "equipment"] = Field(description="its kind")
    location: str = Field(description="where it is")
    value: Amount = Field(description="its value")
    eligible: bool = Field(True, description="false when the borrower reports it ineligible")
    borrower: str = Field("", description="whose it is")
    age_days: int | None = Field(None, description="an account's age in days")
    type: str = Field("", description="its type, for `ineligible_type` rules")


class CertificateModel(_Model):
    """A borrowing-base certificate: the collateral a borrower reports on a date."""

    facility: str = Field(description="the revolving facility (under `revolvers`)")
    as_of: Day = Field(description="the date it reports on")
    items: list[CertificateItemModel] = Field(description="the collateral")


class CheckModel(_Model):
    """A figure the document states that follows from its terms ("forty-eight equal
    installments of $94,893.75", "a final payment of $X"): `validate` computes it from the
    terms and reports a difference with both figures and both clauses."""

    loan: str = Field(description="the loan the figure is about")
    figure: Literal[
        "installments_total",
        "installment",
        "installment_count",
        "final_payment",
        "balloon",
        "total_interest",
    ] = Field(
        description="`installments_total`: the principal of all installments, the balloon "
        "included (e.g. count x installment); `installment`: the level installment (for "
        "`level_payment` the whole payment of principal and interest); `installment_count`: "
        "the number of principal installments; `final_payment`: principal and interest due on "
        "the last installment date; `balloon`: the principal of the last installment; "
        "`total_interest`: all interest to maturity, every payment on time. Interest figures "
        "need a fixed rate or the fixings in the book"
    )
    value: Amount = Field(description="the figure as the document states it", examples=["48"])
    cite: str = Field(min_length=1, description="where the document states it", examples=["003 ¶1"])
    tolerance: PositiveAmount = Field(
        Decimal(0),
        description="the largest difference accepted (0: exact to the cent); documents that "
        "round a figure to the dollar state 1",
    )
    note: str | None = Field(None, description="the wording of the document, for the reader")


class TermFileModel(_Model):
    """One document's term file."""

    document: DocumentModel = Field(description="the document the file records")
    parties: dict[str, PartyModel] = Field({}, description="party id -> the party")
    defined_terms: dict[str, Cited[str]] = Field(
        {}, description="a defined term's name -> its definition"
    )
    facilities: dict[str, FacilityModel] = Field({}, description="facility id -> its terms")
    loans: dict[str, LoanModel] = Field({}, description="loan id -> its terms")
    revolvers: dict[str, RevolverModel] = Field(
        {}, description="revolving facility id -> its terms"
    )
    certificate: CertificateModel | None = Field(
        None, description="a borrowing-base certificate (in certificates/)"
    )
    changes: list[ChangeModel] = Field([], description="an amendment's changes")
    checks: list[CheckModel] = Field(
        [], description="figures the document states, checked against the terms"
    )
    compliance: ComplianceModel | None = Field(
        None, description="covenants, events of default, waivers, conditions, collateral"
    )
    facts: list[Fact] = Field(
        [], description="what happened, as this document records it (compliance)"
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a term file (``loanbook schema``)."""
    return TermFileModel.model_json_schema()
