"""``status`` reads a closed loan's position from its stored postings, and gives what the
engine gives: compared field by field with the engine's replay (``statements=True``) on the
CIT note, before and after the book learns of a backdated prepayment. Figures checked by hand
(the arithmetic in the comments, as in test_close.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.storage.close import close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.record import record_event
from loanbook.storage.reports import BookStatus, status
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK

END = date(1996, 12, 31)
DAYS = (date(1996, 1, 18), date(1996, 4, 30), date(1996, 6, 15), date(1996, 10, 1), END)


@pytest.fixture
def closed(store: Store) -> Store:
    import_folder(store, CIT_BOOK, datetime(2026, 1, 1, tzinfo=UTC))
    close_of_business(store, END)
    return store


def _both(store: Store, as_of: date) -> tuple[BookStatus, BookStatus]:
    return status(store, as_of), status(store, as_of, statements=True)


def test_status_from_postings_is_the_engines(closed: Store) -> None:
    for day in DAYS:
        posted, replayed = _both(closed, day)
        assert [s.source for s in posted.loans] == ["postings"]
        assert [s.source for s in replayed.loans] == ["engine"]
        assert posted.as_json() == replayed.as_json(), day
    first = status(closed, date(1996, 1, 18)).loans[0].position
    assert first is not None
    # the first day's interest, accrued for 1996-01-17 and posted on the 18th:
    # 4,554,900.00 x (LIBOR 5.62891% + 3%) / 360 = 1,091.7733... -> 1,091.77
    assert (first.principal_outstanding, first.interest_accrued) == (
        Decimal("4554900.00"),
        Decimal("1091.77"),
    )
    end = status(closed, END).loans[0].position
    assert end is not None
    # nine installments paid (April to December): 4,554,900.00 - 9 x 94,893.75
    assert end.principal_outstanding == Decimal("3700856.25")


def test_a_loan_the_book_learned_about_is_replayed_until_closed_again(closed: Store) -> None:
    prepay = LoanEvent(
        date(1996, 6, 15), "cit-note", EventKind.PREPAYMENT, Decimal("100000"), "late", "pp-1"
    )
    record_event(closed, prepay, datetime(2026, 2, 1, tzinfo=UTC))
    stale = status(closed, END).loans[0]
    assert stale.source == "engine"  # the postings do not know of the prepayment yet
    assert stale.position is not None
    # 4,554,900.00 - 9 x 94,893.75 - 100,000.00
    assert stale.position.principal_outstanding == Decimal("3600856.25")
    close_of_business(closed, END)  # posts reversals and replacements (value dates kept)
    for day in DAYS:
        posted, replayed = _both(closed, day)
        assert [s.source for s in posted.loans] == ["postings"]
        assert posted.as_json() == replayed.as_json(), day
    assert status(closed, END).as_json() == stale_json(stale.as_json())


def stale_json(data: dict[str, object]) -> dict[str, object]:
    return {"as_of": END.isoformat(), "known_on": None, "loans": [data]}


def test_a_day_after_the_last_close_is_replayed(closed: Store) -> None:
    later = status(closed, date(1997, 1, 15)).loans[0]
    assert later.source == "engine" and later.position is not None
    assert later.position.principal_outstanding == Decimal("3700856.25")  # due 01-31
    old = status(closed, END, known_on=datetime(2026, 1, 15, tzinfo=UTC)).loans[0]
    assert old.source == "engine"  # a past view is replayed as the book knew it
