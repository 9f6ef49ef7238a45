"""The waterfall (003 ¶1 as the CIT note applies it): which due is paid first, from which
day the "after maturity" order applies, money held and applied later, and which clause a
payment line cites when the terms are amended later. Every figure is worked by hand below.

Figures used throughout (LIBOR flat 5.5% + 3% = 8.5%, ACT/360):
- April 30 interest: 4,554,900 x 8.5% x 104/360 = 111,848.10; installment 94,893.75.
- May interest, April installment paid: 4,460,006.25 x 8.5% x 31/360 = 32,644.77.
- May interest, April installment unpaid (interest accrues on all principal outstanding):
  4,554,900 x 8.5% x 31/360 = 387,166.50 x 31 / 360 = 33,339.3375 -> 33,339.34.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from types import MappingProxyType

from loanbook.engine import EventKind, LoanEvent, TermsHistory, run_loan
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import Citation, Waterfall
from tests.conftest import cit_terms, flat_libor


def pay(day: date, amount: str, kind: EventKind = EventKind.PAYMENT) -> LoanEvent:
    return LoanEvent(day, "cit-note", kind, D(amount), f"{kind.value} {day}")


def applied(result, day: date | None = None):  # type: ignore[no-untyped-def]
    """(component, due date in the memo, amount) of the payment lines, in posting order."""
    out = []
    for ln in result.lines:
        if ln.kind is LineKind.PAYMENT_APPLIED and (day is None or ln.date == day):
            due = ln.memo.split(" due ")[1][:10]
            out.append((ln.component, due, ln.amount))
    return out


def run(until: date, *events: LoanEvent, **terms: object):  # type: ignore[no-untyped-def]
    return run_loan(TermsHistory.single(cit_terms(**terms)), events, flat_libor(), until)


def test_several_overdue_periods_are_paid_oldest_first_within_each_component() -> None:
    # Nothing paid on 04-30 nor 05-31 (no late charge, to keep the arithmetic to the waterfall).
    # On 06-10 the after-maturity order is interest, then principal; within each, oldest first:
    #   April interest 111,848.10, May interest 33,339.34, then April principal with the rest:
    #   150,000 - 111,848.10 - 33,339.34 = 4,812.56; April principal left 94,893.75 - 4,812.56
    #   = 90,081.19; May principal untouched 94,893.75.
    result = run(date(1996, 6, 10), pay(date(1996, 6, 10), "150000.00"), late_charge=None)
    assert applied(result) == [
        ("interest", "1996-04-30", D("111848.10")),
        ("interest", "1996-05-31", D("33339.34")),
        ("principal", "1996-04-30", D("4812.56")),
    ]
    dues = {(d.component, d.due_date): d.amount for d in result.position.dues}
    assert dues == {
        ("principal", date(1996, 4, 30)): D("90081.19"),
        ("principal", date(1996, 5, 31)): D("94893.75"),
    }


def test_a_partial_payment_pays_the_oldest_interest_first() -> None:
    # 120,000 covers April's interest 111,848.10 and 8,151.90 of May's 33,339.34, leaving
    # 25,187.44 of May's interest; a newest-first order would leave April's unpaid instead.
    result = run(date(1996, 6, 10), pay(date(1996, 6, 10), "120000.00"), late_charge=None)
    assert applied(result) == [
        ("interest", "1996-04-30", D("111848.10")),
        ("interest", "1996-05-31", D("8151.90")),
    ]
    dues = {(d.component, d.due_date): d.amount for d in result.position.dues}
    assert dues[("interest", date(1996, 5, 31))] == D("25187.44")  # 33,339.34 - 8,151.90
    assert ("interest", date(1996, 4, 30)) not in dues


# A waterfall whose two orders differ, so the order used shows which one applied.
PRINCIPAL_FIRST = Waterfall(before_maturity=("principal", "interest"), after_maturity=("interest",))


def test_a_payment_on_the_due_date_is_not_after_maturity() -> None:
    # On 04-30 the installment is due, not overdue: the before-maturity order applies,
    # principal 94,893.75 first, then interest 100,000 - 94,893.75 = 5,106.25.
    result = run(date(1996, 4, 30), pay(date(1996, 4, 30), "100000.00"), waterfall=PRINCIPAL_FIRST)
    assert applied(result) == [
        ("principal", "1996-04-30", D("94893.75")),
        ("interest", "1996-04-30", D("5106.25")),
    ]
    memos = [ln.memo for ln in result.lines if ln.kind is LineKind.PAYMENT_APPLIED]
    assert not any("after maturity" in m for m in memos)


def test_the_after_maturity_order_starts_the_day_after_the_due_date() -> None:
    # On 05-01 the installment of 04-30 is past due: the after-maturity order pays interest
    # first, all 100,000 of it (of 111,848.10), and then principal: nothing left for it.
    result = run(
        date(1996, 5, 1),
        pay(date(1996, 5, 1), "100000.00"),
        waterfall=PRINCIPAL_FIRST,
        late_charge=None,
    )
    assert applied(result) == [("interest", "1996-04-30", D("100000.00"))]
    memos = [ln.memo for ln in result.lines if ln.kind is LineKind.PAYMENT_APPLIED]
    assert all(m.endswith("after maturity of an installment") for m in memos)


def test_an_overpayment_is_held_then_applied_when_the_next_dues_fall_due() -> None:
    # 04-30: 300,000 received; 206,741.85 due (111,848.10 + 94,893.75); 93,258.15 held.
    # 05-31: interest 32,644.77 and principal 94,893.75 fall due; the held 93,258.15 pays the
    # interest, then 93,258.15 - 32,644.77 = 60,613.38 of principal, leaving 34,280.37 due.
    result = run(date(1996, 5, 31), pay(date(1996, 4, 30), "300000.00"))
    held = [ln for ln in result.lines if ln.kind is LineKind.UNAPPLIED]
    assert [(ln.date, ln.amount, ln.debit, ln.credit) for ln in held] == [
        (date(1996, 4, 30), D("93258.15"), Account.CASH, Account.UNAPPLIED_FUNDS)
    ]
    from_held = [
        (ln.component, ln.amount)
        for ln in result.lines
        if ln.kind is LineKind.PAYMENT_APPLIED and ln.debit is Account.UNAPPLIED_FUNDS
    ]
    assert from_held == [("interest", D("32644.77")), ("principal", D("60613.38"))]
    p = result.position
    assert p.unapplied == D("0.00")
    assert p.principal_due == D("34280.37")
    assert p.interest_due == D("0.00")


def test_an_overpayment_larger_than_the_next_dues_stays_held_for_the_borrower() -> None:
    # 04-30: 400,000 - 206,741.85 = 193,258.15 held; 05-31: 127,538.52 (32,644.77 + 94,893.75)
    # applied from it; 193,258.15 - 127,538.52 = 65,719.63 still held.
    result = run(date(1996, 5, 31), pay(date(1996, 4, 30), "400000.00"))
    p = result.position
    assert p.unapplied == D("65719.63")
    assert p.total_due == D("-65719.63")
    assert p.principal_due == p.interest_due == D("0.00")


def _amended_history(effective: date) -> TermsHistory:
    """The note with a later amendment ("AMD-7 §1") that changes the waterfall from
    ``effective`` on (interest first even before maturity, as the default)."""
    original = cit_terms(
        cites=MappingProxyType(
            {
                "loan": Citation("003", "¶1"),
                "waterfall": Citation("003", "¶1"),
                "interest_rate_period": Citation("000", "§2(b)"),
            }
        )
    )
    amended = replace(
        original,
        waterfall=Waterfall(before_maturity=("principal", "interest")),
        cites=MappingProxyType({**original.cites, "waterfall": Citation("AMD-7", "§1")}),
    )
    return TermsHistory(((original.start, original), (effective, amended)))


def test_a_payment_cites_the_waterfall_in_force_when_it_was_applied() -> None:
    # The amendment takes effect 1996-05-15: the 04-30 payment was applied under 003 ¶1
    # (interest first) and must keep citing 003 ¶1; the 05-31 payment is applied under the
    # amendment (principal first) and cites it.
    hist = _amended_history(date(1996, 5, 15))
    events = (pay(date(1996, 4, 30), "206741.85"), pay(date(1996, 5, 31), "127538.52"))
    result = run_loan(hist, events, flat_libor(), date(1996, 5, 31))
    lines = [
        (ln.date, ln.component, ln.amount, ln.cite)
        for ln in result.lines
        if ln.kind is LineKind.PAYMENT_APPLIED
    ]
    assert lines == [
        (date(1996, 4, 30), "interest", D("111848.10"), "003 ¶1"),
        (date(1996, 4, 30), "principal", D("94893.75"), "003 ¶1"),
        (date(1996, 5, 31), "principal", D("94893.75"), "AMD-7 §1"),
        (date(1996, 5, 31), "interest", D("32644.77"), "AMD-7 §1"),
    ]


def test_held_funds_cite_the_waterfall_in_force_on_the_day_they_are_held() -> None:
    hist = _amended_history(date(1996, 5, 15))
    result = run_loan(hist, (pay(date(1996, 4, 30), "300000.00"),), flat_libor(), date(1996, 5, 31))
    cites = {(ln.date, ln.kind): ln.cite for ln in result.lines if ln.kind is LineKind.UNAPPLIED}
    assert cites == {(date(1996, 4, 30), LineKind.UNAPPLIED): "003 ¶1"}
    later = {ln.cite for ln in result.lines if ln.debit is Account.UNAPPLIED_FUNDS}
    assert later == {"AMD-7 §1"}  # applied on 05-31, under the amendment


def test_daily_late_charges_do_not_compound_and_add_up_to_the_period_charge() -> None:
    # Close-of-business mode posts the late charge every day on the running total:
    # 206,741.85 x 18% / 360 = 103.370925 a day; after 10 days (05-01..05-10) the posted
    # charges add up to 206,741.85 x 18% x 10/360 = 1,033.70925 -> 1,033.71, exactly as one
    # charge for the period: unpaid late charges bear no late charge themselves.
    result = run_loan(
        TermsHistory.single(cit_terms()), (), flat_libor(), date(1996, 5, 10), daily=True
    )
    late = [(ln.date, ln.amount) for ln in result.lines if ln.kind is LineKind.LATE_CHARGE]
    assert len(late) == 10 and late[0] == (date(1996, 5, 1), D("103.37"))
    assert sum(amount for _, amount in late) == D("1033.71")
    assert result.position.late_charges == D("1033.71")
