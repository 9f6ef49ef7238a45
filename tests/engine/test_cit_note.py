"""The CIT Promissory Note (seed 003, as amended by 000), figures checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine import EventKind, LoanEvent, TermsHistory, run_loan
from loanbook.engine.installments import build_installments
from loanbook.errors import MissingFixingError, RefusedError
from loanbook.ledger import Account, LineKind, balances
from loanbook.rates import Market
from tests.conftest import cit_terms, flat_libor


def pay(day: date, amount: str, kind: EventKind = EventKind.PAYMENT) -> LoanEvent:
    return LoanEvent(day, "cit-note", kind, D(amount), f"{kind.value} {day}")


def run(until: date, *events: LoanEvent, **terms: object):  # type: ignore[no-untyped-def]
    return run_loan(TermsHistory.single(cit_terms(**terms)), events, flat_libor(), until)


def test_48_installments_on_month_ends() -> None:
    inst = build_installments(cit_terms())
    assert len(inst) == 48
    assert inst[0].due_date == date(1996, 4, 30)
    assert inst[1].due_date == date(1996, 5, 31)
    assert inst[10].due_date == date(1997, 2, 28)
    assert inst[22].due_date == date(1998, 2, 28)
    assert inst[46].due_date == date(2000, 2, 29)
    assert inst[-1].due_date == date(2000, 3, 31)
    assert {i.amount for i in inst} == {D("94893.75")}
    assert sum(i.amount or 0 for i in inst) == D("4554900.00")


def test_first_interest_at_constant_libor() -> None:
    # 4,554,900 x (5.5% + 3%) x 104/360 (1996-01-17 to 1996-04-29 inclusive) = 111,848.10
    result = run(date(1996, 4, 30))
    due = [ln for ln in result.lines if ln.kind is LineKind.INTEREST_DUE]
    assert [(ln.date, ln.amount) for ln in due] == [(date(1996, 4, 30), D("111848.10"))]
    accruals = [ln.amount for ln in result.lines if ln.kind is LineKind.ACCRUAL]
    assert sum(accruals) == D("111848.10")  # posted accruals add up to the interest due
    assert result.position.interest_due == D("111848.10")
    assert result.position.principal_due == D("94893.75")


def test_second_interest_on_reduced_balance() -> None:
    # paid on time; May: 4,460,006.25 x 8.5% x 31/360 = 32,644.77
    result = run(date(1996, 5, 31), pay(date(1996, 4, 30), "206741.85"))
    due = [ln for ln in result.lines if ln.kind is LineKind.INTEREST_DUE]
    assert due[-1].amount == D("32644.77")
    dues = {(d.component, d.due_date): d.amount for d in result.position.dues}
    assert dues == {
        ("principal", date(1996, 5, 31)): D("94893.75"),
        ("interest", date(1996, 5, 31)): D("32644.77"),
    }


def test_late_payment_charges_and_waterfall() -> None:
    # Nothing paid on 04-30: 94,893.75 + 111,848.10 = 206,741.85 overdue; paid on 05-10.
    # Late charge: 206,741.85 x 18% x 10/360 = 1,033.709... -> 1,033.71, applied first (003 ¶1).
    result = run(date(1996, 5, 10), pay(date(1996, 5, 10), "207775.56"))
    late = [ln for ln in result.lines if ln.kind is LineKind.LATE_CHARGE]
    assert [ln.amount for ln in late] == [D("1033.71")]
    applied = [ln for ln in result.lines if ln.kind is LineKind.PAYMENT_APPLIED]
    assert [(ln.component, ln.amount) for ln in applied] == [
        ("late_charge", D("1033.71")),
        ("interest", D("111848.10")),
        ("principal", D("94893.75")),
    ]
    assert result.position.total_due == D("0.00")


def test_partial_late_payment_leaves_principal_unpaid() -> None:
    result = run(date(1996, 5, 10), pay(date(1996, 5, 10), "100000.00"))
    p = result.position
    assert p.late_charges == D("0.00")
    assert p.interest_due == D("111848.10") - (D("100000.00") - D("1033.71"))
    assert p.principal_due == D("94893.75")


def test_prepayment_removes_the_last_installments() -> None:
    events = (
        pay(date(1996, 4, 30), "206741.85"),
        pay(date(1996, 6, 3), "189787.50", EventKind.PREPAYMENT),
    )
    result = run(date(1996, 6, 3), *events)
    amounts = [i.amount for i in result.installments]
    assert amounts[-2:] == [D("0.00"), D("0.00")]
    assert amounts[-3] == D("94893.75")
    assert result.position.principal_not_due == D("4554900.00") - 3 * D("94893.75") - D("0") + D(
        "94893.75"
    ) - D("189787.50")


def test_partial_prepayment_reduces_the_last_installment_first() -> None:
    result = run(date(1996, 6, 3), pay(date(1996, 6, 3), "100000.00", EventKind.PREPAYMENT))
    amounts = [i.amount for i in result.installments]
    assert amounts[-1] == D("0.00")
    assert amounts[-2] == D("89787.50")  # 94,893.75 - (100,000 - 94,893.75)
    assert amounts[1] == D("94893.75")


def test_prepayment_above_principal_is_refused() -> None:
    with pytest.raises(RefusedError, match="exceeds the principal not yet due"):
        run(date(1996, 6, 3), pay(date(1996, 6, 3), "5000000.00", EventKind.PREPAYMENT))


def test_acceleration_makes_all_principal_due() -> None:
    events = (
        pay(date(1996, 4, 30), "206741.85"),
        pay(date(1996, 5, 31), "127538.52"),  # 94,893.75 + 32,644.77
        LoanEvent(date(1996, 6, 15), "cit-note", EventKind.ACCELERATION, None, "EoD"),
    )
    result = run(date(1996, 6, 15), *events)
    p = result.position
    assert p.principal_due == D("4365112.50")
    assert p.principal_not_due == D("0.00")
    # interest 05-31..06-14: 4,365,112.50 x 8.5% x 15/360 = 15,459.77, due at once
    assert p.interest_due == D("15459.77")
    assert p.total_due == D("4380572.27")


def test_usury_excess_is_credited() -> None:
    # With a 8% maximum, 0.5% of 4,554,900 for 104 days = 6,579.30 is credited.
    result = run(date(1996, 4, 30), usury_max_rate=D("0.08"))
    credit = [ln for ln in result.lines if ln.kind is LineKind.USURY_CREDIT]
    assert [ln.amount for ln in credit] == [D("6579.30")]
    assert result.position.interest_due == D("111848.10") - D("6579.30")


def test_every_line_is_balanced_and_cited() -> None:
    result = run(date(1996, 12, 31), pay(date(1996, 5, 10), "100000.00"))
    assert all(ln.amount > 0 and ln.cite and ln.term and ln.event for ln in result.lines)
    bal = balances(result.lines)
    assert sum(bal.values()) == 0
    p = result.position
    assert bal[Account.PRINCIPAL_RECEIVABLE] == p.principal_not_due
    assert bal[Account.PRINCIPAL_DUE] == p.principal_due
    assert bal[Account.INTEREST_DUE] == p.interest_due


def test_missing_fixing_is_reported() -> None:
    from loanbook.rates import Fixing

    market = Market.of([Fixing("LIBOR-1M", date(1996, 3, 1), D("0.05"))])
    with pytest.raises(MissingFixingError, match="no fixing in force on 1996-01-17"):
        run_loan(TermsHistory.single(cit_terms()), (), market, date(1996, 5, 1))


def test_unknown_index_is_reported() -> None:
    with pytest.raises(MissingFixingError, match="unknown index 'SOFR'"):
        run(date(1996, 5, 1), rate=cit_terms().rate.__class__(index="SOFR"))
