"""Contract events (``engine/contract.py``, ``engine/rate.py``) on the small loan of
``simple_loan`` (36,000.00 from 2024-01-01, 10.00 a day at 10% actual/360, installments of
12,000.00 and interest on 02-01, 03-01, 04-01): capitalisation, purchase and termination,
a rate agreed in advance, period caps and floors, scaling, the lagged interest base and the
level payment computed again. Figures by hand under each test.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine import EventKind, TermsHistory
from loanbook.engine.rate import pct
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    InterestBase,
    PeriodRule,
    RateReset,
    RateSpec,
    Scaling,
)
from tests.engine.simple_loan import MONTHLY, event, market, monthly_from, of_kind, run, terms

JAN1, JAN15, FEB1, MAR1, APR1 = (
    date(2024, 1, 1),
    date(2024, 1, 15),
    date(2024, 2, 1),
    date(2024, 3, 1),
    date(2024, 4, 1),
)
IDX = market(("IDX", date(2023, 12, 1), "0.05"))


def cap_line(day: date, amount: str) -> tuple[object, ...]:
    return (
        day,
        LineKind.CAPITALIZATION,
        D(amount),
        Account.PRINCIPAL_RECEIVABLE,
        Account.INTEREST_ACCRUED,
        f"t/capitalization/{day.isoformat()}",
        "loans.t.capitalize_until",
        "N ¶14",
        "interest",
        "interest added to principal",
    )


def test_interest_is_added_to_principal_until_the_capitalisation_end() -> None:
    # A bullet loan, interest capitalised until 03-01: 02-01 adds January's 310.00 (36,310.00);
    # 03-01 adds 36,310 x 10% x 29/360 = 292.4972... -> 292.50 (36,602.50); 04-01 interest
    # 36,602.50 x 10% x 31/360 = 315.1882... -> 315.19 falls due with all the principal.
    result = run(APR1, amortization=Amortization(AmortizationKind.BULLET), capitalize_until=MAR1)
    assert of_kind(result, LineKind.CAPITALIZATION) == [
        cap_line(FEB1, "310.00"),
        cap_line(MAR1, "292.50"),
    ]
    assert [(r[0], r[2]) for r in of_kind(result, LineKind.INTEREST_DUE)] == [(APR1, D("315.19"))]
    assert [r[2] for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [D("36602.50")]


def trade(day: date, kind: LineKind, amount: str, dr: Account, cr: Account, comp: str, memo: str):  # type: ignore[no-untyped-def]
    return (
        day,
        kind,
        D(amount),
        dr,
        cr,
        f"{kind.value}:{day.isoformat()}:{kind.value} {day.isoformat()}",
        "trade.x",
        "S §1",
        comp,
        memo,
    )


def test_a_purchase_pays_the_clean_price_and_the_interest_accrued() -> None:
    # Bought on 01-15 at a clean price of 35,500.00 plus 14 days accrued (140.00): both paid
    # (Dr trading, Cr cash); the loan runs on.
    buy = event(JAN15, EventKind.PURCHASE, "35500.00", cite="S §1", term="trade.x")
    result = run(FEB1, buy)
    assert of_kind(result, LineKind.PURCHASE) == [
        trade(
            JAN15,
            LineKind.PURCHASE,
            "35500.00",
            Account.TRADING,
            Account.CASH,
            "price",
            "clean price",
        ),
        trade(
            JAN15,
            LineKind.PURCHASE,
            "140.00",
            Account.TRADING,
            Account.CASH,
            "interest",
            "interest accrued to the date",
        ),
    ]
    assert result.position.interest_due == D("310.00")


def test_a_termination_receives_the_price_and_the_accrued_and_delivers_the_principal() -> None:
    # Sold on 01-15 at 36,100.00: price received (Dr cash, Cr trading), the 140.00 accrued
    # received against interest accrued, the 36,000.00 principal delivered (Dr trading, Cr
    # principal receivable); then nothing more happens (no 02-01 installment or interest).
    sell = event(JAN15, EventKind.TERMINATION, "36100.00", cite="S §1", term="trade.x")
    result = run(APR1, sell)
    kind = LineKind.TERMINATION
    assert of_kind(result, kind) == [
        trade(JAN15, kind, "36100.00", Account.CASH, Account.TRADING, "price", "clean price"),
        trade(
            JAN15,
            kind,
            "140.00",
            Account.CASH,
            Account.INTEREST_ACCRUED,
            "interest",
            "interest accrued to the date",
        ),
        trade(
            JAN15,
            kind,
            "36000.00",
            Account.TRADING,
            Account.PRINCIPAL_RECEIVABLE,
            "principal",
            "principal outstanding delivered",
        ),
    ]
    assert max(ln.date for ln in result.lines) == JAN15
    p = result.position
    assert (p.principal_not_due, p.interest_accrued, p.dues) == (D("0"), D("0"), ())


def test_a_termination_without_a_clause_cites_the_loan() -> None:
    sell = event(JAN15, EventKind.TERMINATION, "36100.00")
    result = run(FEB1, sell)
    assert {(r[6], r[7]) for r in of_kind(result, LineKind.TERMINATION)} == {("", "N ¶1")}


def floating(**changes: object) -> RateSpec:
    base: dict[str, object] = {
        "index": "IDX",
        "margin": D("0.01"),
        "reset": RateReset.CYCLE,
        "reset_cycle": MONTHLY,
        "reset_anchor": FEB1,
    }
    base.update(changes)
    return RateSpec(**base)  # type: ignore[arg-type]


def rates(result):  # type: ignore[no-untyped-def]
    return [(r.start, r.quote.rate, r.quote.basis) for r in result.rates]


def test_the_first_reset_at_a_rate_agreed_in_advance() -> None:
    # 12% until 02-01, then the 7% agreed for the first reset (no fixing), then IDX 5% + 1% from
    # 03-01. Paid 02-01 (372.00 + 12,000): February 24,000 x 7% x 29/360 = 135.333... -> 135.33.
    spec = floating(initial=D("0.12"), next_reset_rate=D("0.07"))
    result = run(MAR1, event(FEB1, EventKind.PAYMENT, "12372.00"), mkt=IDX, rate=spec)
    assert rates(result) == [
        (JAN1, D("0.12"), "initial 12%"),
        (FEB1, D("0.07"), "agreed 7%"),
        (MAR1, D("0.06"), "IDX 5% (fixing of 2023-12-01) + 1%"),
    ]
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("372.00"), D("135.33")]
    assert {r.quote.cite for r in result.rates} == {"N ¶3"}  # the rate clause, agreed or not
    assert [(r.start, r.end) for r in result.rates] == [(JAN1, FEB1), (FEB1, MAR1), (MAR1, MAR1)]


def test_an_agreed_reset_not_yet_in_the_terms_in_force_reads_the_index() -> None:
    # The rate agreed for the first reset (02-01) comes with a version of the terms from
    # 03-01; on 02-01 the terms then in force agree none, so the index is read: IDX 5% + 1%.
    early = terms(rate=floating(initial=D("0.12")))
    later = terms(rate=floating(initial=D("0.12"), next_reset_rate=D("0.07")))
    history = TermsHistory(((JAN1, early), (MAR1, later)))
    result = run(MAR1, history=history, mkt=IDX)
    assert [(s, r) for s, r, _ in rates(result)] == [(JAN1, D("0.12")), (FEB1, D("0.06"))]


def test_a_reset_on_the_start_date_replaces_the_rate_of_the_advance() -> None:
    # Reset monthly from 01-01 itself: the rate set at the advance and the reset the same day
    # make one segment; the same rate at 02-01 makes no new one.
    result = run(MAR1, mkt=IDX, rate=floating(reset_anchor=JAN1))
    assert [(s, r) for s, r, _ in rates(result)] == [(JAN1, D("0.06"))]


def test_a_rise_held_to_the_period_cap_and_a_fall_to_the_period_floor() -> None:
    # From 4%, IDX 5% + 1% = 6% is held to a rise of 1%: 5%.
    up = run(FEB1, mkt=IDX, rate=floating(initial=D("0.04"), period_cap=D("0.01")))
    assert rates(up)[-1] == (FEB1, D("0.05"), "IDX 5% (fixing of 2023-12-01) + 1%, rise held to 1%")
    # From 9%, 6% is held to a fall of 1%: 8%.
    down = run(FEB1, mkt=IDX, rate=floating(initial=D("0.09"), period_floor=D("0.01")))
    assert rates(down)[-1] == (
        FEB1,
        D("0.08"),
        "IDX 5% (fixing of 2023-12-01) + 1%, fall held to 1%",
    )
    # Within the caps (4% -> 6% with 3% allowed each way): 6%.
    within = floating(initial=D("0.04"), period_cap=D("0.03"), period_floor=D("0.03"))
    assert rates(run(FEB1, mkt=IDX, rate=within))[-1][1] == D("0.06")


def test_the_period_cap_does_not_hold_the_first_rate() -> None:
    # Reset from the start (no rate before it): 6% with a period cap of 1% is not held.
    spec = floating(reset_anchor=JAN1, period_cap=D("0.01"), period_floor=D("0.01"))
    assert rates(run(JAN15, mkt=IDX, rate=spec))[0][1] == D("0.06")
    # Nor over an initial rate of 4% (the reset on the start replaces it the same day: one
    # segment, 6%, not 4% + 1% = 5%)
    spec = floating(reset_anchor=JAN1, period_cap=D("0.01"), initial=D("0.04"))
    assert [(s, r) for s, r, _ in rates(run(JAN15, mkt=IDX, rate=spec))] == [(JAN1, D("0.06"))]


def test_a_rate_cites_the_interest_rate_period_only_when_it_resets_by_period() -> None:
    # period_start resets with 000 §2(b)-style periods: the rate cites both clauses; a fixed
    # rate on a loan with Interest Rate Periods cites the rate clause alone
    by_period = RateSpec(index="IDX", margin=D("0.01"), reset=RateReset.PERIOD_START)
    result = run(JAN15, mkt=IDX, rate=by_period, interest_rate_period=PeriodRule.MONTH_END)
    assert {r.quote.cite for r in result.rates} == {"N ¶3; N ¶16"}
    assert {
        r[7]
        for r in of_kind(
            run(FEB1, mkt=IDX, rate=by_period, interest_rate_period=PeriodRule.MONTH_END),
            LineKind.ACCRUAL,
        )
    } == {"N ¶3; N ¶16"}
    fixed = run(JAN15, interest_rate_period=PeriodRule.MONTH_END)
    assert {r.quote.cite for r in fixed.rates} == {"N ¶3"}


def test_floor_cap_multiplier_and_fixing_lag() -> None:
    # floor 7% over 6%: 7%; cap 5%: 5%; 2 x 5% + 1% = 11%
    floor = rates(run(JAN15, mkt=IDX, rate=floating(reset_anchor=JAN1, floor=D("0.07"))))
    assert floor == [(JAN1, D("0.07"), "IDX 5% (fixing of 2023-12-01) + 1%, floored at 7%")]
    cap = rates(run(JAN15, mkt=IDX, rate=floating(reset_anchor=JAN1, cap=D("0.05"))))
    assert cap == [(JAN1, D("0.05"), "IDX 5% (fixing of 2023-12-01) + 1%, capped at 5%")]
    double = rates(run(JAN15, mkt=IDX, rate=floating(reset_anchor=JAN1, multiplier=D("2"))))
    assert double == [(JAN1, D("0.11"), "2 x IDX 5% (fixing of 2023-12-01) + 1%")]
    # IDX moves to 6% on 12-30; a 2-day lag reads the fixing in force on 12-30, 1 day later
    # than a 3-day lag (12-29, still 5%)
    two = market(("IDX", date(2023, 12, 1), "0.05"), ("IDX", date(2023, 12, 30), "0.06"))
    lag2 = rates(run(JAN15, mkt=two, rate=floating(reset_anchor=JAN1, fixing_lag_days=2)))
    lag3 = rates(run(JAN15, mkt=two, rate=floating(reset_anchor=JAN1, fixing_lag_days=3)))
    assert (lag2[0][1], lag3[0][1]) == (D("0.07"), D("0.06"))


def index_line(day: date, amount: str, event: str, memo: str) -> tuple[object, ...]:
    return (
        day,
        LineKind.INDEXATION,
        D(amount),
        Account.INDEXATION_RECEIVABLE,
        Account.INDEXATION_INCOME,
        event,
        "loans.t.scaling",
        "N ¶15",
        "indexation",
        memo,
    )


def test_payments_scaled_by_an_index() -> None:
    # CPI 110 over a base of 100, read on 01-15: both multipliers 1.1. On 02-01 the installment
    # 12,000.00 adds 12,000 x 0.1 = 1,200.00 and the interest 310.00 adds 31.00.
    scaling = Scaling("CPI", D("100"), monthly_from(JAN15, 1), interest=True, principal=True)
    mkt = market(("IDX", date(2023, 12, 1), "0.05"), ("CPI", date(2023, 12, 1), "110"))
    result = run(FEB1, mkt=mkt, scaling=scaling)
    assert of_kind(result, LineKind.INDEXATION) == [
        index_line(FEB1, "1200.00", "t/installment/1", "principal 12000.00 scaled by CPI x 1.1"),
        index_line(FEB1, "31.00", "t/interest/2024-02-01", "interest 310.00 scaled by CPI x 1.1"),
    ]
    dues = [
        (d.amount, d.event, d.cite) for d in result.position.dues if d.component == "indexation"
    ]
    assert dues == [
        (D("1200.00"), "t/installment/1", "N ¶15"),
        (D("31.00"), "t/interest/2024-02-01", "N ¶15"),
    ]


def test_scaling_before_the_first_scaling_date_and_of_interest_only() -> None:
    # First scaling date 03-15 (after the run): the initial multipliers hold, interest 1.05
    # (310.00 adds 15.50) and principal 1 (nothing added). Interest only: principal never
    # scaled even at CPI 110 (on 01-15), interest 310.00 adds 31.00.
    mkt = market(("CPI", date(2023, 12, 1), "110"))
    early = Scaling(
        "CPI",
        D("100"),
        monthly_from(date(2024, 3, 15), 1),
        principal=True,
        initial_interest=D("1.05"),
        initial_principal=D("1.5"),
    )
    result = run(FEB1, mkt=mkt, scaling=early)
    # principal 12,000 x (1.5 - 1) = 6,000.00; interest 310 x (1.05 - 1) = 15.50
    assert [r[2] for r in of_kind(result, LineKind.INDEXATION)] == [D("6000.00"), D("15.50")]
    assert (result.states[-1].interest_multiplier, result.states[-1].principal_multiplier) == (
        D("1.05"),
        D("1.5"),
    )
    only = Scaling("CPI", D("100"), monthly_from(JAN15, 1), initial_principal=D("2"))
    result = run(FEB1, mkt=mkt, scaling=only)
    assert [(r[2], r[9]) for r in of_kind(result, LineKind.INDEXATION)] == [
        (D("31.00"), "interest 310.00 scaled by CPI x 1.1")
    ]
    # after the 01-15 scaling date: interest x 1.1 (110 / 100), principal stays at its 2
    assert (result.states[-1].interest_multiplier, result.states[-1].principal_multiplier) == (
        D("1.1"),
        D("2"),
    )


def test_a_lagged_interest_base_catches_up_on_its_dates() -> None:
    # Base 30,000 to start, reset to the principal outstanding on 02-01 and 03-01. January
    # 30,000 x 10% x 31/360 = 258.333... -> 258.33; 02-01 pays 12,258.33, the base becomes
    # 24,000: February 24,000 x 10% x 29/360 = 193.333... -> 193.33.
    result = run(
        MAR1,
        event(FEB1, EventKind.PAYMENT, "12258.33"),
        interest_base=InterestBase.LAGGED,
        interest_base_amount=D("30000.00"),
        interest_base_schedule=monthly_from(FEB1),
    )
    assert [r[2] for r in of_kind(result, LineKind.INTEREST_DUE)] == [D("258.33"), D("193.33")]


def test_the_level_payment_computed_again_after_a_reset() -> None:
    # Level payments computed from the rate (none agreed) and again after each reset. IDX 5%
    # + 1% = 6% from 01-01; the first payment is computed on 01-31 (the day before the first
    # principal date) for 02-01, 03-01, 04-01 (29 and 31 days apart), with the interest to
    # 02-01 (36,000 x 6% x 31/360 = 186.00):
    #   f1 = 1 + 6% x 29/360, f2 = 1 + 6% x 31/360,
    #   P = 36,186 x f1 x f2 / (1 + f2 + f1 x f2) = 12,121.5392... -> 12,121.54.
    # 02-01: principal 12,121.54 - 186.00 = 11,935.54, paid. Computed again after the 02-01
    # reset on the 24,064.46 left, with the interest to 03-01 (24,064.46 x 6% x 29/360 =
    # 116.3116) and f = 1 + 6% x 31/360: (24,064.46 + 116.3116) x f / (1 + f) = 12,121.5388
    # -> 12,121.54, the same payment (the rate did not change).
    spec = floating(reset_anchor=JAN1)
    amort = Amortization(
        AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), recalculate_on_reset=True
    )
    pay = event(FEB1, EventKind.PAYMENT, "12121.54")
    result = run(FEB1, pay, mkt=IDX, rate=spec, amortization=amort)
    assert [r[2] for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [D("11935.54")]
    recalc = [(s.date, s.payment) for s in result.states if s.event.startswith("t/payment/")]
    assert recalc == [(date(2024, 1, 31), D("12121.54")), (FEB1, D("12121.54"))]


def test_a_level_payment_after_the_last_principal_date_is_what_is_left() -> None:
    # Principal dates 02-01 and 03-01 only (maturity 04-01), a reset on 03-15 computes the
    # payment again with no principal date left: the balance and the interest accrued.
    # Level payment 12,500 agreed at 10%: 02-01 principal 12,500 - 310.00 = 12,190.00 (paid);
    # 03-01 interest 23,810 x 10% x 29/360 = 191.8027... -> 191.80, the last principal date
    # takes the 23,810.00 left (paid with the interest). Nothing is outstanding on 03-15, no
    # interest accrued: the payment is 0.00.
    spec = floating(initial=D("0.10"), reset_anchor=date(2024, 3, 15))
    level = Amortization(
        AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 2), D("12500"), recalculate_on_reset=True
    )
    pays = (event(FEB1, EventKind.PAYMENT, "12500.00"), event(MAR1, EventKind.PAYMENT, "24001.80"))
    result = run(date(2024, 3, 15), *pays, mkt=IDX, rate=spec, amortization=level)
    assert [(s.date, s.payment) for s in result.states if s.event.startswith("t/payment/")] == [
        (date(2024, 3, 15), D("0.00"))
    ]
    # Unpaid instead, 24,001.80 is due on 03-15 and accrues at 10% then 6%: 03-01..03-14
    # 23,810 x 10% x 14/360 = 92.5944..., so the payment is 23,902.5944... -> 23,902.59.
    result = run(date(2024, 3, 15), pays[0], mkt=IDX, rate=spec, amortization=level)
    assert [(s.date, s.payment) for s in result.states if s.event.startswith("t/payment/")] == [
        (date(2024, 3, 15), D("23902.59"))
    ]


def test_no_level_payment_without_a_maturity_or_a_horizon() -> None:
    # With neither a maturity nor a horizon the payment cannot be computed: none falls due
    # before the last principal date, which takes all the principal (36,000.00).
    level = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3))
    result = run(APR1, amortization=level, maturity=None)
    assert [r[2] for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [D("36000.00")]
    # with a horizon (04-01) instead of a maturity it is computed: 02-01 principal
    # P - 310.00 with P = 36,310 x f1 x f2 / (1 + f2 + f1 x f2), f1 = 1 + 10% x 29/360,
    # f2 = 1 + 10% x 31/360: P = 12,202.7931... -> 12,202.79; principal 11,892.79.
    horizon = Amortization(AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), horizon=APR1)
    result = run(FEB1, amortization=horizon, maturity=None)
    assert [r[2] for r in of_kind(result, LineKind.INSTALLMENT_DUE)] == [D("11892.79")]


def test_rates_in_percent_as_the_ledger_writes_them() -> None:
    assert [pct(D(x)) for x in ("0.10", "0.054375", "-0.005", "0", "1.5")] == [
        "10%",
        "5.4375%",
        "-0.5%",
        "0%",
        "150%",
    ]


def test_a_rate_with_neither_an_index_nor_a_fixed_value_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"^loan t: the rate has neither an index nor a fixed value$"
    ):
        run(FEB1, rate=RateSpec())


def test_a_fixed_rate_is_preferred_to_the_initial_one() -> None:
    # fixed 10% and initial 12% without an index: the fixed rate, 310.00 for January
    result = run(FEB1, rate=RateSpec(fixed=D("0.10"), initial=D("0.12")))
    assert rates(result) == [(JAN1, D("0.10"), "fixed 10%")]


def test_a_rate_exactly_at_a_limit_is_not_said_to_be_held() -> None:
    # IDX 5% + 1% = 6% in every case, exactly at the limit: no "held", "floored" or "capped"
    plain = "IDX 5% (fixing of 2023-12-01) + 1%"
    at_rise = floating(initial=D("0.05"), period_cap=D("0.01"))
    at_fall = floating(initial=D("0.07"), period_floor=D("0.01"))
    at_floor = floating(reset_anchor=JAN1, floor=D("0.06"))
    at_cap = floating(reset_anchor=JAN1, cap=D("0.06"))
    for spec in (at_rise, at_fall, at_floor, at_cap):
        assert rates(run(FEB1, mkt=IDX, rate=spec))[-1][1:] == (D("0.06"), plain)


def test_a_trade_without_its_own_cite_cites_the_loan_clause_in_force_on_its_date() -> None:
    from dataclasses import replace
    from types import MappingProxyType

    from loanbook.terms.model import Citation

    note = terms()
    amended = replace(note, cites=MappingProxyType({**note.cites, "loan": Citation("AMD", "¶1")}))
    history = TermsHistory(((JAN1, note), (FEB1, amended)))
    result = run(MAR1, event(JAN15, EventKind.TERMINATION, "36100.00"), history=history)
    assert {r[7] for r in of_kind(result, LineKind.TERMINATION)} == {"N ¶1"}
