"""Statement figures below zero (a net loss, negative working capital) and thresholds that
are negative (a maximum loss) or finer than cents (a ratio of 1.125 to 1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.compliance.service import compliance
from loanbook.errors import ValidationError
from tests.compliance.conftest import book_of

AGREEMENT = """
document: {id: lsa, title: Loan Agreement (test), kind: agreement, date: 2002-01-01}
compliance:
  covenants:
    net-loss:
      name: Maximum Net Loss
      facility: line
      borrower: lpc
      formula: net_income
      comparison: ">="
      threshold: [{from: 2002-01-01, value: "-500000.00"}]
      tests: {cycle: quarterly, first: 2002-03-31}
      start: 2002-01-01
      cite: lsa §7(a)
    fixed-charge:
      name: Fixed Charge Coverage
      facility: line
      borrower: lpc
      unit: ratio
      formula: ebitda / fixed_charges
      comparison: ">="
      threshold: [{from: 2002-01-01, value: "1.125"}]
      tests: {cycle: quarterly, first: 2002-03-31}
      start: 2002-01-01
      cite: lsa §7(b)
"""

STATEMENT = """
document: {id: fs-q1, title: Q1 2002 statement (invented), kind: statement, date: 2002-04-30}
facts:
  - kind: statement
    id: fs-q1
    borrower: lpc
    period_end: 2002-03-31
    received: 2002-04-30
    source: invented for the test
    label: invented
    items:
      net_income: "-620000.00"
      ebitda: "1100000.00"
      fixed_charges: "1000000.00"
"""


def test_a_net_loss_beyond_the_maximum_and_a_ratio_below_1_125() -> None:
    """Net loss: -620,000 against -500,000: headroom -620,000 - (-500,000) = -120,000,
    -120,000 / 500,000 = -24.00%. Coverage: 1,100,000 / 1,000,000 = 1.1000 against 1.125:
    headroom -0.0250, -0.025 / 1.125 = -2.222% -> -2.22%."""
    data = compliance(book_of(AGREEMENT, STATEMENT), date(2002, 6, 30)).as_json()["compliance"]
    tests = {t["id"]: t for t in data["covenants"]}
    loss = tests["net-loss@2002-03-31"]
    assert (loss["value"], loss["threshold"], loss["headroom"], loss["headroom_percent"]) == (
        D("-620000.00"),
        D("-500000.00"),
        D("-120000.00"),
        D("-24.00"),
    )
    cover = tests["fixed-charge@2002-03-31"]
    assert (cover["value"], cover["threshold"], cover["headroom"], cover["headroom_percent"]) == (
        D("1.1000"),
        D("1.125"),
        D("-0.0250"),
        D("-2.22"),
    )
    assert (loss["passed"], cover["passed"]) == (False, False)


def test_a_figure_with_cents_fractions_is_refused_with_its_line() -> None:
    with pytest.raises(ValidationError) as err:
        book_of(AGREEMENT, STATEMENT.replace('"-620000.00"', '"-620000.005"'))
    assert str(err.value) == (
        "doc-1.yaml:12: facts.0.items.net_income: Value error, "
        "'-620000.005' has more than 2 decimal places"
    )
