"""One rate an index and date: a fixing event (``record``, an events file on ``import``, the
API) or a fixings file row with another rate than the book already has for its index and
date (from a fixings file, a fixing event, or earlier in the same input) is refused with one
line, the book byte for byte unchanged; the same rate again is accepted (its key says
whether it is new); a fixing event is changed by a correction reversing it.

The CIT book's LIBOR-1M fixings file has 1996-01-31 at 5.43750% (rates/libor-1m.csv:3) and
nothing on 1996-01-17."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import ValidationError
from loanbook.storage.importer import import_folder, validate_folder
from loanbook.storage.record import (
    Incoming,
    log,
    parse_events_file,
    record_event,
    record_events,
)
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import dump, second_writer_refused

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
JAN17, JAN31 = date(1996, 1, 17), date(1996, 1, 31)


@pytest.fixture
def book(store: Store) -> Store:
    import_folder(store, CIT_BOOK, IMPORTED)
    return store


def fixing(day: date, percent: str, key: str = "", index: str = "LIBOR-1M") -> LoanEvent:
    """A fixing event as ``record fixing`` and the API make it (its loan is the index)."""
    return LoanEvent(day, index, EventKind.FIXING, D(percent), "", key, (("index", index),))


def correction(key: str, reverses: str) -> LoanEvent:
    return LoanEvent(
        JAN17, "LIBOR-1M", EventKind.CORRECTION, None, "", key, (("reverses", reverses),)
    )


def import_refusal(store: Store, folder: Path) -> list[str]:
    """The lines of the refusal of importing ``folder``; the book must be unchanged by it."""
    before = dump(store)
    with pytest.raises(ValidationError) as exc:
        import_folder(store, folder)
    assert dump(store) == before
    return [str(i) for i in exc.value.issues]


def refusal(store: Store, items: list[Incoming]) -> list[str]:
    """The lines of the refusal of ``items``; the book must be unchanged by it."""
    before = dump(store)
    with pytest.raises(ValidationError) as exc:
        record_events(store, items)
    assert dump(store) == before
    return [str(i) for i in exc.value.issues]


def in_force(store: Store, day: date) -> D:
    return store.book().market_with_fixings().index("LIBOR-1M").in_force(day).rate


def test_another_rate_than_the_fixings_file_is_refused(book: Store) -> None:
    lines = refusal(book, [Incoming(fixing(JAN31, "6.4375", "typo-1"))])
    assert lines == [
        "cli: amount: LIBOR-1M on 1996-01-31 is already 5.4375 in the book "
        "(from rates/libor-1m.csv:3) (event typo-1)"
    ]
    assert in_force(book, JAN31) == D("0.0543750")


def test_the_same_rate_again_is_accepted_and_recorded_once(book: Store) -> None:
    # 5.43750 as the file writes it, 5.4375 as typed: the same rate, the same derived key.
    first = record_event(book, fixing(JAN31, "5.4375"))
    assert first.added == ("LIBOR-1M/fixing/1996-01-31/5.4375//index=LIBOR-1M",)
    before = dump(book)
    again = record_event(book, fixing(JAN31, "5.43750"))
    assert again.added == () and again.existing == first.added
    assert dump(book) == before
    assert in_force(book, JAN31) == D("0.0543750")


def test_a_fixing_event_is_changed_by_a_correction_only(book: Store) -> None:
    record_event(book, fixing(JAN17, "5.5", "fx-1"))
    lines = refusal(book, [Incoming(fixing(JAN17, "5.6", "fx-2"))])
    assert lines == [
        "cli: amount: LIBOR-1M on 1996-01-17 is already 5.5 in the book (from fixing event "
        "fx-1); record a correction reversing fx-1 to change it (event fx-2)"
    ]
    assert in_force(book, JAN17) == D("0.055")
    # the correction and the new rate in one batch: the correction takes fx-1 out first
    done = record_events(
        book, [Incoming(correction("fix-1", "fx-1")), Incoming(fixing(JAN17, "5.6", "fx-2"))]
    )
    assert done.added == ("fix-1", "fx-2")
    assert in_force(book, JAN17) == D("0.056")
    # fx-1 is reversed: its rate is no longer in the book, fx-2's is
    lines = refusal(book, [Incoming(fixing(JAN17, "5.5", "fx-3"))])
    assert lines[0].startswith("cli: amount: LIBOR-1M on 1996-01-17 is already 5.6 in the book")


def test_two_rates_in_one_events_file_are_refused(book: Store, tmp_path: Path) -> None:
    text = (
        "date,loan,kind,amount,reference,key,index\n"
        "1996-01-17,LIBOR-1M,fixing,5.5,late,fx-1,LIBOR-1M\n"
        "1996-01-17,LIBOR-1M,fixing,5.5,again,fx-2,LIBOR-1M\n"
        "1996-01-17,LIBOR-1M,fixing,5.75,typo,fx-3,LIBOR-1M\n"
    )
    lines = refusal(book, parse_events_file(text, "f.csv"))
    assert lines == [
        "f.csv:4: amount: LIBOR-1M on 1996-01-17 is already 5.5 earlier in this input "
        "(f.csv:2) (event fx-3)"
    ]


def test_import_and_validate_refuse_the_same_line_and_reimport_adds_nothing(
    book: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "late"
    (folder / "events").mkdir(parents=True)
    events = folder / "events" / "fixings.csv"
    events.write_text(
        "date,loan,kind,amount,reference,key,index\n"
        "1996-01-17,LIBOR-1M,fixing,5.5,late,fx-1,LIBOR-1M\n"
        "1996-01-31,LIBOR-1M,fixing,5.4375,as filed,fx-2,LIBOR-1M\n"
        "1996-01-31,LIBOR-1M,fixing,6.4375,typo,fx-3,LIBOR-1M\n"
    )
    expected = [
        f"{events}:4: amount: LIBOR-1M on 1996-01-31 is already 5.4375 in the book "
        "(from rates/libor-1m.csv:3) (event fx-3)"
    ]
    before = dump(book)
    for check in (lambda: validate_folder(folder, book), lambda: import_folder(book, folder)):
        with pytest.raises(ValidationError) as exc:
            check()
        assert [str(i) for i in exc.value.issues] == expected
    assert dump(book) == before
    # without the typo it imports; importing it again records nothing
    events.write_text("".join(events.read_text().splitlines(keepends=True)[:3]))
    first = import_folder(book, folder)
    assert first.events.added == ("fx-1", "fx-2")
    after = dump(book)
    again = import_folder(book, folder)
    assert again.events.added == () and again.events.existing == ("fx-1", "fx-2")
    assert again.fixings_added == 0
    assert dump(book) == after


def test_a_corrected_fixing_imports_into_a_new_book(store: Store, tmp_path: Path) -> None:
    # The log of a corrected fixing (fx-1, its correction, fx-2 at the new rate: what
    # ``export`` writes), imported into an empty book in one batch: fx-2 is checked with
    # fx-1 already reversed. Importing it again records nothing.
    folder = tmp_path / "corrected"
    shutil.copytree(CIT_BOOK, folder)
    (folder / "events" / "fixings.csv").write_text(
        "date,loan,kind,amount,reference,key,index,reverses\n"
        "1996-01-17,LIBOR-1M,fixing,5.5,late,fx-1,LIBOR-1M,\n"
        "1996-01-17,LIBOR-1M,correction,,wrong rate,fix-1,,fx-1\n"
        "1996-01-17,LIBOR-1M,fixing,5.6,late,fx-2,LIBOR-1M,\n"
    )
    done = import_folder(store, folder)
    assert {"fx-1", "fix-1", "fx-2"} <= set(done.events.added)
    assert in_force(store, JAN17) == D("0.056")
    after = dump(store)
    assert import_folder(store, folder).events.added == ()
    assert dump(store) == after


def test_a_fixings_file_row_with_another_rate_than_a_fixing_event_is_refused(
    book: Store, tmp_path: Path
) -> None:
    record_event(book, fixing(JAN17, "5.5", "fx-1"))
    folder = tmp_path / "rates-later"
    (folder / "rates").mkdir(parents=True)
    late = folder / "rates" / "late.csv"
    late.write_text("index,date,rate_percent\nLIBOR-1M,1996-01-17,5.6\n")
    assert import_refusal(book, folder) == [
        f"{late}:2: rate_percent: LIBOR-1M on 1996-01-17 is already 5.5 in the book "
        "(from fixing event fx-1)"
    ]
    late.write_text("index,date,rate_percent\nLIBOR-1M,1996-01-17,5.50\n")  # the same rate
    assert import_folder(book, folder).fixings_added == 1


def test_two_fixings_files_with_two_rates_for_one_day_are_refused(
    book: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "two-files"
    (folder / "rates").mkdir(parents=True)
    (folder / "rates" / "a.csv").write_text("index,date,rate_percent\nLIBOR-1M,1996-01-17,5.5\n")
    b = folder / "rates" / "b.csv"
    b.write_text("index,date,rate_percent\nLIBOR-1M,1996-01-17,5.6\n")
    assert import_refusal(book, folder) == [
        f"{b}:2: rate_percent: LIBOR-1M on 1996-01-17 is already 5.5 earlier in this folder "
        "(from rates/a.csv:2)"
    ]


def test_concurrent_fixings_of_one_index_are_serialized(book: Store, db_kind: str) -> None:
    # Writer A checks and inserts 5.5% for 1996-01-17 and holds its transaction open; writer
    # B, recording 5.6% for the same day, waits for the index's lock, then sees A's fixing
    # and is refused. (SQLite allows one writer at a time anyway.)
    if db_kind != "postgresql":
        pytest.skip("SQLite serializes writers by itself; the lock is PostgreSQL's")
    a, b = fixing(JAN17, "5.5", "fx-a"), fixing(JAN17, "5.6", "fx-b")
    refused = second_writer_refused(book, a, b, "LIBOR-1M")
    assert "LIBOR-1M on 1996-01-17 is already 5.5 in the book" in refused
    assert [s.event.key for s in log(book) if s.event.kind is EventKind.FIXING] == ["fx-a"]
