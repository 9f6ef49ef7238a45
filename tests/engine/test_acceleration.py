"""Acceleration (``Servicing._acceleration``) and the default margin after it
(``ContractEvents._rate_reset``) on the small loan of ``simple_loan``: 36,000.00 at 10%
(10.00 a day), three installments of 12,000.00 from 02-01. Accelerated on 01-20.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from loanbook.engine import EventKind
from loanbook.ledger import Account, LineKind
from loanbook.terms.model import Amortization, AmortizationKind, RateReset, RateSpec
from tests.engine.simple_loan import MONTHLY, event, market, monthly_from, of_kind, run

JAN20, FEB1, MAR1 = date(2024, 1, 20), date(2024, 2, 1), date(2024, 3, 1)
ACCELERATE = event(JAN20, EventKind.ACCELERATION)


def test_acceleration_makes_all_principal_and_the_interest_accrued_due_at_once() -> None:
    # 01-20: the 36,000.00 not yet due is declared due (Dr principal due, Cr principal
    # receivable) and the interest accrued 01-01..01-19 (19 x 10.00 = 190.00) falls due
    # with it, both under the acceleration event.
    result = run(JAN20, ACCELERATE)
    assert of_kind(result, LineKind.ACCELERATION) == [
        (
            JAN20,
            LineKind.ACCELERATION,
            D("36000.00"),
            Account.PRINCIPAL_DUE,
            Account.PRINCIPAL_RECEIVABLE,
            ACCELERATE.event_id,
            "loans.t.acceleration",
            "N ¶12",
            "principal",
            "all unpaid principal declared immediately due and payable",
        )
    ]
    assert [(r[0], r[2], r[5]) for r in of_kind(result, LineKind.INTEREST_DUE)] == [
        (JAN20, D("190.00"), ACCELERATE.event_id)
    ]
    p = result.position
    assert (p.principal_not_due, p.principal_due, p.interest_due) == (
        D("0"),
        D("36000.00"),
        D("190.00"),
    )
    (principal,) = [d for d in p.dues if d.component == "principal"]
    assert (principal.due_date, principal.event, principal.cite) == (
        JAN20,
        ACCELERATE.event_id,
        "N ¶12",
    )


def test_after_acceleration_no_installment_falls_due_and_a_second_one_does_nothing() -> None:
    # Accelerated again on 01-25: nothing more (no line, no interest due that day). On 02-01
    # no installment falls due (all principal is due already); interest 01-20..01-31 on the
    # 36,000 outstanding at 10% = 12 x 10.00 = 120.00 (no default margin agreed).
    result = run(FEB1, ACCELERATE, event(date(2024, 1, 25), EventKind.ACCELERATION))
    assert [r[0] for r in of_kind(result, LineKind.ACCELERATION)] == [JAN20]
    assert of_kind(result, LineKind.INSTALLMENT_DUE) == []
    due = [(r[0], r[2]) for r in of_kind(result, LineKind.INTEREST_DUE)]
    assert due == [(JAN20, D("190.00")), (FEB1, D("120.00"))]
    assert [(r.start, r.quote.rate) for r in result.rates] == [(date(2024, 1, 1), D("0.10"))]


def test_the_default_margin_of_a_fixed_rate_applies_from_acceleration() -> None:
    # 2% default margin: 12% from 01-20; 01-20..01-31 (12 days) 36,000 x 12% x 12/360 = 144.00.
    result = run(FEB1, ACCELERATE, default_margin=D("0.02"))
    due = [(r[0], r[2]) for r in of_kind(result, LineKind.INTEREST_DUE)]
    assert due == [(JAN20, D("190.00")), (FEB1, D("144.00"))]
    assert [(r.start, r.end, r.quote.rate) for r in result.rates] == [
        (date(2024, 1, 1), JAN20, D("0.10")),
        (JAN20, FEB1, D("0.12")),
    ]


def test_the_default_margin_stays_at_every_later_reset_of_a_floating_rate() -> None:
    # IDX 5% + 1%, reset monthly from 02-01; 2% default margin. Before acceleration 6%:
    # 01-01..01-19 36,000 x 6% x 19/360 = 114.00 due 01-20. Then 8% (6% + 2%), and at the
    # 02-01 reset again 8%: 01-20..01-31 36,000 x 8% x 12/360 = 96.00 due 02-01,
    # 02-01..02-29 36,000 x 8% x 29/360 = 232.00 due 03-01.
    spec = RateSpec(
        index="IDX", margin=D("0.01"), reset=RateReset.CYCLE, reset_cycle=MONTHLY, reset_anchor=FEB1
    )
    result = run(
        MAR1,
        ACCELERATE,
        mkt=market(("IDX", date(2023, 12, 1), "0.05")),
        rate=spec,
        default_margin=D("0.02"),
    )
    due = [(r[0], r[2]) for r in of_kind(result, LineKind.INTEREST_DUE)]
    assert due == [(JAN20, D("114.00")), (FEB1, D("96.00")), (MAR1, D("232.00"))]
    accrual = [r[9] for r in of_kind(result, LineKind.ACCRUAL) if r[0] == MAR1]
    assert accrual == [
        "2024-02-01..2024-02-29 on 36000.00 at 8% (IDX 5% (fixing of 2023-12-01) + 1% "
        "+ 2% default), actual/360"
    ]


def test_a_level_payment_computed_again_after_acceleration_counts_the_dates_left() -> None:
    # Level payments computed at each reset (IDX 5% + 1% = 6%, monthly from 01-01), no default
    # margin; accelerated on 01-20, so 36,000.00 is due. At the 02-01 reset the payment is
    # computed on the 36,000.00 outstanding over the principal dates after 02-01 (03-01 and
    # 04-01), with the interest to 03-01 (36,000 x 6% x 29/360 = 174.00) and
    # f = 1 + 6% x 31/360: 36,174 x f / (1 + f) = 18,133.6043... -> 18,133.60.
    spec = RateSpec(
        index="IDX",
        margin=D("0.01"),
        reset=RateReset.CYCLE,
        reset_cycle=MONTHLY,
        reset_anchor=date(2024, 1, 1),
    )
    level = Amortization(
        AmortizationKind.LEVEL_PAYMENT, monthly_from(FEB1, 3), recalculate_on_reset=True
    )
    result = run(
        FEB1,
        ACCELERATE,
        mkt=market(("IDX", date(2023, 12, 1), "0.05")),
        rate=spec,
        amortization=level,
    )
    recalc = [(s.date, s.payment) for s in result.states if s.event.startswith("t/payment/")]
    assert recalc[-1] == (FEB1, D("18133.60"))
