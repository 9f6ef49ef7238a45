"""Shared fixtures: the example book and a CIT note built in code."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import settings

from loanbook.book import Book
from loanbook.loader import read_book
from loanbook.rates import Fixing, Market
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    Citation,
    LateCharge,
    LoanTerms,
    PaymentSchedule,
    PeriodRule,
    RateReset,
    RateSpec,
)
from loanbook.time import Cycle, DayCount

# CI runs the same examples every time (reproducible), 150 of each property unless a test
# says otherwise; local runs keep exploring with a new seed each run (60 examples), and a
# failure prints the blob that reproduces it (@reproduce_failure).
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=150)
settings.register_profile("dev", deadline=None, max_examples=60, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lexington"
CIT_BOOK = ROOT / "tests" / "data" / "cit-book"  # the CIT note alone, for storage tests


@pytest.fixture(scope="session")
def example_book() -> Book:
    return read_book(EXAMPLE)


def cit_terms(**changes: object) -> LoanTerms:
    """The CIT note (003 as amended by 000 §2(b)), built directly from the domain records."""
    monthly = Cycle.parse("monthly")
    base = {
        "id": "cit-note",
        "facility": "cit-facility",
        "borrower": "lpc",
        "lender": "cit",
        "principal": Decimal("4554900.00"),
        "start": date(1996, 1, 17),
        "day_count": DayCount.ACT_360,
        "rate": RateSpec(index="LIBOR-1M", margin=Decimal("0.03"), reset=RateReset.PERIOD_START),
        "interest_schedule": PaymentSchedule(date(1996, 4, 30), monthly, eom=True),
        "amortization": Amortization(
            AmortizationKind.LEVEL_PRINCIPAL,
            PaymentSchedule(date(1996, 4, 30), monthly, eom=True, count=48),
            Decimal("94893.75"),
        ),
        "maturity": date(2000, 3, 31),
        "interest_rate_period": PeriodRule.MONTH_END,
        "late_charge": LateCharge(Decimal("0.18")),
        "cites": MappingProxyType(
            {"loan": Citation("003", "¶1"), "interest_rate_period": Citation("000", "§2(b)")}
        ),
    }
    base.update(changes)
    return LoanTerms(**base)  # type: ignore[arg-type]


def flat_libor(percent: str = "5.5") -> Market:
    return Market.of([Fixing("LIBOR-1M", date(1990, 1, 1), Decimal(percent) / 100)])
