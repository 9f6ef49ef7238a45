"""Settling what is due (``Servicing._settle``): amounts owed to the borrower (negative
interest) held for them or paid out, funds held applied when amounts fall due, and the ACTUS
view where every amount is paid as it falls due.

The small loan of ``simple_loan`` as a bullet (36,000.00 due 2024-04-01) at a fixed rate of
-1% a year, actual/360: interest is -1.00 a day, so each interest date makes an amount owed
to the borrower: January -31.00 (02-01), February -29.00 (03-01), March -31.00 (04-01).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from loanbook.engine import EventKind, TermsHistory
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import Amortization, AmortizationKind, ExcessPayment, RateSpec
from tests.engine.simple_loan import event, of_kind, run, terms

FEB1, MAR1, APR1 = date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
BULLET = Amortization(AmortizationKind.BULLET)
NEGATIVE = RateSpec(fixed=D("-0.01"))


def owed(day: date, amount: str, source: Account) -> tuple[object, ...]:
    """The line paying the borrower what a negative interest due owes them."""
    return (
        day,
        LineKind.PAYMENT_APPLIED,
        D(amount),
        Account.INTEREST_DUE,
        source,
        f"t/interest/{day.isoformat()}",
        "loans.t.waterfall",
        "N ¶6",
        "interest",
        f"interest due {day.isoformat()} (t/interest/{day.isoformat()}), owed to the borrower",
    )


def test_negative_interest_is_held_for_the_borrower_as_unapplied_funds() -> None:
    # 02-01: interest due -31.00 (a reverse posting: Dr interest accrued, Cr interest due),
    # owed to the borrower and held: Dr interest due, Cr unapplied funds 31.00. Nothing else
    # is due, so the 31.00 stays held. 03-01: 29.00 more, 60.00 held.
    result = run(MAR1, amortization=BULLET, rate=NEGATIVE)
    assert [(r[0], r[2], r[3], r[4]) for r in of_kind(result, LineKind.INTEREST_DUE)] == [
        (FEB1, D("31.00"), Account.INTEREST_ACCRUED, Account.INTEREST_DUE),
        (MAR1, D("29.00"), Account.INTEREST_ACCRUED, Account.INTEREST_DUE),
    ]
    assert of_kind(result, LineKind.PAYMENT_APPLIED) == [
        owed(FEB1, "31.00", Account.UNAPPLIED_FUNDS),
        owed(MAR1, "29.00", Account.UNAPPLIED_FUNDS),
    ]
    p = result.position
    assert (p.unapplied, p.interest_due, p.dues) == (D("60.00"), D("0"), ())


def test_funds_held_for_the_borrower_are_applied_to_principal_when_it_falls_due() -> None:
    # 04-01: March's -31.00 is held too (31 + 29 + 31 = 91.00), then the 36,000.00 principal
    # falls due at maturity and the 91.00 held pays part of it: 35,909.00 left due.
    result = run(APR1, amortization=BULLET, rate=NEGATIVE)
    lines = of_kind(result, LineKind.PAYMENT_APPLIED)
    assert lines[:3] == [
        owed(FEB1, "31.00", Account.UNAPPLIED_FUNDS),
        owed(MAR1, "29.00", Account.UNAPPLIED_FUNDS),
        owed(APR1, "31.00", Account.UNAPPLIED_FUNDS),
    ]
    assert lines[3:] == [
        (
            APR1,
            LineKind.PAYMENT_APPLIED,
            D("91.00"),
            Account.UNAPPLIED_FUNDS,
            Account.PRINCIPAL_DUE,
            "t/installment/1",
            "loans.t.waterfall",
            "N ¶6",
            "principal",
            "applied to principal due 2024-04-01 (t/installment/1)",
        )
    ]
    p = result.position
    assert (p.unapplied, p.principal_due, p.principal_not_due) == (
        D("0"),
        D("35909.00"),
        D("0.00"),
    )
    assert [(d.component, d.amount) for d in p.dues] == [("principal", D("35909.00"))]


def test_in_the_actus_view_what_is_owed_to_the_borrower_is_paid_out() -> None:
    # assume_paid: the 31.00 owed on 02-01 is paid in cash (Dr interest due, Cr cash), not
    # held; on 04-01 the principal is paid as it falls due, 36,000.00 from cash.
    result = run(APR1, amortization=BULLET, rate=NEGATIVE, assume_paid=True)
    lines = of_kind(result, LineKind.PAYMENT_APPLIED)
    assert lines[:3] == [
        owed(FEB1, "31.00", Account.CASH),
        owed(MAR1, "29.00", Account.CASH),
        owed(APR1, "31.00", Account.CASH),
    ]
    assert [(r[2], r[3], r[4], r[8]) for r in lines[3:]] == [
        (D("36000.00"), Account.CASH, Account.PRINCIPAL_DUE, "principal")
    ]
    p = result.position
    assert (p.unapplied, p.dues, p.principal_outstanding) == (D("0"), (), D("0.00"))
    assert of_kind(result, LineKind.UNAPPLIED) == []


def test_in_the_actus_view_every_due_is_paid_the_day_it_falls_due() -> None:
    # Positive 10%: 02-01 principal 12,000.00 and interest 310.00 both paid from cash that day.
    result = run(FEB1, assume_paid=True)
    paid = [(r[2], r[3], r[4], r[8]) for r in of_kind(result, LineKind.PAYMENT_APPLIED)]
    assert sorted(paid, key=lambda r: r[3]) == [
        (D("310.00"), Account.CASH, Account.INTEREST_DUE, "interest"),
        (D("12000.00"), Account.CASH, Account.PRINCIPAL_DUE, "principal"),
    ]
    assert result.position.dues == ()


def test_held_funds_pay_part_and_the_rest_stays_due() -> None:
    # 500.00 paid on 01-15 with nothing due: held. On 02-01 interest 310.00 and the installment
    # 12,000.00 fall due; the 500.00 held pays the interest (before maturity: interest first)
    # and 190.00 of principal; 11,810.00 stays due, nothing held.
    result = run(FEB1, event(date(2024, 1, 15), EventKind.PAYMENT, "500.00"))
    applied = [(r[2], r[3], r[8]) for r in of_kind(result, LineKind.PAYMENT_APPLIED)]
    assert applied == [
        (D("310.00"), Account.UNAPPLIED_FUNDS, "interest"),
        (D("190.00"), Account.UNAPPLIED_FUNDS, "principal"),
    ]
    p = result.position
    assert (p.unapplied, p.principal_due, p.interest_due) == (D("0"), D("11810.00"), D("0"))
    assert of_kind(result, LineKind.UNAPPLIED) == [
        (
            date(2024, 1, 15),
            LineKind.UNAPPLIED,
            D("500.00"),
            Account.CASH,
            Account.UNAPPLIED_FUNDS,
            "payment:2024-01-15:payment 2024-01-15",
            "loans.t.waterfall",
            "N ¶6",
            "",
            "received beyond amounts due; held to apply when due",
        )
    ]


def test_held_funds_beyond_what_falls_due_stay_held() -> None:
    # 20,000.00 paid on 01-15: on 02-01, 310.00 + 12,000.00 paid from it, 7,690.00 still held.
    result = run(FEB1, event(date(2024, 1, 15), EventKind.PAYMENT, "20000.00"))
    p = result.position
    assert (p.unapplied, p.dues) == (D("7690.00"), ())


OVERDUE = "applied to principal due 2024-02-01 (t/installment/1) after maturity of an installment"


def test_cents_and_dollars_are_applied_like_any_amount() -> None:
    # 02-01 pays 310.50: 310.00 interest, then 0.50 of principal (11,999.50 left due).
    # 02-10 pays 11,999.00: after maturity of the installment (0.50 left unpaid from 02-01 is
    # still overdue), principal 11,999.00, leaving 0.50 due; 02-11 pays 1.00: 0.50 of
    # principal and 0.50 held. (No late charge, to keep to the waterfall.)
    pays = (
        event(FEB1, EventKind.PAYMENT, "310.50"),
        event(date(2024, 2, 10), EventKind.PAYMENT, "11999.00"),
        event(date(2024, 2, 11), EventKind.PAYMENT, "1.00"),
    )
    result = run(date(2024, 2, 10), *pays[:2])
    assert [(d.component, d.amount) for d in result.position.dues] == [("principal", D("0.50"))]
    result = run(date(2024, 2, 11), *pays)
    applied = [(r[0], r[8], r[2], r[9]) for r in of_kind(result, LineKind.PAYMENT_APPLIED)]
    assert applied == [
        (
            FEB1,
            "interest",
            D("310.00"),
            "applied to interest due 2024-02-01 (t/interest/2024-02-01)",
        ),
        (FEB1, "principal", D("0.50"), "applied to principal due 2024-02-01 (t/installment/1)"),
        (
            date(2024, 2, 10),
            "principal",
            D("11999.00"),
            OVERDUE,
        ),
        (
            date(2024, 2, 11),
            "principal",
            D("0.50"),
            OVERDUE,
        ),
    ]
    p = result.position
    assert (p.dues, p.unapplied) == ((), D("0.50"))


def test_small_sums_held_add_up() -> None:
    # 0.50 on 01-10 and 0.75 on 01-15 with nothing due: both held, 1.25 in all
    result = run(
        date(2024, 1, 20),
        event(date(2024, 1, 10), EventKind.PAYMENT, "0.50"),
        event(date(2024, 1, 15), EventKind.PAYMENT, "0.75"),
    )
    assert [r[2] for r in of_kind(result, LineKind.UNAPPLIED)] == [D("0.50"), D("0.75")]
    assert result.position.unapplied == D("1.25")


def test_a_small_excess_goes_to_principal_when_the_note_says_so() -> None:
    # 02-01 pays 12,310.50 with excess_payment inverse: 0.50 beyond what is due reduces the
    # last installment (04-01) to 11,999.50; nothing held.
    result = run(
        FEB1, event(FEB1, EventKind.PAYMENT, "12310.50"), excess_payment=ExcessPayment.INVERSE
    )
    assert [r[2] for r in of_kind(result, LineKind.PREPAYMENT_APPLIED)] == [D("0.50")]
    assert (result.position.unapplied, result.installments[2].amount) == (D("0"), D("11999.50"))


def test_funds_held_before_the_note_applied_excess_to_principal_stay_held() -> None:
    # Held under terms that hold excess (20,000.00 on 01-15); a version from 02-01 applies
    # excess payments to principal. On 02-01 the held funds pay 12,310.00 due and the
    # 7,690.00 left stays held: only money received is an excess payment, not money held.
    hold, inverse = terms(), terms(excess_payment=ExcessPayment.INVERSE)
    history = TermsHistory(((date(2024, 1, 1), hold), (FEB1, inverse)))
    result = run(FEB1, event(date(2024, 1, 15), EventKind.PAYMENT, "20000.00"), history=history)
    assert of_kind(result, LineKind.PREPAYMENT_APPLIED) == []
    assert (result.position.unapplied, result.position.principal_not_due) == (
        D("7690.00"),
        D("24000.00"),
    )


def test_a_due_below_one_dollar_is_owed_by_the_borrower() -> None:
    # a fee of 0.50: due from the borrower (not owed to them), nothing held
    result = run(date(2024, 1, 11), event(date(2024, 1, 10), EventKind.FEE, "0.50"))
    p = result.position
    assert (p.fees, p.unapplied) == (D("0.50"), D("0"))
    assert of_kind(result, LineKind.PAYMENT_APPLIED) == []


def test_what_is_owed_to_the_borrower_pays_a_small_fee_due_the_same_day() -> None:
    # -1% bullet: 02-01 owes the borrower 31.00, held; a fee of 1.00 charged 02-01 is paid
    # from it: 30.00 stays held, no fee due.
    result = run(FEB1, event(FEB1, EventKind.FEE, "1.00"), amortization=BULLET, rate=NEGATIVE)
    p = result.position
    assert (p.fees, p.unapplied, p.dues) == (D("0"), D("30.00"), ())


def test_fifty_cents_held_pay_part_of_the_interest() -> None:
    # 0.50 held from 01-15; 02-01 interest 310.00 and principal 12,000.00 fall due: the 0.50
    # pays interest (309.50 left due)
    result = run(FEB1, event(date(2024, 1, 15), EventKind.PAYMENT, "0.50"))
    p = result.position
    assert (p.unapplied, p.interest_due, p.principal_due) == (D("0"), D("309.50"), D("12000.00"))
