"""Two identical event rows without a key are two events (a borrower who paid the same amount
twice on the same day); importing the file again records nothing twice (issue 7, point 2)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

from loanbook.engine.events import EventKind
from loanbook.storage.importer import import_folder
from loanbook.storage.record import log, parse_events_file, record_events
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import dump

TWICE = (
    "date,loan,kind,amount,reference\n"
    "1997-01-31,cit-note,payment,1000.00,wire\n"
    "1997-01-31,cit-note,payment,500.00,wire\n"
    "1997-01-31,cit-note,payment,1000.00,wire\n"
)


def _paid(store: Store) -> list[Decimal]:
    return [
        s.event.amount or Decimal(0)
        for s in log(store, "cit-note")
        if s.event.kind is EventKind.PAYMENT and s.event.date == date(1997, 1, 31)
    ]


def test_identical_rows_of_a_file_are_both_recorded(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "book"
    shutil.copytree(CIT_BOOK, folder)
    (folder / "events" / "twice.csv").write_text(TWICE, encoding="utf-8")
    first = import_folder(store, folder)
    assert sorted(_paid(store)) == [Decimal("500.00"), Decimal("1000.00"), Decimal("1000.00")]
    assert "cit-note/payment/1997-01-31/1000/wire#2" in first.events.added
    before = dump(store)
    again = import_folder(store, folder)  # the same file again: nothing new
    assert again.events.added == () and len(again.events.existing) == len(first.events.added)
    assert dump(store) == before
    # the engine applies both payments
    book = store.book()
    applied = [
        ln.amount
        for ln in book.run("cit-note", date(1997, 2, 1)).lines
        if ln.date == date(1997, 1, 31) and ln.kind.value == "payment_applied"
    ]
    assert sum(applied) == Decimal("2500.00")


def test_recording_the_file_again_is_idempotent(store: Store) -> None:
    import_folder(store, CIT_BOOK)
    items = parse_events_file(TWICE, "bank.csv")
    assert [i.event.key for i in items] == ["", "", "cit-note/payment/1997-01-31/1000/wire#2"]
    assert len(record_events(store, items).added) == 3
    again = record_events(store, parse_events_file(TWICE, "bank.csv"))
    assert again.added == () and len(again.existing) == 3
    assert len(_paid(store)) == 3
