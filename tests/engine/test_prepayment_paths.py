"""Principal paid before it is due (``Servicing._prepayment``, ``_excess_to_principal``,
``_reduce_principal``) on the small loan of ``simple_loan``: three installments of 12,000.00
(02-01, 03-01, 04-01), interest 310.00 due 02-01. Each prepayment line is checked whole.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from types import MappingProxyType

import pytest

from loanbook.engine import EventKind, TermsHistory
from loanbook.errors import RefusedError
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    Citation,
    ExcessPayment,
    PrepaymentOrder,
)
from tests.engine.simple_loan import event, monthly_from, of_kind, run, terms

JAN10, FEB1, MAR1, APR1 = date(2024, 1, 10), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)


def cut(
    day: date, amount: str, event_id: str, name: str, cite: str, memo: str
) -> tuple[object, ...]:
    return (
        day,
        LineKind.PREPAYMENT_APPLIED,
        D(amount),
        Account.CASH,
        Account.PRINCIPAL_RECEIVABLE,
        event_id,
        f"loans.t.{name}",
        cite,
        "principal",
        memo,
    )


def test_a_prepayment_in_inverse_order_takes_the_last_installments_first() -> None:
    # 15,000.00 prepaid 01-10: installment 3 (04-01) 12,000 -> 0, then installment 2 (03-01)
    # reduced by 3,000 to 9,000. Principal not yet due 36,000 - 15,000 = 21,000.
    prepay = event(JAN10, EventKind.PREPAYMENT, "15000.00")
    result = run(JAN10, prepay)
    assert of_kind(result, LineKind.PREPAYMENT_APPLIED) == [
        cut(
            JAN10,
            "12000.00",
            prepay.event_id,
            "prepayment_order",
            "N ¶10",
            "installment 3 due 2024-04-01 reduced by 12000.00 to 0.00 (inverse order of maturity)",
        ),
        cut(
            JAN10,
            "3000.00",
            prepay.event_id,
            "prepayment_order",
            "N ¶10",
            "installment 2 due 2024-03-01 reduced by 3000.00 to 9000.00 "
            "(inverse order of maturity)",
        ),
    ]
    assert [i.amount for i in result.installments] == [D("12000.00"), D("9000.00"), D("0.00")]
    assert result.position.principal_not_due == D("21000.00")


def test_a_prepayment_in_direct_order_takes_the_next_installments_first() -> None:
    # The same 15,000.00, direct order: installment 1 (02-01) 12,000 -> 0, installment 2 3,000.
    prepay = event(JAN10, EventKind.PREPAYMENT, "15000.00")
    result = run(FEB1, prepay, prepayment_order=PrepaymentOrder.DIRECT)
    memos = [r[9] for r in of_kind(result, LineKind.PREPAYMENT_APPLIED)]
    assert memos == [
        "installment 1 due 2024-02-01 reduced by 12000.00 to 0.00 (direct order of maturity)",
        "installment 2 due 2024-03-01 reduced by 3000.00 to 9000.00 (direct order of maturity)",
    ]
    # On 02-01 nothing of principal falls due (installment 1 is 0); interest on 36,000 for
    # 01-01..01-09 (9 days, 90.00) and on 21,000 for 01-10..01-31 (22 days, 21,000 x 10% x
    # 22/360 = 128.333...): 218.333... -> 218.33.
    assert of_kind(result, LineKind.INSTALLMENT_DUE) == []
    assert result.position.interest_due == D("218.33")


def test_a_prepayment_beyond_the_principal_not_yet_due_is_refused() -> None:
    # On 02-01 the first installment has fallen due: 24,000.00 is not yet due; 24,000.01 is
    # refused, naming the event, the amount and the loan.
    with pytest.raises(RefusedError) as info:
        run(FEB1, event(FEB1, EventKind.PREPAYMENT, "24000.01"))
    (issue,) = info.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "prepayment 2024-02-01",
        "amount",
        "prepayment 24000.01 exceeds the principal not yet due 24000.00 of loan t",
    )
    # exactly what is not yet due is accepted
    result = run(FEB1, event(FEB1, EventKind.PREPAYMENT, "24000.00"))
    assert result.position.principal_not_due == D("0.00")


def test_a_level_payment_loan_prepaid_reduces_the_balance_directly() -> None:
    # Level payments: the installments' principal is not known in advance (None), so the
    # prepayment reduces the balance in one line naming what it is. 36,000 - 6,000 = 30,000;
    # 02-01 interest 36,000 x 10% x 9/360 + 30,000 x 10% x 22/360 = 90 + 183.333... = 273.33,
    # principal 12,500 - 273.33 = 12,226.67.
    amort = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500.00"))
    prepay = event(JAN10, EventKind.PREPAYMENT, "6000.00")
    result = run(FEB1, prepay, amortization=amort)
    assert of_kind(result, LineKind.PREPAYMENT_APPLIED) == [
        cut(
            JAN10,
            "6000.00",
            prepay.event_id,
            "prepayment_order",
            "N ¶10",
            "prepayment of principal",
        )
    ]
    assert [r[2] for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [D("12226.67")]
    assert result.installments[1].amount is None  # not reached: computed at its date


@pytest.mark.parametrize(
    ("order", "memo"),
    [
        (
            ExcessPayment.INVERSE,
            "installment 3 due 2024-04-01 reduced by 5000.00 to 7000.00 "
            "(inverse order of maturity)",
        ),
        (
            ExcessPayment.DIRECT,
            "installment 2 due 2024-03-01 reduced by 5000.00 to 7000.00 (direct order of maturity)",
        ),
    ],
)
def test_a_payment_beyond_what_is_due_goes_to_principal_when_the_note_says_so(
    order: ExcessPayment, memo: str
) -> None:
    # 02-01: 17,310.00 paid; 310.00 interest and 12,000.00 principal due, 5,000.00 beyond:
    # applied to the principal not yet due (24,000 -> 19,000), citing excess_payment.
    pay = event(FEB1, EventKind.PAYMENT, "17310.00")
    result = run(FEB1, pay, excess_payment=order)
    assert of_kind(result, LineKind.PREPAYMENT_APPLIED) == [
        cut(FEB1, "5000.00", pay.event_id, "excess_payment", "N ¶11", memo)
    ]
    p = result.position
    assert (p.principal_not_due, p.unapplied, p.dues) == (D("19000.00"), D("0"), ())


def test_an_excess_beyond_all_principal_is_held_for_the_borrower() -> None:
    # 02-01: 42,310.00 paid: 12,310.00 due, 24,000.00 to the principal not yet due (inverse:
    # installment 3 then 2), 6,000.00 held as unapplied funds.
    pay = event(FEB1, EventKind.PAYMENT, "42310.00")
    result = run(FEB1, pay, excess_payment=ExcessPayment.INVERSE)
    assert [r[2] for r in of_kind(result, LineKind.PREPAYMENT_APPLIED)] == [
        D("12000.00"),
        D("12000.00"),
    ]
    assert [r[2] for r in of_kind(result, LineKind.UNAPPLIED)] == [D("6000.00")]
    p = result.position
    assert (p.principal_not_due, p.unapplied) == (D("0.00"), D("6000.00"))


def test_an_excess_is_held_when_the_note_says_hold() -> None:
    # The default (hold): 5,000.00 beyond what is due is held, principal untouched.
    result = run(FEB1, event(FEB1, EventKind.PAYMENT, "17310.00"))
    assert of_kind(result, LineKind.PREPAYMENT_APPLIED) == []
    p = result.position
    assert (p.principal_not_due, p.unapplied) == (D("24000.00"), D("5000.00"))


def test_a_level_payment_excess_reduces_the_balance_directly() -> None:
    # Level payments 12,500: 02-01 interest 310.00, principal 12,190.00; 1,000.00 beyond
    # is applied to the balance (23,810 -> 22,810) in one line.
    amort = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500.00"))
    pay = event(FEB1, EventKind.PAYMENT, "13500.00")
    result = run(FEB1, pay, amortization=amort, excess_payment=ExcessPayment.DIRECT)
    assert of_kind(result, LineKind.PREPAYMENT_APPLIED) == [
        cut(
            FEB1,
            "1000.00",
            pay.event_id,
            "excess_payment",
            "N ¶11",
            "payment beyond the amounts due",
        )
    ]
    assert result.position.principal_not_due == D("22810.00")


def test_a_prepayment_of_a_level_payment_loan_below_one_dollar() -> None:
    # 0.50 prepaid on the level-payment loan: one line of 0.50, 35,999.50 left not yet due
    amort = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500.00"))
    prepay = event(JAN10, EventKind.PREPAYMENT, "0.50")
    result = run(JAN10, prepay, amortization=amort)
    assert [r[2] for r in of_kind(result, LineKind.PREPAYMENT_APPLIED)] == [D("0.50")]
    assert result.position.principal_not_due == D("35999.50")


def test_an_excess_takes_the_last_dollar_of_principal_not_yet_due() -> None:
    # 02-01: 36,309.00 = 12,310.00 due + 23,999.00 beyond, to installments 3 (12,000.00) and
    # 2 (11,999.00): 1.00 of principal is left not yet due. 02-15: 5.00 with nothing due:
    # 1.00 to installment 2 (to 0.00), 4.00 held.
    pays = (
        event(FEB1, EventKind.PAYMENT, "36309.00"),
        event(date(2024, 2, 15), EventKind.PAYMENT, "5.00"),
    )
    result = run(date(2024, 2, 15), *pays, excess_payment=ExcessPayment.INVERSE)
    late = [(r[2], r[9]) for r in of_kind(result, LineKind.PREPAYMENT_APPLIED) if r[0] > FEB1]
    assert late == [
        (
            D("1.00"),
            "installment 2 due 2024-03-01 reduced by 1.00 to 0.00 (inverse order of maturity)",
        )
    ]
    p = result.position
    assert (p.principal_not_due, p.unapplied) == (D("0.00"), D("4.00"))


def test_a_prepayment_is_applied_in_the_order_in_force_on_its_date() -> None:
    """An amendment effective 02-15 changes the prepayment order to direct and is cited as
    AMD ¶2: a prepayment of 01-10 keeps the note's inverse order and cites N ¶10 (it took the
    amendment's order while citing the note); one of 03-10 takes the amendment's."""
    note = terms()
    amended = replace(
        note,
        prepayment_order=PrepaymentOrder.DIRECT,
        cites=MappingProxyType({**note.cites, "prepayment_order": Citation("AMD", "¶2")}),
    )
    history = TermsHistory(((note.start, note), (date(2024, 2, 15), amended)))
    early = event(JAN10, EventKind.PREPAYMENT, "3000.00")
    late = event(date(2024, 3, 10), EventKind.PREPAYMENT, "1000.00")
    result = run(date(2024, 3, 31), early, late, history=history)
    assert [(r[0], r[7], r[9]) for r in of_kind(result, LineKind.PREPAYMENT_APPLIED)] == [
        (JAN10, "N ¶10", "installment 3 due 2024-04-01 reduced by 3000.00 to 9000.00 "
                         "(inverse order of maturity)"),
        (date(2024, 3, 10), "AMD ¶2", "installment 3 due 2024-04-01 reduced by 1000.00 to "
                                      "8000.00 (direct order of maturity)"),
    ]  # fmt: skip


def test_an_acceleration_cites_the_clause_in_force_on_its_date() -> None:
    note = terms()
    amended = replace(
        note, cites=MappingProxyType({**note.cites, "acceleration": Citation("AMD", "¶9")})
    )
    history = TermsHistory(((note.start, note), (date(2024, 2, 15), amended)))
    result = run(FEB1, event(JAN10, EventKind.ACCELERATION), history=history)
    assert [r[7] for r in of_kind(result, LineKind.ACCELERATION)] == ["N ¶12"]
