"""ACTUS conformance: every reference case runs through the same engine and matches.

The cases are the ACTUS Financial Research Foundation's actus-tests (CC BY-SA 4.0), copied
with their SOURCE.md and LICENSE.md into ``tests/actus/data/``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loanbook.adapters.actus import close, load_cases, run_case, simulate

DATA = Path(__file__).resolve().parent / "data"
ALL = ("pam", "lam", "ann", "nam")
FILES = ALL  # the files whose every case must pass


def _cases() -> list[tuple[str, str]]:
    return [
        (kind, case_id)
        for kind in FILES
        for case_id in load_cases(DATA / f"actus-tests-{kind}.json")
    ]


@pytest.mark.parametrize(("kind", "case_id"), _cases())
def test_case_passes(kind: str, case_id: str) -> None:
    case = load_cases(DATA / f"actus-tests-{kind}.json")[case_id]
    result = run_case(case_id, case)
    assert result.passed, "\n".join(result.mismatches)


def test_every_file_is_there() -> None:
    counts = {k: len(load_cases(DATA / f"actus-tests-{k}.json")) for k in ALL}
    assert counts == {"pam": 19, "lam": 23, "ann": 23, "nam": 17}
    assert (DATA / "SOURCE.md").exists() and (DATA / "LICENSE.md").exists()


def test_pam01_monthly_interest_by_hand() -> None:
    # 3,000 at 10% A365: January has 31 days -> 3000 x 0.1 x 31/365 = 25.4794520547945...
    case = load_cases(DATA / "actus-tests-pam.json")["pam01"]
    _, events = simulate(case)
    first_ip = next(e for e in events if e.type == "IP" and e.date == date(2013, 2, 1))
    assert close(first_ip.payoff, Decimal(3000) * Decimal("0.1") * 31 / 365)
    assert events[0].type == "IED" and events[0].payoff == Decimal(-3000)
    assert events[-1].type == "MD" and events[-1].payoff == Decimal(3000)
