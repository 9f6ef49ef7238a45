"""The book's foundations: the URL choice, the schema, import, export, append-only tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from loanbook.storage import migrate
from loanbook.storage.export import export_folder
from loanbook.storage.importer import import_folder
from loanbook.storage.record import log
from loanbook.storage.store import Store
from loanbook.storage.url import database_url
from tests.conftest import CIT_BOOK as EXAMPLE
from tests.storage.conftest import TABLES, dump


def test_database_url_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOANBOOK_DATABASE_URL", raising=False)
    assert database_url(None) == "sqlite:///loanbook.db"
    assert database_url("books/a.db") == "sqlite:///books/a.db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("LOANBOOK_DATABASE_URL", "postgres://u@h/team")
    assert database_url(None) == "postgresql+psycopg://u@h/team"
    assert database_url("mine.db") == "sqlite:///mine.db"  # --db wins over the environment


def test_schema_is_created_on_first_use_at_head(store: Store) -> None:
    assert migrate.current(store.engine) == migrate.head() == migrate.HEAD == "0002"
    assert migrate.upgrade(store.engine) == "0002"  # running it again changes nothing


def test_import_is_validated_and_idempotent(store: Store) -> None:
    first = import_folder(store, EXAMPLE)
    assert first.documents_added == ("000", "003", "cit-lsa")
    assert first.fixings_added == 158 and len(first.events.added) == 9
    before = dump(store)
    again = import_folder(store, EXAMPLE)
    assert again.documents_added == () and again.fixings_added == 0 and again.events.added == ()
    assert again.documents_unchanged == ("000", "003", "cit-lsa")
    assert len(again.events.existing) == 9
    assert dump(store) == before


def test_stored_book_is_the_folder_book(store: Store, example_book: object) -> None:
    import_folder(store, EXAMPLE)
    book = store.book()
    assert book.loan_ids() == ("cit-note",)
    from datetime import date

    ours = book.run("cit-note", date(1996, 12, 31)).lines
    theirs = example_book.run("cit-note", date(1996, 12, 31)).lines  # type: ignore[attr-defined]
    assert ours == theirs  # the stored book holds the same inputs (not a proof of the values)
    # ... and the values are the hand-checked ones: first interest 110,874.46 (see
    # tests/terms/test_terms.py), nine installments paid: 4,554,900 - 9 x 94,893.75.
    due = [ln.amount for ln in ours if ln.kind.value == "interest_due"]
    assert due[0] == Decimal("110874.46")
    assert book.run("cit-note", date(1996, 12, 31)).position.principal_outstanding == Decimal(
        "3700856.25"
    )


def test_export_rebuilds_the_folder(store: Store, tmp_path: Path) -> None:
    import_folder(store, EXAMPLE)
    out = tmp_path / "rebuilt"
    done = export_folder(store, out)
    assert (done.documents, done.fixing_files, done.events) == (3, 2, 9)
    for name in ("000-cit-amendment-1.yaml", "003-cit-promissory-note.yaml"):
        assert (out / name).read_bytes() == (EXAMPLE / name).read_bytes()
    for name in ("libor-1m.csv", "prime.csv"):
        assert (out / "rates" / name).read_text() == (EXAMPLE / "rates" / name).read_text()
    # and importing the rebuilt folder into a new book gives the same book
    copy = Store.open(f"sqlite:///{tmp_path / 'copy.db'}")
    import_folder(copy, out)

    def events(book: Store) -> list[tuple[object, ...]]:  # as read (each database's own text)
        return [(s.id, s.event, s.recorded_at) for s in log(book)]

    assert events(copy) == events(store)  # with the same keys and recorded times
    assert dump(copy, volatile=False)["documents"] == dump(store, volatile=False)["documents"]


@pytest.mark.parametrize("table", TABLES)
def test_tables_are_append_only(store: Store, table: str) -> None:
    from datetime import date

    from loanbook.storage.close import close_of_business

    import_folder(store, EXAMPLE)
    close_of_business(store, date(1996, 1, 20))
    before = dump(store)
    for statement in (f"UPDATE {table} SET loan = loan", f"DELETE FROM {table}"):
        if table in ("documents", "fixings"):
            statement = statement.replace("loan = loan", "source = source")
        with pytest.raises(DBAPIError, match="append-only"), store.write() as conn:
            conn.execute(text(statement))
    assert dump(store) == before
