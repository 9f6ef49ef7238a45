"""A small loan with round figures, for tests that work the engine's paths by hand.

36,000.00 lent on 2024-01-01 at a fixed 10% a year, actual/360, so interest is 10.00 a day
while all of it is outstanding; three level installments of 12,000.00 and interest on the
1st of February, March and April (maturity 2024-04-01). Every term cites its own clause
(note "N", one section per term), so a line citing the wrong term is caught.

    January   (31 days) on 36,000: 36,000 x 10% x 31/360 = 310.00
    February  (29 days, 2024 is a leap year) on 24,000: 24,000 x 10% x 29/360 = 193.333...
    March     (31 days) on 12,000: 12,000 x 10% x 31/360 = 103.333...
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import MappingProxyType

from loanbook.engine import EventKind, LoanEvent, LoanResult, TermsHistory, run_loan
from loanbook.ledger import LedgerLine, LineKind
from loanbook.rates import Fixing, Market
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    Citation,
    LoanTerms,
    PaymentSchedule,
    RateSpec,
)
from loanbook.time import Cycle, DayCount

LOAN = "t"
MONTHLY = Cycle.parse("monthly")
#: One section of note "N" per term: (term name, section).
SECTIONS = {
    "loan": "¶1",
    "principal": "¶2",
    "rate": "¶3",
    "interest_schedule": "¶4",
    "amortization": "¶5",
    "waterfall": "¶6",
    "premium_discount": "¶7",
    "accrued_at_start": "¶8",
    "usury_max_rate": "¶9",
    "prepayment_order": "¶10",
    "excess_payment": "¶11",
    "acceleration": "¶12",
    "late_charge": "¶13",
    "capitalize_until": "¶14",
    "scaling": "¶15",
    "interest_rate_period": "¶16",
}
CITES = MappingProxyType({name: Citation("N", s) for name, s in SECTIONS.items()})


def monthly_from(anchor: date, count: int | None = None) -> PaymentSchedule:
    return PaymentSchedule(anchor, MONTHLY, eom=False, count=count)


def terms(**changes: object) -> LoanTerms:
    base: dict[str, object] = {
        "id": LOAN,
        "facility": "f",
        "borrower": "b",
        "lender": "l",
        "principal": D("36000.00"),
        "start": date(2024, 1, 1),
        "day_count": DayCount.ACT_360,
        "rate": RateSpec(fixed=D("0.10")),
        "interest_schedule": monthly_from(date(2024, 2, 1)),
        "amortization": Amortization(
            AmortizationKind.LEVEL_PRINCIPAL, monthly_from(date(2024, 2, 1), 3)
        ),
        "maturity": date(2024, 4, 1),
        "cites": CITES,
    }
    base.update(changes)
    return LoanTerms(**base)  # type: ignore[arg-type]


def event(day: date, kind: EventKind, amount: str | None = None, **detail: str) -> LoanEvent:
    value = D(amount) if amount is not None else None
    return LoanEvent(day, LOAN, kind, value, f"{kind.value} {day}", "", tuple(detail.items()))


def market(*fixings: tuple[str, date, str]) -> Market:
    return Market.of([Fixing(name, day, D(rate)) for name, day, rate in fixings])


def run(
    until: date,
    *events: LoanEvent,
    history: TermsHistory | None = None,
    mkt: Market | None = None,
    assume_paid: bool = False,
    rounding: bool = True,
    daily: bool = False,
    **changes: object,
) -> LoanResult:
    return run_loan(
        history or TermsHistory.single(terms(**changes)),
        events,
        mkt or market(),
        until,
        assume_paid=assume_paid,
        rounding=rounding,
        daily=daily,
    )


def row(line: LedgerLine) -> tuple[object, ...]:
    """A line as (date, kind, amount, debit, credit, event, term, cite, component, memo)."""
    return (
        line.date,
        line.kind,
        line.amount,
        line.debit,
        line.credit,
        line.event,
        line.term,
        line.cite,
        line.component,
        line.memo,
    )


def of_kind(result: LoanResult, *kinds: LineKind) -> list[tuple[object, ...]]:
    return [row(ln) for ln in result.lines if ln.kind in kinds]
