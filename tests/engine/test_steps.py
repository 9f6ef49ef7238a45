"""The timeline of a run (``engine/steps.py``): Interest Rate Periods, reset dates, interest
dates, and the steps built from the terms and events, listed by hand for the small loan of
``simple_loan`` (36,000.00 from 2024-01-01, installments and interest on the 1st of February,
March and April, maturity 2024-04-01).

Calendar facts: 2024 is a leap year (February has 29 days); 2024-03-30 is a Saturday,
2024-03-31 a Sunday, 2024-04-01 a Monday, 2024-06-01 a Saturday and 2024-06-03 a Monday.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from loanbook.engine import EventKind
from loanbook.engine.installments import build_installments
from loanbook.engine.steps import (
    StepKind,
    build_steps,
    interest_rate_period_starts,
    interest_schedule,
    reset_dates,
    reset_schedule,
)
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    InterestBase,
    PaymentSchedule,
    PeriodRule,
    RateReset,
    RateSpec,
    Scaling,
)
from loanbook.time import BusinessDayConvention
from tests.engine.simple_loan import MONTHLY, event, market, monthly_from, terms

F = BusinessDayConvention.FOLLOWING
P = BusinessDayConvention.PRECEDING
JAN1, FEB1, MAR1, APR1 = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
NO_MARKET = market()


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_interest_rate_periods_from_the_loan_date() -> None:
    loan = terms(start=d("1996-01-17"), interest_rate_period=PeriodRule.LOAN_DATE_MONTHLY)
    assert interest_rate_period_starts(loan, d("1996-04-17")) == (
        d("1996-01-17"),
        d("1996-02-17"),
        d("1996-03-17"),
    )


def test_interest_rate_periods_from_a_loan_date_on_a_month_end() -> None:
    # one-month periods from 02-29: the 29th of each month, not the month-ends
    loan = terms(start=d("2024-02-29"), interest_rate_period=PeriodRule.LOAN_DATE_MONTHLY)
    assert interest_rate_period_starts(loan, d("2024-05-01")) == (
        d("2024-02-29"),
        d("2024-03-29"),
        d("2024-04-29"),
    )


def test_interest_rate_periods_from_month_ends() -> None:
    # 000 §2(b): from 02-10 to the day before the month's end, then month-ends (03-31, not the
    # 29th the February end would give without the month-end rule)
    loan = terms(start=d("2024-02-10"), interest_rate_period=PeriodRule.MONTH_END)
    assert interest_rate_period_starts(loan, d("2024-04-30")) == (
        d("2024-02-10"),
        d("2024-02-29"),
        d("2024-03-31"),
    )
    # a loan made on a month-end: month-ends from it
    on_end = terms(start=d("2024-02-29"), interest_rate_period=PeriodRule.MONTH_END)
    assert interest_rate_period_starts(on_end, d("2024-05-31")) == (
        d("2024-02-29"),
        d("2024-03-31"),
        d("2024-04-30"),
    )


def test_reset_schedules_by_rule() -> None:
    period = terms(
        start=d("2024-02-10"),
        interest_rate_period=PeriodRule.MONTH_END,
        rate=RateSpec(index="P", reset=RateReset.PERIOD_START),
    )
    assert reset_schedule(period, NO_MARKET, d("2024-04-30")) == (
        (d("2024-02-10"), d("2024-02-10")),
        (d("2024-02-29"), d("2024-02-29")),
        (d("2024-03-31"), d("2024-03-31")),
    )
    # daily: the start, then each day a new fixing takes effect before the end
    prime = market(
        ("P", d("2023-12-01"), "0.08"),
        ("P", d("2024-01-10"), "0.085"),
        ("P", d("2024-02-05"), "0.09"),
        ("P", d("2024-03-01"), "0.095"),
    )
    daily = terms(rate=RateSpec(index="P", reset=RateReset.DAILY))
    assert [x for x, _ in reset_schedule(daily, prime, MAR1)] == [
        JAN1,
        d("2024-01-10"),
        d("2024-02-05"),
    ]
    # daily without an index, and a fixed rate: no resets
    assert (
        reset_schedule(terms(rate=RateSpec(fixed=D("0.1"), reset=RateReset.DAILY)), prime, MAR1)
        == ()
    )
    assert reset_schedule(terms(), prime, MAR1) == ()


def test_reset_schedules_on_a_cycle() -> None:
    # an explicit schedule, to the maturity or the end of the run, whichever is first
    sched = monthly_from(d("2024-01-15"))
    by_schedule = terms(rate=RateSpec(index="P", reset=RateReset.CYCLE, reset_schedule=sched))
    assert [x for x, _ in reset_schedule(by_schedule, NO_MARKET, d("2024-12-31"))] == [
        d("2024-01-15"),
        d("2024-02-15"),
        d("2024-03-15"),
    ]
    assert [x for x, _ in reset_schedule(by_schedule, NO_MARKET, d("2024-03-01"))] == [
        d("2024-01-15"),
        d("2024-02-15"),
    ]
    # a cycle from its anchor, month-ends kept when the anchor is one (02-29 -> 03-31)
    cycle = RateSpec(
        index="P", reset=RateReset.CYCLE, reset_cycle=MONTHLY, reset_anchor=d("2024-02-29")
    )
    assert reset_schedule(terms(rate=cycle), NO_MARKET, d("2024-04-15")) == (
        (d("2024-02-29"), d("2024-02-29")),
        (d("2024-03-31"), d("2024-03-31")),
    )
    # no anchor: from the start; reset_dates leaves out dates before the start
    from_start = RateSpec(index="P", reset=RateReset.CYCLE, reset_cycle=MONTHLY)
    assert reset_dates(terms(rate=from_start), NO_MARKET, d("2024-03-15")) == (JAN1, FEB1, MAR1)
    early = RateSpec(
        index="P", reset=RateReset.CYCLE, reset_cycle=MONTHLY, reset_anchor=d("2023-12-01")
    )
    assert reset_dates(terms(rate=early), NO_MARKET, d("2024-02-15")) == (JAN1, FEB1)
    # daily resets read the market: the start and each new fixing
    prime = market(("P", d("2023-12-01"), "0.08"), ("P", d("2024-01-10"), "0.085"))
    daily = terms(rate=RateSpec(index="P", reset=RateReset.DAILY))
    assert reset_dates(daily, prime, MAR1) == (JAN1, d("2024-01-10"))


def test_interest_dates_continue_past_the_maturity_while_the_run_goes_on() -> None:
    assert [x for x, _ in interest_schedule(terms(), d("2024-02-15"))] == [FEB1, MAR1, APR1]
    assert [x for x, _ in interest_schedule(terms(), d("2024-06-15"))] == [
        FEB1,
        MAR1,
        APR1,
        d("2024-05-01"),
        d("2024-06-01"),
    ]
    # with a count: the cycle to the maturity or the end of the run
    counted = terms(interest_schedule=monthly_from(FEB1, 2))
    assert [x for x, _ in interest_schedule(counted, d("2024-05-15"))] == [
        FEB1,
        MAR1,
        APR1,
        d("2024-05-01"),
    ]
    # no maturity and no end: to the end of the run only
    open_ended = terms(maturity=None)
    assert [x for x, _ in interest_schedule(open_ended, d("2024-03-15"))] == [FEB1, MAR1]


def test_the_maturity_closes_a_stub_period() -> None:
    # maturity 04-15 off the cycle: the last period is a stub to it
    assert [x for x, _ in interest_schedule(terms(maturity=d("2024-04-15")), FEB1)] == [
        FEB1,
        MAR1,
        APR1,
        d("2024-04-15"),
    ]
    # the schedule's own end after the maturity: the maturity is an interest date too
    sched = PaymentSchedule(FEB1, MONTHLY, eom=False, end=d("2024-06-01"))
    loan = terms(interest_schedule=sched, maturity=d("2024-04-15"))
    assert [x for x, _ in interest_schedule(loan, FEB1)] == [
        FEB1,
        MAR1,
        APR1,
        d("2024-04-15"),
        d("2024-05-01"),
        d("2024-06-01"),
    ]


def test_interest_dates_moved_to_business_days() -> None:
    # 01-30 monthly (02-29, 03-30) to the maturity 03-31: 03-30 (Saturday) and 03-31 (Sunday)
    # both move to 04-01, one interest date, calculated to the first (03-30) when the schedule
    # calculates to unadjusted dates.
    sched = PaymentSchedule(
        d("2024-01-30"), MONTHLY, eom=False, convention=F, calendar="weekdays", calc_unadjusted=True
    )
    loan = terms(interest_schedule=sched, maturity=d("2024-03-31"))
    assert interest_schedule(loan, JAN1) == (
        (d("2024-01-30"), d("2024-01-30")),
        (d("2024-02-29"), d("2024-02-29")),
        (APR1, d("2024-03-30")),
    )
    moved = PaymentSchedule(d("2024-01-30"), MONTHLY, eom=False, convention=F, calendar="weekdays")
    assert interest_schedule(terms(interest_schedule=moved, maturity=d("2024-03-31")), JAN1)[
        -1
    ] == (
        APR1,
        APR1,
    )


def steps_of(loan, *events, until=APR1, extra=()):  # type: ignore[no-untyped-def]
    steps = build_steps(loan, build_installments(loan), events, NO_MARKET, until, extra)
    return [(s.date, s.kind, s.seq, s.event_id, s.calc_date) for s in steps]


def test_the_steps_of_the_small_loan_in_order() -> None:
    # On each date: principal (30) before interest (80); the last installment, on the
    # maturity, is the maturity step (190), after the interest of that day.
    assert steps_of(terms()) == [
        (JAN1, StepKind.ADVANCE, 0, "t/advance", None),
        (FEB1, StepKind.PRINCIPAL_DUE, 1, "t/installment/1", None),
        (FEB1, StepKind.INTEREST_DUE, 0, "t/interest/2024-02-01", None),
        (MAR1, StepKind.PRINCIPAL_DUE, 2, "t/installment/2", None),
        (MAR1, StepKind.INTEREST_DUE, 1, "t/interest/2024-03-01", None),
        (APR1, StepKind.INTEREST_DUE, 2, "t/interest/2024-04-01", None),
        (APR1, StepKind.MATURITY, 3, "t/installment/3", None),
    ]
    # only the steps up to the end of the run (inclusive)
    assert [s[3] for s in steps_of(terms(), until=FEB1)] == [
        "t/advance",
        "t/installment/1",
        "t/interest/2024-02-01",
    ]


def test_input_events_replace_the_advance_and_take_their_kind() -> None:
    # an advance event replaces the scheduled advance; an end-of-day payment is calculated to
    # the next day; each input step keeps its input order as tie-break
    events = (
        event(JAN1, EventKind.ADVANCE, "36000.00"),
        event(d("2024-01-10"), EventKind.PAYMENT, "1.00", end_of_day="yes"),
        event(d("2024-01-10"), EventKind.PREPAYMENT, "1.00"),
        event(d("2024-01-10"), EventKind.FEE, "1.00"),
        event(d("2024-01-11"), EventKind.ACCELERATION),
        event(d("2024-01-11"), EventKind.NOTICE),  # not a step
        event(d("2024-01-12"), EventKind.PURCHASE, "1.00"),
        event(d("2024-01-12"), EventKind.TERMINATION, "1.00"),
    )
    got = [s for s in steps_of(terms(), *events, until=d("2024-01-31"))]
    assert got == [
        (JAN1, StepKind.ADVANCE, 0, events[0].event_id, None),
        (d("2024-01-10"), StepKind.FEE, 3, events[3].event_id, None),
        (d("2024-01-10"), StepKind.PAYMENT, 1, events[1].event_id, d("2024-01-11")),
        (d("2024-01-10"), StepKind.PREPAYMENT, 2, events[2].event_id, None),
        (d("2024-01-11"), StepKind.ACCELERATION, 4, events[4].event_id, None),
        (d("2024-01-12"), StepKind.PURCHASE, 6, events[6].event_id, None),
        (d("2024-01-12"), StepKind.TERMINATION, 7, events[7].event_id, None),
    ]


def test_capitalisation_steps_replace_interest_dates_up_to_the_end_date() -> None:
    loan = terms(capitalize_until=MAR1)
    interest = (StepKind.INTEREST_DUE, StepKind.CAPITALIZATION)
    got = [(s[0], s[1], s[2], s[3]) for s in steps_of(loan) if s[1] in interest]
    assert got == [
        (FEB1, StepKind.CAPITALIZATION, 0, "t/capitalization/2024-02-01"),
        (MAR1, StepKind.CAPITALIZATION, 0, "t/capitalization/2024-03-01"),
        (APR1, StepKind.INTEREST_DUE, 2, "t/interest/2024-04-01"),
    ]
    # capitalised from the start itself: a step on the start date
    start = [(s[0], s[1]) for s in steps_of(terms(capitalize_until=JAN1))]
    assert (JAN1, StepKind.CAPITALIZATION) in start
    # a capitalisation end off the interest dates is a step of its own
    mid = [(s[0], s[1]) for s in steps_of(terms(capitalize_until=d("2024-02-15")))]
    assert (d("2024-02-15"), StepKind.CAPITALIZATION) in mid
    assert (FEB1, StepKind.CAPITALIZATION) in mid and (MAR1, StepKind.INTEREST_DUE) in mid


def test_the_level_payment_is_computed_the_day_before_the_first_principal_date() -> None:
    level = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3))
    got = [s for s in steps_of(terms(amortization=level)) if s[1] is StepKind.PAYMENT_RECALC]
    assert got == [(d("2024-01-31"), StepKind.PAYMENT_RECALC, 0, "t/payment/2024-01-31", None)]
    # agreed payment: no step; first principal date the day after the start: none either
    agreed = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500"))
    assert not [s for s in steps_of(terms(amortization=agreed)) if s[1] is StepKind.PAYMENT_RECALC]
    soon = Amortization(AmortizationKind.NEGATIVE, monthly_from(d("2024-01-02"), 3))
    assert not [s for s in steps_of(terms(amortization=soon)) if s[1] is StepKind.PAYMENT_RECALC]


def test_interest_base_and_scaling_steps_on_their_schedules() -> None:
    lagged = terms(interest_base=InterestBase.LAGGED, interest_base_schedule=monthly_from(FEB1))
    base = [(s[0], s[3]) for s in steps_of(lagged) if s[1] is StepKind.INTEREST_BASE]
    assert base == [(FEB1, "t/interest-base/2024-02-01"), (MAR1, "t/interest-base/2024-03-01")]
    # before the start: left out
    scaling = Scaling("CPI", D("100"), monthly_from(d("2023-12-15")))
    scaled = [(s[0], s[3]) for s in steps_of(terms(scaling=scaling)) if s[1] is StepKind.SCALING]
    assert scaled == [
        (d("2024-01-15"), "t/scaling/2024-01-15"),
        (d("2024-02-15"), "t/scaling/2024-02-15"),
        (d("2024-03-15"), "t/scaling/2024-03-15"),
    ]


def test_a_loan_maturing_at_the_end_of_its_last_day() -> None:
    # every scheduled step on the maturity is calculated to the next day; input events not
    pay = event(APR1, EventKind.PAYMENT, "1.00")
    got = [s for s in steps_of(terms(maturity_end_of_day=True), pay) if s[0] == APR1]
    assert got == [
        (APR1, StepKind.INTEREST_DUE, 2, "t/interest/2024-04-01", d("2024-04-02")),
        (APR1, StepKind.PAYMENT, 0, pay.event_id, None),
        (APR1, StepKind.MATURITY, 3, "t/installment/3", d("2024-04-02")),
    ]


def test_the_maturity_step_on_the_maturity_moved_to_a_business_day() -> None:
    # maturity 03-31 (Sunday); the principal schedule moves it to 04-01 (following), so the
    # last installment there is still the maturity step. A bullet matures on the date itself.
    sched = PaymentSchedule(FEB1, MONTHLY, eom=False, count=3, convention=F, calendar="weekdays")
    loan = terms(
        amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched), maturity=d("2024-03-31")
    )
    last = [s for s in steps_of(loan) if s[3] == "t/installment/3"]
    assert [(s[0], s[1]) for s in last] == [(APR1, StepKind.MATURITY)]
    bullet = terms(amortization=Amortization(AmortizationKind.BULLET), maturity=d("2024-03-31"))
    assert [(s[0], s[1]) for s in steps_of(bullet) if s[3] == "t/installment/1"] == [
        (d("2024-03-31"), StepKind.MATURITY)
    ]


def test_reset_steps_agreed_first_then_by_the_index_then_payment_recomputed() -> None:
    spec = RateSpec(
        index="P",
        reset=RateReset.CYCLE,
        reset_cycle=MONTHLY,
        reset_anchor=JAN1,
        next_reset_rate=D("0.07"),
    )
    level = Amortization(
        AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500"), recalculate_on_reset=True
    )
    loan = terms(rate=spec, amortization=level)
    got = [
        s
        for s in steps_of(loan, until=MAR1)
        if s[1] >= StepKind.RATE_SET and s[1] <= StepKind.PAYMENT_RECALC
    ]
    assert got == [
        (JAN1, StepKind.RATE_SET, 0, "t/rate/2024-01-01", None),
        (FEB1, StepKind.RATE_RESET, 0, "t/rate/2024-02-01", None),
        (FEB1, StepKind.PAYMENT_RECALC, 1, "t/payment/2024-02-01", None),
        (MAR1, StepKind.RATE_RESET, 0, "t/rate/2024-03-01", None),
        (MAR1, StepKind.PAYMENT_RECALC, 1, "t/payment/2024-03-01", None),
    ]


def test_a_new_version_of_the_terms_is_a_reset() -> None:
    # a fixed rate has no resets of its own; a version of the terms from 02-15 adds one
    got = [
        (s[0], s[1])
        for s in steps_of(terms(), until=MAR1, extra=(d("2024-02-15"), d("2023-01-01")))
    ]
    assert (d("2024-02-15"), StepKind.RATE_RESET) in got
    assert all(x >= JAN1 for x, _ in got)


def test_interest_base_steps_calculated_to_unadjusted_dates_from_the_start() -> None:
    # a base reset schedule from the start itself (01-01 kept), dates moved by the weekdays
    # calendar: 06-01 (Saturday) due 06-03, calculated to 06-01
    sched = PaymentSchedule(
        JAN1, MONTHLY, eom=False, count=6, convention=F, calendar="weekdays", calc_unadjusted=True
    )
    loan = terms(
        interest_base=InterestBase.LAGGED, interest_base_schedule=sched, maturity=d("2024-07-01")
    )
    got = [s for s in steps_of(loan, until=d("2024-06-30")) if s[1] is StepKind.INTEREST_BASE]
    assert got[0] == (JAN1, StepKind.INTEREST_BASE, 0, "t/interest-base/2024-01-01", None)
    assert got[-1] == (
        d("2024-06-03"),
        StepKind.INTEREST_BASE,
        0,
        "t/interest-base/2024-06-03",
        d("2024-06-01"),
    )
    assert len(got) == 6


def test_the_last_installment_before_the_maturity_is_an_installment() -> None:
    # principal on 02-01 and 03-01 only, maturity 04-01: the 03-01 installment is an ordinary
    # one (before the interest of the day), not the maturity step
    loan = terms(amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL, monthly_from(FEB1, 2)))
    got = [(s[0], s[1], s[3]) for s in steps_of(loan) if s[0] == MAR1]
    assert got == [
        (MAR1, StepKind.PRINCIPAL_DUE, "t/installment/2"),
        (MAR1, StepKind.INTEREST_DUE, "t/interest/2024-03-01"),
    ]


def test_explicit_installments_end_with_the_maturity_step() -> None:
    explicit = Amortization(
        AmortizationKind.EXPLICIT, explicit=((FEB1, D("6000")), (APR1, D("30000")))
    )
    got = [(s[0], s[1]) for s in steps_of(terms(amortization=explicit)) if "installment" in s[3]]
    assert got == [(FEB1, StepKind.PRINCIPAL_DUE), (APR1, StepKind.MATURITY)]


def test_installment_steps_calculated_to_unadjusted_dates() -> None:
    # 06-01 (Saturday) due 06-03, calculated to 06-01
    sched = PaymentSchedule(
        d("2024-05-01"),
        MONTHLY,
        eom=False,
        count=2,
        convention=F,
        calendar="weekdays",
        calc_unadjusted=True,
    )
    loan = terms(
        amortization=Amortization(AmortizationKind.LEVEL_PRINCIPAL, sched), maturity=d("2024-06-03")
    )
    got = [
        (s[0], s[1], s[4]) for s in steps_of(loan, until=d("2024-06-30")) if "installment" in s[3]
    ]
    assert got == [
        (d("2024-05-01"), StepKind.PRINCIPAL_DUE, None),
        (d("2024-06-03"), StepKind.MATURITY, d("2024-06-01")),
    ]


def test_interest_dates_before_the_start_are_left_out() -> None:
    # interest monthly from 2023-12-01: the 12-01 date is before the start and dropped
    loan = terms(interest_schedule=monthly_from(d("2023-12-01")))
    got = [s[0] for s in steps_of(loan, until=MAR1) if s[1] is StepKind.INTEREST_DUE]
    assert got == [JAN1, FEB1, MAR1]


def test_reset_steps_calculated_to_unadjusted_dates() -> None:
    # resets on the 1st, moved to business days (06-01, a Saturday, to 06-03) and calculated
    # to the unadjusted date; the level payment computed again with each, to the same date
    sched = PaymentSchedule(
        d("2024-05-01"), MONTHLY, eom=False, convention=F, calendar="weekdays", calc_unadjusted=True
    )
    spec = RateSpec(index="P", reset=RateReset.CYCLE, reset_schedule=sched)
    level = Amortization(
        AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), D("12500"), recalculate_on_reset=True
    )
    loan = terms(rate=spec, amortization=level, maturity=d("2024-12-01"))
    got = [s for s in steps_of(loan, until=d("2024-06-30")) if s[0] == d("2024-06-03")]
    assert got == [
        (d("2024-06-03"), StepKind.RATE_RESET, 0, "t/rate/2024-06-03", d("2024-06-01")),
        (d("2024-06-03"), StepKind.PAYMENT_RECALC, 1, "t/payment/2024-06-03", d("2024-06-01")),
    ]


def test_a_counted_interest_schedule_keeps_month_ends_and_its_last_date() -> None:
    # 3 month-end dates from 02-29: 03-31 and 04-30 (not the 29th), the last one included
    sched = PaymentSchedule(d("2024-02-29"), MONTHLY, eom=True, count=3)
    loan = terms(interest_schedule=sched, maturity=d("2024-04-30"))
    assert [x for x, _ in interest_schedule(loan, FEB1)] == [
        d("2024-02-29"),
        d("2024-03-31"),
        d("2024-04-30"),
    ]


def test_a_fixed_rate_has_no_resets_even_with_a_cycle() -> None:
    spec = RateSpec(fixed=D("0.1"), reset=RateReset.FIXED, reset_cycle=MONTHLY)
    assert reset_schedule(terms(rate=spec), NO_MARKET, d("2024-06-01")) == ()


def test_a_reset_moved_back_into_the_run_is_in_it() -> None:
    # Resets on the 1st, preceding business day: 2024-06-01 (a Saturday) moves to Friday 05-31.
    # A run to 05-31 should show the rate reset on 05-31, as a run to 06-01 does.
    sched = PaymentSchedule(d("2024-01-01"), MONTHLY, eom=False, convention=P, calendar="weekdays")
    spec = RateSpec(index="P", reset=RateReset.CYCLE, reset_schedule=sched)
    loan = terms(rate=spec, maturity=d("2024-12-01"))
    got = [(s[0], s[1]) for s in steps_of(loan, until=d("2024-05-31"))]
    assert (d("2024-05-31"), StepKind.RATE_RESET) in got
