"""Late charges (``Accrual._accrue`` and ``_post_late``) on the small loan of ``simple_loan``:
02-01 falls due 12,000.00 of principal and 310.00 of interest (12,310.00); the late charge
runs on what is unpaid from the day after its due date, by its own day count.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from loanbook.engine import EventKind
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import Amortization, AmortizationKind, LateCharge
from loanbook.time import DayCount
from tests.engine.simple_loan import event, of_kind, run

FEB1, FEB11 = date(2024, 2, 1), date(2024, 2, 11)
L18 = LateCharge(D("0.18"))


def test_a_late_charge_line_and_its_due() -> None:
    # Paid nothing; run to 02-11: 12,310.00 x 18% x 10/360 (02-01..02-10) = 61.55, posted on
    # 02-11 (the end of the run) and due that day.
    result = run(FEB11, late_charge=L18)
    assert of_kind(result, LineKind.LATE_CHARGE) == [
        (
            FEB11,
            LineKind.LATE_CHARGE,
            D("61.55"),
            Account.LATE_CHARGE_RECEIVABLE,
            Account.LATE_CHARGE_INCOME,
            "t/as-of/2024-02-11",
            "loans.t.late_charge",
            "N ¶13",
            "late_charge",
            "at 18% a year on amounts unpaid from their due dates",
        )
    ]
    (late,) = [d for d in result.position.dues if d.component == "late_charge"]
    assert (late.due_date, late.amount, late.event, late.cite) == (
        FEB11,
        D("61.55"),
        "t/as-of/2024-02-11",
        "N ¶13",
    )
    assert result.position.late_charges == D("61.55")


def test_the_late_charge_uses_its_own_day_count() -> None:
    # actual/365 for late charges (interest stays actual/360):
    # 12,310.00 x 18% x 10/365 = 60.7068... -> 60.71
    result = run(FEB11, late_charge=LateCharge(D("0.18"), DayCount.ACT_365F))
    assert [r[2] for r in of_kind(result, LineKind.LATE_CHARGE)] == [D("60.71")]


def test_no_late_charge_on_the_due_date_nor_without_a_late_charge_term() -> None:
    # Run to 02-01 itself: nothing is late yet. Without a late charge term nothing is charged.
    assert of_kind(run(FEB1, late_charge=L18), LineKind.LATE_CHARGE) == []
    assert of_kind(run(FEB11), LineKind.LATE_CHARGE) == []
    assert run(FEB11).position.late_charges == D("0")


def test_a_late_charge_stops_on_what_is_paid() -> None:
    # 02-06 pays 310.00 + 12,000.00 (late, after the late charge of 5 days is posted first:
    # 12,310 x 18% x 5/360 = 30.775 -> 30.78, applied first after maturity).
    # 12,340.78 pays everything; nothing more is charged to 02-11.
    pay = event(date(2024, 2, 6), EventKind.PAYMENT, "12340.78")
    result = run(FEB11, pay, late_charge=L18)
    assert [(r[0], r[2]) for r in of_kind(result, LineKind.LATE_CHARGE)] == [
        (date(2024, 2, 6), D("30.78"))
    ]
    applied = [(r[8], r[2]) for r in of_kind(result, LineKind.PAYMENT_APPLIED)]
    assert applied == [
        ("late_charge", D("30.78")),
        ("interest", D("310.00")),
        ("principal", D("12000.00")),
    ]
    assert result.position.dues == ()


def test_a_late_charge_on_a_partly_paid_due_runs_on_what_is_left() -> None:
    # 02-01 pays 10,310.00 (interest, then 10,000 of principal): 2,000.00 left unpaid.
    # 02-11: 2,000 x 18% x 10/360 = 10.00.
    pay = event(FEB1, EventKind.PAYMENT, "10310.00")
    result = run(FEB11, pay, late_charge=L18)
    assert [r[2] for r in of_kind(result, LineKind.LATE_CHARGE)] == [D("10.00")]


def test_daily_runs_post_each_day_the_running_total_to_the_cent() -> None:
    # Close of business (daily): 12,310 x 18% / 360 = 6.155 a day, posted on the running
    # total rounded half-up: 6.155 -> 6.16 (02-02), 12.31 -> 6.15 (02-03), 18.465 -> 18.47
    # (6.16, 02-04); the late charges themselves bear none.
    result = run(date(2024, 2, 4), late_charge=L18, daily=True)
    got = [(r[0], r[2], r[5]) for r in of_kind(result, LineKind.LATE_CHARGE)]
    assert got == [
        (date(2024, 2, 2), D("6.16"), "t/accrual/2024-02-02"),
        (date(2024, 2, 3), D("6.15"), "t/accrual/2024-02-03"),
        (date(2024, 2, 4), D("6.16"), "t/accrual/2024-02-04"),
    ]


def test_a_late_charge_of_one_dollar_is_charged() -> None:
    # 02-01 pays 10,310.00, 2,000.00 left unpaid; one day later 2,000 x 18% x 1/360 = 1.00
    pay = event(FEB1, EventKind.PAYMENT, "10310.00")
    result = run(date(2024, 2, 2), pay, late_charge=L18)
    assert [r[2] for r in of_kind(result, LineKind.LATE_CHARGE)] == [D("1.00")]
    assert result.position.late_charges == D("1.00")


def test_a_late_charge_accrued_past_a_day_is_posted_with_the_next_day() -> None:
    # A bullet loan maturing at the end of 04-01, run day by day to 04-03 with nothing paid:
    # the maturity steps accrue to the end of 04-01 (04-02), and the late charge of that
    # last day is posted with the next day's (04-03): one late-charge line a day, none
    # twice, and together what a run straight to 04-03 charges.
    bullet = {"amortization": Amortization(AmortizationKind.BULLET), "maturity_end_of_day": True}
    daily = run(date(2024, 4, 3), late_charge=L18, daily=True, **bullet)
    once = run(date(2024, 4, 3), late_charge=L18, **bullet)
    days = [r[0] for r in of_kind(daily, LineKind.LATE_CHARGE)]
    assert len(days) == len(set(days))
    assert days[-2:] == [date(2024, 4, 1), date(2024, 4, 3)]
    assert daily.position.late_charges == once.position.late_charges


def test_a_due_of_one_dollar_bears_a_late_charge() -> None:
    # a fee of 1.00 on 01-10, unpaid: 01-10..01-31 (22 days) 1.00 x 18% x 22/360 = 0.011
    # -> 0.01, posted at the end of the run on 02-01 (the 02-01 dues are not late yet)
    result = run(FEB1, event(date(2024, 1, 10), EventKind.FEE, "1.00"), late_charge=L18)
    assert [r[2] for r in of_kind(result, LineKind.LATE_CHARGE)] == [D("0.01")]


def test_unpaid_late_charges_do_not_stop_later_dues_bearing_late_charges() -> None:
    # Day by day: a fee of 100.00 on 01-10 bears 100 x 18% / 360 = 0.05 a day (01-10..02-04,
    # 26 days: 1.30), its late charges none; the 02-01 dues of 12,310.00, listed after those
    # late charges, bear 6.155 a day (02-01..02-04, 4 days: 24.62): 25.92 by 02-05.
    fee = event(date(2024, 1, 10), EventKind.FEE, "100.00")
    result = run(date(2024, 2, 5), fee, late_charge=L18, daily=True)
    assert result.position.late_charges == D("25.92")
