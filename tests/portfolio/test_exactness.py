"""The portfolio engine gives the exact engine's cents: random loans, rate paths, payment
histories and dates (hypothesis), and hand-checked figures."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.engine import TermsHistory, run_loan
from loanbook.errors import ValidationError
from loanbook.portfolio import form, generate
from loanbook.portfolio.engine import BY_EXACT, BY_KERNEL, run_portfolio
from loanbook.portfolio.exactness import compare
from loanbook.portfolio.files import Folder, write_portfolio
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    ExcessPayment,
    PaymentSchedule,
    RateSpec,
)
from loanbook.time import Cycle, DayCount
from tests.conftest import cit_terms, flat_libor


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    loans=st.integers(min_value=1, max_value=8),
    until=st.integers(min_value=0, max_value=4400),
    history=st.integers(min_value=0, max_value=2400),
    assume_paid=st.booleans(),
)
def test_random_books_give_the_exact_engines_cents(
    seed: int, loans: int, until: int, history: int, assume_paid: bool
) -> None:
    table, events = generate.loans_and_events(
        loans, seed, history_to=date(2020, 1, 1) + timedelta(days=history)
    )
    fixings = generate.fixings(seed)
    result = compare(
        table, events, fixings, date(2020, 1, 1) + timedelta(days=until), assume_paid=assume_paid
    )
    assert result.loans == loans
    assert result.differences == ()


def _table(*rows: dict[str, object]) -> pa.Table:
    return form.table_of(list(rows), form.LOAN_SCHEMA)


def _no_events() -> pa.Table:
    return form.table_of([], form.EVENT_SCHEMA)


def _libor(percent: str) -> pa.Table:
    rate = int(Decimal(percent) * 10_000_000)
    return form.table_of(
        [{"index": "LIBOR-1M", "date": date(1990, 1, 1), "rate_e9": rate}], form.FIXING_SCHEMA
    )


def test_terms_of_a_row_are_the_terms_the_row_was_made_from() -> None:
    """``terms_of`` shares the records rows have alike: a row's terms come back from their
    own row unchanged, and equal parts are one object."""
    table, _ = generate.loans_and_events(300, 5)
    terms = [form.terms_of(row) for row in table.to_pylist()]
    for t in terms:
        assert form.terms_of(form.row_of(t)) == t
    assert len({id(t.waterfall) for t in terms}) < len({t.id for t in terms})
    assert form.terms_of(form.row_of(cit_terms())) == dataclasses.replace(
        cit_terms(), facility="portfolio", lender="portfolio", borrower="cit-note", cites={}
    )


def test_the_cit_note_in_the_portfolio_form() -> None:
    """The CIT note (LIBOR 5.5% + 3% = 8.5%, actual/360, $4,554,900.00): interest for
    1996-01-17 to 1996-04-29 is 4,554,900 x 0.085 x 104/360 = 111,848.10 due
    on 1996-04-30 (half-up), which is what the exact engine says too."""
    terms = cit_terms()
    row = form.row_of(terms)
    loans = _table(row)
    out = run_portfolio(loans, _no_events(), _libor("5.5"), date(1996, 4, 30), flows=True)
    assert out.flows is not None
    flows = out.flows.to_pylist()
    interest = [f for f in flows if f["kind"] == "interest_due"]
    assert [(f["date"], f["amount_cents"]) for f in interest] == [(date(1996, 4, 30), 11_184_810)]
    exact = run_loan(TermsHistory.single(terms), (), flat_libor("5.5"), date(1996, 4, 30))
    assert exact.position.interest_due == Decimal("111848.10")
    assert out.loans.column("method").to_pylist() == [BY_KERNEL]
    assert out.loans.column("principal_due_cents").to_pylist() == [9_489_375]


def test_two_rates_for_one_index_and_date_are_refused(tmp_path: Path) -> None:
    """Two fixings rows of one index and date with different rates: refused by the kernel's
    market, the exact engine's and the folder (written or read); the same rate twice is
    one fixing, run as if once."""
    loans = _table(form.row_of(cit_terms()))
    day = {"index": "LIBOR-1M", "date": date(1990, 1, 1)}
    same = form.table_of(
        [{**day, "rate_e9": 55_000_000}, {**day, "rate_e9": 55_000_000}], form.FIXING_SCHEMA
    )
    out = run_portfolio(loans, _no_events(), same, date(1996, 4, 30))
    assert out.loans.column("interest_due_cents").to_pylist() == [11_184_810]  # as at 5.5%
    two = form.table_of(
        [{**day, "rate_e9": 55_000_000}, {**day, "rate_e9": 65_000_000}], form.FIXING_SCHEMA
    )
    reason = (
        "the fixings of LIBOR-1M on 1990-01-01 have two rates, 5.5% and 6.5% "
        "(rate_e9 55000000 and 65000000); an index has one rate a date"
    )
    for refused in (
        lambda: run_portfolio(loans, _no_events(), two, date(1996, 4, 30)),
        lambda: form.market_of(two),
    ):
        with pytest.raises(form.Refusal) as exc:
            refused()
        assert str(exc.value) == reason
    with pytest.raises(ValidationError) as written:
        write_portfolio(tmp_path / "pf", [(loans, _no_events())], two)
    assert [str(i) for i in written.value.issues] == [
        f"{tmp_path / 'pf' / 'fixings.parquet'}: rate_e9: {reason}"
    ]
    assert not (tmp_path / "pf").exists()  # nothing written
    folder = write_portfolio(tmp_path / "ok", [(loans, _no_events())], same)
    pq.write_table(two, folder.path / "fixings.parquet")  # changed after it was written
    with pytest.raises(ValidationError, match="rate_e9: the fixings of LIBOR-1M on 1990-01-01"):
        Folder.open(folder.path).fixings()


def test_a_fixed_bullet_loan_by_hand() -> None:
    """$1,000.00 at 10% fixed, actual/360, interest monthly from 2024-02-01: January's 31 days
    accrue 1,000 x 0.10 x 31/360 = 8.6111 -> 8.61; as of 2024-02-15, 14 more days accrued
    1,000 x 0.10 x 14/360 = 3.8889 -> 3.89."""
    terms = cit_terms(
        principal=Decimal("1000.00"),
        start=date(2024, 1, 1),
        rate=RateSpec(fixed=Decimal("0.10")),
        interest_schedule=PaymentSchedule(date(2024, 2, 1), Cycle(months=1), eom=False),
        amortization=Amortization(AmortizationKind.BULLET),
        maturity=date(2025, 1, 1),
        interest_rate_period=None,
        late_charge=None,
        day_count=DayCount.ACT_360,
    )
    out = run_portfolio(
        _table(form.row_of(terms)), _no_events(), _libor("5"), date(2024, 2, 15)
    ).loans.to_pylist()[0]
    assert out["interest_due_cents"] == 861
    assert out["interest_accrued_cents"] == 389
    assert out["principal_not_due_cents"] == 100_000


def test_terms_beyond_the_kernel_are_refused_with_the_reason() -> None:
    terms = cit_terms(capitalize_until=date(1997, 1, 1))
    with pytest.raises(form.Refusal, match="capitalize_until"):
        form.row_of(terms)
    with pytest.raises(form.Refusal, match="finer than a billionth"):
        form.row_of(cit_terms(rate=RateSpec(fixed=Decimal("0.0123456789012"))))
    with pytest.raises(form.Refusal, match="excess_payment"):
        form.row_of(cit_terms(excess_payment=ExcessPayment.INVERSE))


def test_funds_held_pay_the_days_interest_before_its_principal() -> None:
    """The CIT note overpaid by $100,000.00 on 1996-03-01 (nothing due yet: held). On
    1996-04-30 interest of 111,848.10 and the installment of 94,893.75 fall due together;
    the held funds go by the waterfall to interest first: 111,848.10 - 100,000.00 =
    11,848.10 of interest and the whole installment stay due (not the principal first,
    which the order of the steps alone would give)."""
    events = form.table_of(
        [{"loan": "cit-note", "date": date(1996, 3, 1), "kind": "payment", "amount_cents": 10**7}],
        form.EVENT_SCHEMA,
    )
    loans = _table(form.row_of(cit_terms()))
    out = run_portfolio(loans, events, _libor("5.5"), date(1996, 4, 30)).loans.to_pylist()[0]
    assert out["method"] == BY_KERNEL
    assert out["interest_due_cents"] == 1_184_810
    assert out["principal_due_cents"] == 9_489_375
    assert out["unapplied_cents"] == 0
    assert compare(loans, events, _libor("5.5"), date(1996, 4, 30)).differences == ()


def test_a_prepayment_above_the_principal_goes_to_the_exact_engine_which_refuses_it() -> None:
    row = form.row_of(cit_terms())
    events = form.table_of(
        [
            {
                "loan": "cit-note",
                "date": date(1996, 3, 1),
                "kind": "prepayment",
                "amount_cents": 999_999_999,
            }
        ],
        form.EVENT_SCHEMA,
    )
    out = run_portfolio(_table(row), events, _libor("5.5"), date(1996, 6, 30))
    assert out.loans.column("method").to_pylist() == ["refused"]
    assert "exceeds the principal not yet due" in out.loans.column("note").to_pylist()[0]
    assert BY_EXACT == "exact"
