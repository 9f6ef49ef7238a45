"""A Congress-like facility built in code, for hand-checked figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import MappingProxyType
from typing import Any

from loanbook.rates import Fixing, Market
from loanbook.revolving.account import RevolverHistory
from loanbook.revolving.borrowing_base import Certificate, CertificateItem
from loanbook.revolving.terms import EligibilityRule, RevolverTerms
from loanbook.terms.model import Citation
from loanbook.time import DayCount


def facility(**changes: Any) -> RevolverTerms:
    base: dict[str, Any] = {
        "id": "congress-revolver",
        "lender": "congress",
        "accounts": MappingProxyType({"lpc": "congress-revolver-lpc"}),
        "maximum_credit": D("10000000"),
        "start": date(2002, 9, 1),
        "term_end": date(2003, 1, 3),
        "day_count": DayCount.ACT_360,
        "prime_index": "PRIME",
        "prime_margin": D("0.01"),
        "eurodollar_margin": D("0.025"),
        "eurodollar_allowed": True,
        "default_margin": D("0.02"),
        "overadvance_margin": D("0.02"),
        "overadvance_notice_days": 3,
        "advance_rates": MappingProxyType({"accounts": D("0.85"), "inventory": D("0.50")}),
        "sublimits": MappingProxyType({"inventory": D("3000000")}),
        "reserves": D("0"),
        "locations": ("rochester", "north-canton"),
        "eligibility": (
            EligibilityRule(
                "excluded_location", ("inventory", "equipment"), "002 §4", ("north-canton",)
            ),
            EligibilityRule("max_age_days", ("accounts",), "assumed", days=90),
        ),
        "cites": MappingProxyType(
            {
                "prime_margin": Citation("004", "§1"),
                "overadvance_margin": Citation("004", "§1(b)"),
                "eurodollar_allowed": Citation("004", "§3"),
                "eurodollar_margin": Citation("assumed", ""),
                "term_end": Citation("004", "§2"),
                "default_margin": Citation("004", "§1(a)"),
            }
        ),
    }
    base.update(changes)
    return RevolverTerms(**base)


def history(*versions: tuple[date, RevolverTerms]) -> RevolverHistory:
    return RevolverHistory(versions or ((date(2002, 9, 1), facility()),))


def prime(percent: str = "4.75") -> Market:
    return Market.of([Fixing("PRIME", date(2001, 12, 11), D(percent) / 100)])


def certificate(accounts: str = "1000000", *, day: date = date(2002, 9, 1)) -> Certificate:
    """Borrowing base 850,000 (85% of 1,000,000 of eligible accounts)."""
    return Certificate(
        "congress-revolver",
        day,
        (
            CertificateItem(
                "ar-1", "Receivables, current", "accounts", "rochester", D(accounts), age_days=30
            ),
        ),
    )
