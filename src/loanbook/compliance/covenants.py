"""Financial covenant tests: each test date, the statement for it, the value and headroom.

A covenant is tested on each of its test dates within its effective window, using the
version of the covenant in force on that date (so an amendment that deletes it from
2002-08-01 removes the August test, but only as known once the amendment is recorded).
The statement tested is the borrower's statement for the period ending on the test date,
as received by ``as_of``; without one the test waits (or its statement is late).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from loanbook.compliance.formula import FormulaError, evaluate, names
from loanbook.compliance.inputs import ComplianceHistory, Facts
from loanbook.compliance.schema import CovenantModel, StatementFact
from loanbook.money import to_cents
from loanbook.time import Cycle, add_cycle

_CYCLES = {"monthly": "P1M", "quarterly": "P3M", "annual": "P1Y"}
RATIO_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class CovenantTest:
    """One test of one covenant: inputs, value, threshold, headroom and the clause.

    ``passed`` is None while the statement is awaited (``status`` says whether it is late).
    Headroom is how far the value is on the right side of the threshold (negative: a
    breach), in the covenant's unit and as a percent of the threshold.
    """

    covenant: str
    name: str
    facility: str
    test_date: date
    comparison: str
    threshold: Decimal
    unit: str
    cite: str
    statement: str | None = None
    statement_document: str | None = None
    inputs: tuple[tuple[str, Decimal], ...] = ()
    value: Decimal | None = None
    headroom: Decimal | None = None
    headroom_percent: Decimal | None = None
    passed: bool | None = None
    status: str = "awaiting statement"  # passed | failed | awaiting statement | statement late
    statement_due: date | None = None

    @property
    def id(self) -> str:
        return f"{self.covenant}@{self.test_date.isoformat()}"


def test_dates(cov: CovenantModel, until: date) -> tuple[date, ...]:
    """The covenant's test dates within its window, up to ``until``."""
    last = min(until, cov.end) if cov.end else until
    out: set[date] = {d for d in cov.tests.dates if cov.start <= d <= last}
    if cov.tests.cycle and cov.tests.first and cov.tests.first <= last:
        cycle, i = Cycle.parse(_CYCLES[cov.tests.cycle]), 0
        while (day := add_cycle(cov.tests.first, cycle, i, True)) <= last:
            if cov.start <= day:
                out.add(day)
            i += 1
    return tuple(sorted(d for d in out if d <= last))


def threshold_on(cov: CovenantModel, day: date) -> Decimal:
    """The threshold in force on ``day``: the last step starting on or before it."""
    steps = sorted(cov.threshold, key=lambda s: s.from_)
    found = [s.value for s in steps if s.from_ <= day]
    return found[-1] if found else steps[0].value


def _shown(value: Fraction, unit: str) -> Decimal:
    if unit == "ratio":
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)
    return to_cents(value)


def _passes(value: Fraction, comparison: str, threshold: Decimal) -> bool:
    limit = Fraction(threshold)
    return {
        ">=": value >= limit,
        ">": value > limit,
        "<=": value <= limit,
        "<": value < limit,
    }[comparison]


def run_test(
    cov_id: str,
    cov: CovenantModel,
    cite: str,
    day: date,
    statements: tuple[tuple[StatementFact, str], ...],
    as_of: date,
) -> CovenantTest:
    """Test ``cov`` on ``day`` with the latest statement received for that period."""
    threshold = threshold_on(cov, day)
    due = day + timedelta(days=cov.statement_due_days)
    base = CovenantTest(
        cov_id, cov.name, cov.facility, day, cov.comparison, threshold, cov.unit, cite
    )
    found = [
        (s, doc) for s, doc in statements if s.borrower == cov.borrower and s.period_end == day
    ]
    if not found:
        status = "statement late" if as_of > due else "awaiting statement"
        return _replace(base, status=status, statement_due=due)
    statement, document = found[-1]
    try:
        exact = evaluate(cov.formula, statement.items)
    except FormulaError as exc:
        return _replace(base, status=f"cannot test: {exc}", statement=statement.id)
    inputs = tuple((n, statement.items[n]) for n in names(cov.formula))
    sign = 1 if cov.comparison in (">=", ">") else -1
    room = (exact - Fraction(threshold)) * sign
    percent = None
    if threshold != 0:
        pct = room / abs(Fraction(threshold)) * 100
        percent = (Decimal(pct.numerator) / Decimal(pct.denominator)).quantize(
            PERCENT_PLACES, rounding=ROUND_HALF_UP
        )
    passed = _passes(exact, cov.comparison, threshold)
    return _replace(
        base,
        statement=statement.id,
        statement_document=document,
        inputs=inputs,
        value=_shown(exact, cov.unit),
        headroom=_shown(room, cov.unit),
        headroom_percent=percent,
        passed=passed,
        status="passed" if passed else "failed",
        statement_due=due,
    )


def _replace(test: CovenantTest, **changes: object) -> CovenantTest:
    return replace(test, **changes)  # type: ignore[arg-type]


def covenant_tests(
    history: ComplianceHistory, facts: Facts, as_of: date, until: date | None = None
) -> tuple[CovenantTest, ...]:
    """Every test of every covenant up to ``until`` (default ``as_of``), each by the version
    in force on its date, with the statements received by ``as_of``."""
    statements = facts.statements(as_of)
    until = until or as_of
    out: list[CovenantTest] = []
    for cov_id in sorted(history.ever("covenants")):
        seen: set[date] = set()
        for start, terms in history.versions:
            cov = terms.model.covenants.get(cov_id)
            if cov is None or start > until:
                continue
            for day in test_dates(cov, until):
                if day in seen or history.at(day).model.covenants.get(cov_id) != cov:
                    continue
                seen.add(day)
                cite = history.at(day).cite("covenants", cov_id, cov.cite)
                out.append(run_test(cov_id, cov, cite, day, statements, as_of))
    return tuple(sorted(out, key=lambda t: (t.test_date, t.covenant)))
