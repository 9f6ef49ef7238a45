"""Rows written by ``storage.bulk`` (the driver's executemany on SQLite, COPY on PostgreSQL,
values converted once) are stored exactly as ``insert(Table)`` stores them: compared as the
database returns them, raw (``SELECT *`` without SQLAlchemy's types), on SQLite and
PostgreSQL; a duplicate key is refused as an INSERT's is (``IntegrityError``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError

from loanbook.storage.bulk import BulkInsert
from loanbook.storage.schema import Base
from loanbook.storage.store import Store
from loanbook.storage.writer import ENTRY_COLUMNS, POSTING_COLUMNS

STAMP = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=timezone(timedelta(hours=-5)))
POSTINGS = [
    ("n-1", date(1996, 1, 18), 0, date(1996, 1, 17), "accrual", "n-1/accrual/1996-01-17",
     "note", "003 ¶1", "interest", "memo, with ‘quotes’", None, None, STAMP),
    ("n-1", date(1996, 1, 18), 1, date(1996, 1, 17), "accrual", "n-1/accrual/1996-01-17",
     "note", "003 ¶1", "", "", date(1996, 1, 18), 0, STAMP.astimezone(UTC)),
]  # fmt: skip
ENTRIES = [
    ("n-1", date(1996, 1, 18), 0, 0, "debit", "interest_accrued", 109177),
    ("n-1", date(1996, 1, 18), 0, 1, "credit", "interest_income", 109177),
]


def _raw(store: Store, table: str) -> list[tuple[Any, ...]]:
    with store.read() as conn:
        return sorted(tuple(r) for r in conn.execute(text(f"SELECT * FROM {table}")))


def _bulk(store: Store, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    writer = BulkInsert(store.engine.dialect, Base.metadata.tables[table], columns)
    converted = [
        tuple(
            writer.value(c, v) if isinstance(v, date) else v
            for c, v in zip(columns, r, strict=True)
        )
        for r in rows
    ]
    with store.write() as conn:
        writer.execute(conn, converted)


def test_bulk_rows_are_stored_as_insert_stores_them(store: Store) -> None:
    tables = Base.metadata.tables
    with store.write() as conn:
        conn.execute(
            insert(tables["postings"]),
            [dict(zip(POSTING_COLUMNS, r, strict=True)) for r in POSTINGS],
        )
        conn.execute(
            insert(tables["entries"]), [dict(zip(ENTRY_COLUMNS, r, strict=True)) for r in ENTRIES]
        )
    expected = (_raw(store, "postings"), _raw(store, "entries"))
    # the tables are append-only: the same rows again, under another loan
    moved = [("n-2", *r[1:]) for r in POSTINGS]
    moved_entries = [("n-2", *r[1:]) for r in ENTRIES]
    _bulk(store, "postings", POSTING_COLUMNS, moved)
    _bulk(store, "entries", ENTRY_COLUMNS, moved_entries)
    postings = [r for r in _raw(store, "postings") if r[0] == "n-2"]
    entries = [r for r in _raw(store, "entries") if r[0] == "n-2"]
    assert postings == [("n-2", *r[1:]) for r in expected[0]]
    assert entries == [("n-2", *r[1:]) for r in expected[1]]
    # a posting twice is refused as insert() refuses it: an IntegrityError, nothing written
    with pytest.raises(IntegrityError):
        _bulk(store, "postings", POSTING_COLUMNS, moved[:1])
    assert len(_raw(store, "postings")) == 4


def test_more_rows_than_one_statement_holds(store: Store) -> None:
    # one executemany of 2,500 rows (a transaction of close of business holds about 1,700)
    rows = [("n-9", *POSTINGS[0][1:2], seq, *POSTINGS[0][3:]) for seq in range(2_500)]
    _bulk(store, "postings", POSTING_COLUMNS, rows)
    with store.read() as conn:
        found = conn.execute(
            text("SELECT count(*), min(seq), max(seq) FROM postings WHERE loan = 'n-9'")
        ).one()
    assert tuple(found) == (2_500, 0, 2_499)
