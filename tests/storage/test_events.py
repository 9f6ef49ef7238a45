"""The event log: idempotency keys, corrections, and bad input refused with the book unchanged."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import ValidationError
from loanbook.storage.importer import import_folder
from loanbook.storage.record import (
    log,
    parse_events_file,
    record_event,
    record_events,
    with_key,
)
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK as EXAMPLE
from tests.storage.conftest import dump

runner = CliRunner()


def pay(day: date, amount: str, key: str = "", loan: str = "cit-note") -> LoanEvent:
    return LoanEvent(day, loan, EventKind.PAYMENT, Decimal(amount), "test", key)


@pytest.fixture
def book(store: Store) -> Store:
    import_folder(store, EXAMPLE)
    return store


def test_same_key_twice_is_one_event(book: Store) -> None:
    first = record_event(book, pay(date(1997, 1, 31), "1000.00", "k-1"))
    again = record_event(book, pay(date(1997, 1, 31), "1000", "k-1"))  # 1000 == 1000.00
    assert first.added == ("k-1",) and again.added == () and again.existing == ("k-1",)
    assert [s.event.key for s in log(book, "cit-note")].count("k-1") == 1


def test_without_a_key_the_content_is_the_key(book: Store) -> None:
    a = record_event(book, pay(date(1997, 1, 31), "250"))
    b = record_event(book, pay(date(1997, 1, 31), "250.00"))
    assert a.added == ("cit-note/payment/1997-01-31/250/test",) and b.existing == a.added


def test_same_key_other_content_is_refused(book: Store) -> None:
    record_event(book, pay(date(1997, 1, 31), "1000", "k-1"))
    before = dump(book)
    with pytest.raises(ValidationError) as err:
        record_event(book, pay(date(1997, 1, 31), "999", "k-1"))
    assert str(err.value) == (
        "cli: key: 'k-1' is already recorded as payment 1000 on 1997-01-31 for cit-note; "
        "record a correction to change it (event k-1)"
    )
    assert dump(book) == before


def test_a_correction_reverses_an_event_without_touching_it(book: Store) -> None:
    record_event(book, pay(date(1996, 11, 5), "5000", "wrong"))
    assert "wrong" in [e.key for e in book.book().events]
    fix = LoanEvent(
        date(1996, 11, 5),
        "cit-note",
        EventKind.CORRECTION,
        None,
        "typo",
        "fix-1",
        (("reverses", "wrong"),),
    )
    record_event(book, fix)
    keys = [e.key for e in book.book().events]
    assert "wrong" not in keys and "fix-1" not in keys
    assert [s.event.key for s in log(book)][-2:] == ["wrong", "fix-1"]  # both stay in the log
    with pytest.raises(ValidationError, match="'wrong' is already reversed by 'fix-1'"):
        record_event(
            book,
            LoanEvent(
                date(1996, 11, 5),
                "cit-note",
                EventKind.CORRECTION,
                None,
                "",
                "fix-2",
                (("reverses", "wrong"),),
            ),
        )


BAD = [
    (
        pay(date(1997, 1, 31), "100", loan="nope"),
        "cli: loan: unknown loan 'nope' (known: cit-note)",
    ),
    (pay(date(1997, 1, 31), "-5"), "cli: amount: must be positive, got -5"),
    (pay(date(1997, 1, 31), "0"), "cli: amount: must be positive, got 0"),
    (
        pay(date(1996, 1, 16), "100"),
        "cli: date: 1996-01-16 is before loan cit-note starts (1996-01-17, 003 ¶1)",
    ),
]


@pytest.mark.parametrize(("event", "message"), BAD)
def test_bad_event_is_refused_and_the_book_unchanged(
    book: Store, event: LoanEvent, message: str
) -> None:
    before = dump(book)
    with pytest.raises(ValidationError) as err:
        record_event(book, event)
    assert message in [str(replace(i, event=None)) for i in err.value.issues]
    assert {i.event for i in err.value.issues} == {with_key(event).key}  # each names the event
    assert dump(book) == before


def test_one_bad_row_refuses_the_whole_file(book: Store, tmp_path: Path) -> None:
    csv = tmp_path / "events.csv"
    csv.write_text(
        "date,loan,kind,amount,reference,key\n"
        "1997-01-31,cit-note,payment,100.00,ok,good-1\n"
        "1997-02-28,cit-note,payment,0,neg,bad-1\n"
        "1997-02-28,cit-nope,payment,3,who,bad-2\n"
    )
    before = dump(book)
    with pytest.raises(ValidationError) as err:
        record_events(book, parse_events_file(csv.read_text(), str(csv)))
    assert str(err.value).splitlines() == [
        f"{csv}:3: amount: must be positive, got 0 (event bad-1)",
        f"{csv}:4: loan: unknown loan 'cit-nope' (known: cit-note) (event bad-2)",
    ]
    assert dump(book) == before


def test_malformed_csv_rows_name_file_row_and_field(tmp_path: Path) -> None:
    text = (
        "date,loan,kind,amount,reference,key\n"
        "1997-13-01,cit-note,payment,1,r,k1\n"
        "1997-01-31,cit-note,payment,1\n"
        "1997-01-31,cit-note,payment,ten,r,k3\n"
        "1997-01-31,cit-note,payday,1,r,k4\n"
    )
    with pytest.raises(ValidationError) as err:
        parse_events_file(text, "e.csv")
    lines = str(err.value).splitlines()
    assert lines[0] == "e.csv:2: date: '1997-13-01' is not a date (month must be in 1..12)"
    assert lines[1] == "e.csv:3: row: expected 6 columns, got 4"
    assert lines[2].startswith("e.csv:4: amount: 'ten' is not a decimal amount (")
    assert lines[3].startswith("e.csv:5: kind: unknown kind 'payday'")


def test_recorded_column_sets_when_the_book_learned(book: Store) -> None:
    items = parse_events_file(
        "date,loan,kind,amount,reference,key,recorded\n"
        "1996-11-05,cit-note,payment,10,r,late-k,1996-11-20\n",
        "e.csv",
    )
    record_events(book, items)
    (stored,) = [s for s in log(book) if s.event.key == "late-k"]
    assert stored.recorded_at.isoformat() == "1996-11-20T00:00:00+00:00"
    assert stored.event.detail == () and stored.source == "e.csv:2"


def _cli(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_cli_bad_input_exit_1_names_the_problem_and_changes_nothing(
    book: Store, db_url: str, tmp_path: Path
) -> None:
    before = dump(book)
    result = _cli(
        "record",
        "payment",
        "--db",
        db_url,
        "--loan",
        "cit-note",
        "--date",
        "1996-01-01",
        "--amount",
        "0",
    )
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert result.stderr.splitlines() == [  # type: ignore[attr-defined]
        "cli: amount: must be positive, got 0 (event cit-note/payment/1996-01-01/0/)",
        "cli: date: 1996-01-01 is before loan cit-note starts (1996-01-17, 003 ¶1)"
        " (event cit-note/payment/1996-01-01/0/)",
    ]
    bad_csv = tmp_path / "ev.csv"
    bad_csv.write_text("date,loan,kind,amount,reference\n1997-01-31,cit-note,payment\n")
    result = _cli("record", "--file", str(bad_csv), "--db", db_url)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert f"{bad_csv}:2: row: expected 5 columns, got 3" in result.stderr  # type: ignore[attr-defined]
    assert dump(book) == before


def test_import_of_a_failing_term_file_writes_nothing(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "book"
    shutil.copytree(EXAMPLE, folder)
    note = folder / "003-cit-promissory-note.yaml"
    note.write_text(note.read_text().replace("value: 4554900.00", "value: -4554900.00"))
    before = dump(store)
    result = _cli("import", str(folder), "--db", db_url)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    (line,) = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert line.startswith(f"{note}:") and ": loans.cit-note.principal.value: " in line
    assert "must be more than zero" in line
    assert dump(store) == before


def test_import_refuses_a_changed_document(book: Store, tmp_path: Path) -> None:
    folder = tmp_path / "book"
    shutil.copytree(EXAMPLE, folder)
    note = folder / "003-cit-promissory-note.yaml"
    note.write_text(note.read_text().replace("value: 4554900.00", "value: 4554901.00"))
    before = dump(book)
    with pytest.raises(ValidationError) as err:
        import_folder(book, folder)
    assert str(err.value) == (
        f"{note}: document.id: document '003' is already in the book (from "
        "003-cit-promissory-note.yaml) with different text; a change to recorded terms is an "
        "amendment, its own document"
    )
    assert dump(book) == before


def test_cli_record_json_and_idempotency(book: Store, db_url: str) -> None:
    args = (
        "record",
        "payment",
        "--db",
        db_url,
        "--loan",
        "cit-note",
        "--date",
        "1997-01-31",
        "--amount",
        "122000.00",
        "--key",
        "jan-97",
        "--json",
    )
    first = json.loads(_cli(*args).stdout)  # type: ignore[attr-defined]
    again = json.loads(_cli(*args).stdout)  # type: ignore[attr-defined]
    assert first == {"added": ["jan-97"], "existing": []}
    assert again == {"added": [], "existing": ["jan-97"]}
