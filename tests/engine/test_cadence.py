"""A run to a date is a prefix of a longer run: stopping on a day that is not an interest
date makes nothing due that day (issue 7, point 1)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from loanbook.book import Book
from loanbook.engine import TermsHistory, run_loan
from loanbook.engine.steps import interest_dates
from loanbook.ledger import LineKind
from tests.conftest import cit_terms, flat_libor

LPC = "lpc-second-restated-note"  # no maturity: its interest cycle runs as long as the book


def test_interest_dates_do_not_include_the_end_of_the_run() -> None:
    terms = cit_terms(maturity=None)
    dates = interest_dates(terms, date(1997, 6, 26))
    assert dates[-1] == date(1997, 5, 31)
    assert date(1997, 6, 26) not in dates
    # past maturity the cycle goes on, but the end of the run is still not an interest date
    past = interest_dates(cit_terms(), date(2000, 6, 15))
    assert past[-3:] == (date(2000, 3, 31), date(2000, 4, 30), date(2000, 5, 31))


@pytest.mark.parametrize("until", [date(1996, 6, 26), date(1996, 9, 15)])
def test_a_short_run_is_a_prefix_of_a_long_one(until: date) -> None:
    history = TermsHistory.single(cit_terms(maturity=None))
    short = run_loan(history, (), flat_libor(), until, daily=True)
    long = run_loan(history, (), flat_libor(), until + timedelta(days=70), daily=True)
    assert not [ln for ln in short.lines if ln.kind is LineKind.INTEREST_DUE and ln.date == until]
    assert list(short.lines) == [ln for ln in long.lines if ln.date <= until]


def test_the_example_note_on_a_day_that_is_not_an_interest_date(example_book: Book) -> None:
    day = date(1997, 6, 26)
    short = example_book.run(LPC, day, daily=True)
    due_today = [ln for ln in short.lines if ln.kind is LineKind.INTEREST_DUE and ln.date == day]
    assert due_today == []  # the 8,896.93 was interest accrued, not due
    position = short.position
    # interest of June 1997 to the 25th is accrued: it falls due on 1997-06-30
    assert position.interest_due == D("0")
    assert position.interest_accrued == D("8896.93")
    long = example_book.run(LPC, date(1997, 7, 31), daily=True)
    assert list(short.lines) == [ln for ln in long.lines if ln.date <= day]
