"""Properties: every status is a function of (facts, as of, known on), and replaying the
facts recorded by a date reproduces what the book said as known on that date."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loanbook.compliance.service import compliance
from tests.compliance.conftest import (
    AGREEMENT,
    AMENDMENT_004,
    EXHIBIT_A,
    book_of,
    creditor_action,
    statement,
)

MONTH_ENDS = [date(2002, m + 1, 1) - timedelta(days=1) for m in range(1, 12)]


def non_payment(instrument: str, day: date) -> str:
    return f"""
document:
  id: np-{instrument}-{day}
  title: payment not made (generated)
  kind: notice
  date: {day}
facts:
  - kind: non_payment
    instrument: {instrument}
    date: {day}
"""


days = st.dates(min_value=date(2002, 1, 1), max_value=date(2003, 2, 28))


@st.composite
def books(draw: st.DrawFn) -> tuple[list[tuple[date, str]], date, date | None]:
    """Documents (with their record dates), an as-of date and a known-on date."""
    docs: list[tuple[date, str]] = [(date(2002, 1, 1), AGREEMENT)]
    for period in draw(st.sets(st.sampled_from(MONTH_ENDS), max_size=5)):
        received = period + timedelta(days=draw(st.integers(1, 60)))
        assets = draw(st.integers(4_000_000, 7_000_000))
        docs.append((received, statement(str(period), str(received), str(assets), "600000")))
    for instrument in draw(st.sets(st.sampled_from(["junior-14", "senior-10-5"]))):
        docs.append((day := draw(days), non_payment(instrument, day)))
    if draw(st.booleans()):
        docs.append((date(2002, 10, 31), AMENDMENT_004))
    if draw(st.booleans()):
        docs.append((date(2002, 10, 31), EXHIBIT_A))
        if draw(st.booleans()):
            docs.append((day := draw(days), creditor_action(str(day))))
    order = draw(st.permutations(docs))
    return list(order), draw(days), draw(st.none() | days)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_statuses_are_a_function_of_facts_as_of_and_known_on(
    case: tuple[list[tuple[date, str]], date, date | None],
) -> None:
    docs, as_of, known_on = case
    texts = [text for _, text in docs]
    first = compliance(book_of(*texts), as_of, known_on).as_json()
    assert compliance(book_of(*reversed(texts)), as_of, known_on).as_json() == first
    assert compliance(book_of(*texts), as_of, known_on).as_json() == first


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_replaying_the_facts_recorded_by_a_date_reproduces_every_status(
    case: tuple[list[tuple[date, str]], date, date | None],
) -> None:
    docs, as_of, known_on = case
    if known_on is None:
        return
    full = compliance(book_of(*(t for _, t in docs)), as_of, known_on).as_json()
    replayed = book_of(*(t for recorded, t in docs if recorded <= known_on))
    again = compliance(replayed, as_of).as_json()
    again["compliance"]["known_on"] = known_on
    assert again == full
