"""A term loan's fees, and its default margin after acceleration: figures worked by hand
(LIBOR flat 5.5% + 3% = 8.5%, ACT/360; the CIT note built in code)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from loanbook.engine import EventKind, LoanEvent, TermsHistory, run_loan
from loanbook.ledger import Account, LineKind, balances
from tests.conftest import cit_terms, flat_libor


def event(day: date, kind: EventKind, amount: str | None = None, **detail: str) -> LoanEvent:
    value = D(amount) if amount is not None else None
    return LoanEvent(day, "cit-note", kind, value, f"{kind.value} {day}", "", tuple(detail.items()))


def run(until: date, *events: LoanEvent, **terms: object):  # type: ignore[no-untyped-def]
    return run_loan(TermsHistory.single(cit_terms(**terms)), events, flat_libor(), until)


def test_a_fee_is_due_bears_late_charges_and_is_paid_after_interest_and_principal() -> None:
    # A 5,000 fee charged 1996-03-15 under "cit-lsa §9" is due at once. Unpaid, it bears late
    # charges at 18%: 5,000 x 18% x 46/360 (03-15..04-29) = 115.00, posted on the 04-30 payment.
    # 212,000 received 04-30: interest 111,848.10 and principal 94,893.75 first (before
    # maturity), then the late charge 115.00, then the fee 5,000.00 (the default order after
    # the agreed one); 212,000 - 206,741.85 - 115.00 - 5,000.00 = 143.15 held.
    result = run(
        date(1996, 4, 30),
        event(date(1996, 3, 15), EventKind.FEE, "5000.00", cite="cit-lsa §9"),
        event(date(1996, 4, 30), EventKind.PAYMENT, "212000.00"),
    )
    fee = [ln for ln in result.lines if ln.kind is LineKind.FEE]
    assert [(ln.date, ln.amount, ln.cite, ln.debit, ln.credit) for ln in fee] == [
        (date(1996, 3, 15), D("5000.00"), "cit-lsa §9", Account.FEE_RECEIVABLE, Account.FEE_INCOME)
    ]
    late = [ln.amount for ln in result.lines if ln.kind is LineKind.LATE_CHARGE]
    assert late == [D("115.00")]
    applied = [
        (ln.component, ln.amount) for ln in result.lines if ln.kind is LineKind.PAYMENT_APPLIED
    ]
    assert applied == [
        ("interest", D("111848.10")),
        ("principal", D("94893.75")),
        ("late_charge", D("115.00")),
        ("fee", D("5000.00")),
    ]
    p = result.position
    assert (p.fees, p.late_charges, p.unapplied) == (D("0.00"), D("0.00"), D("143.15"))
    assert balances(result.lines)[Account.FEE_INCOME] == D("-5000.00")


def test_an_unpaid_fee_is_in_the_payoff() -> None:
    # Payoff on 1996-03-16: principal 4,554,900.00 + interest 01-17..03-15 (59 days)
    # 4,554,900 x 8.5% x 59/360 = 63,452.2875 -> 63,452.29, + the fee 2,500.00
    # + its late charge for one day, posted as of 03-16: 2,500 x 18% x 1/360 = 1.25
    result = run(
        date(1996, 3, 16),
        event(date(1996, 3, 15), EventKind.FEE, "2500.00", cite="cit-lsa §9"),
    )
    p = result.position
    assert p.fees == D("2500.00")
    assert p.interest_accrued == D("63452.29")
    assert p.late_charges == D("1.25")
    assert p.payoff == D("4554900.00") + D("63452.29") + D("2500.00") + D("1.25")


def test_the_default_margin_applies_from_acceleration() -> None:
    # Paid to 05-31 (4,365,112.50 outstanding = 4,554,900 - 2 x 94,893.75). Accelerated
    # 06-15 with a 2% default margin: 05-31..06-14 at 8.5% = 4,365,112.50 x 8.5% x 15/360
    # = 15,459.77 falls due at once; from 06-15 the rate is 8.5% + 2% = 10.5%:
    # 06-15..06-29 (15 days) 4,365,112.50 x 10.5% x 15/360 = 19,097.3671... -> 19,097.37
    # falling due on the 06-30 interest date (without the default margin: 15,459.77 again).
    # Interest due then: 15,459.77 + 19,097.37 = 34,557.14.
    events = (
        event(date(1996, 4, 30), EventKind.PAYMENT, "206741.85"),
        event(date(1996, 5, 31), EventKind.PAYMENT, "127538.52"),
        event(date(1996, 6, 15), EventKind.ACCELERATION),
    )
    result = run(date(1996, 6, 30), *events, default_margin=D("0.02"), late_charge=None)
    due = [(ln.date, ln.amount) for ln in result.lines if ln.kind is LineKind.INTEREST_DUE]
    assert due[-2:] == [(date(1996, 6, 15), D("15459.77")), (date(1996, 6, 30), D("19097.37"))]
    assert result.position.interest_due == D("34557.14")
    default = [r for r in result.rates if r.start >= date(1996, 6, 15)]
    assert [(r.start, r.quote.rate) for r in default] == [(date(1996, 6, 15), D("0.105"))]


def test_without_acceleration_there_is_no_default_margin() -> None:
    # The same loan, not accelerated: June accrues at 8.5% on 4,365,112.50 for 30 days
    # (05-31..06-29): 4,365,112.50 x 8.5% x 30/360 = 30,919.5468... -> 30,919.55 due 06-30.
    events = (
        event(date(1996, 4, 30), EventKind.PAYMENT, "206741.85"),
        event(date(1996, 5, 31), EventKind.PAYMENT, "127538.52"),
    )
    result = run(date(1996, 6, 30), *events, default_margin=D("0.02"), late_charge=None)
    due = [ln for ln in result.lines if ln.kind is LineKind.INTEREST_DUE]
    assert due[-1].amount == D("30919.55")
