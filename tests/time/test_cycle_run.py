"""``cycle_run`` (the one loop behind ``generate`` and ``generate_count``, with its memo of
each cycle's dates) gives ``add_cycle``'s dates, one call per date being the reference."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.time import Cycle
from loanbook.time.schedule import add_cycle, cycle_run, generate_count


def reference(
    anchor: date, cycle: Cycle, eom: bool, first: int, end: date, inclusive: bool
) -> tuple[list[date], date]:
    out, i = [], first
    while True:
        d = add_cycle(anchor, cycle, i, eom)
        if d > end if inclusive else d >= end:
            return out, d
        out.append(d)
        i += 1


@settings(max_examples=300, deadline=None)
@given(
    anchor=st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
    months=st.sampled_from([1, 2, 3, 6, 12]),
    days=st.sampled_from([1, 7, 30]),
    by_months=st.booleans(),
    eom=st.booleans(),
    first=st.integers(min_value=0, max_value=40),
    span=st.integers(min_value=-40, max_value=4000),
    count=st.integers(min_value=0, max_value=60),
    inclusive=st.booleans(),
)
def test_a_run_is_add_cycle_date_by_date(
    anchor: date,
    months: int,
    days: int,
    by_months: bool,
    eom: bool,
    first: int,
    span: int,
    count: int,
    inclusive: bool,
) -> None:
    cycle = Cycle(months=months) if by_months else Cycle(days=days)
    end = anchor + timedelta(days=span)
    # asked twice: the second answer comes from the memo, extended or sliced
    for _ in range(2):
        assert cycle_run(anchor, cycle, eom, first=first, end=end, inclusive=inclusive) == (
            reference(anchor, cycle, eom, first, end, inclusive)
        )
        expected = [add_cycle(anchor, cycle, i, eom) for i in range(first, first + count)]
        assert cycle_run(anchor, cycle, eom, first=first, count=count) == (expected, None)


def test_a_run_past_the_calendar_names_the_schedule_only_when_a_date_is_needed() -> None:
    # 1 March 9999 + 9 months is 1 December 9999: ten dates fit, the eleventh does not
    assert generate_count(date(9999, 3, 1), Cycle(months=1), 10)[-1] == date(9999, 12, 1)
    with pytest.raises(ValueError, match="10 cycles of P1ML1 from 9999-03-01 fall outside"):
        generate_count(date(9999, 3, 1), Cycle(months=1), 11)


def test_a_run_needs_a_count_or_an_end() -> None:
    with pytest.raises(ValueError, match="count or an end"):
        cycle_run(date(2024, 1, 1), Cycle(months=1))
