"""The Store: one book in one database, and the pure Book it holds as of a known-on time.

Reading turns rows back into the core's records (``TermDocument``, ``Fixing``, ``LoanEvent``)
so that every figure is computed by the same engine as for a folder; writing lives in
``record``, ``close`` and ``audit``. Nothing connects at import time: ``Store.open`` does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from loanbook.book import Book, TermDocument
from loanbook.engine.events import EventKind, LoanEvent, in_force
from loanbook.errors import Issue, LoanbookError
from loanbook.rates import Fixing, Market
from loanbook.storage import migrate
from loanbook.storage.db import WRITE, database_error, make_engine, transaction
from loanbook.storage.schema import DocumentRow, EventRow, FixingRow
from loanbook.storage.url import database_url, describe, given_database
from loanbook.storage.view import BookView
from loanbook.terms.files import parse_term_file
from loanbook.terms.schema import TermFileModel

KnownOn = date | datetime | None


def known_instant(known_on: KnownOn) -> datetime | None:
    """A known-on date means the end of that day (UTC); a datetime means that instant."""
    if known_on is None:
        return None
    if isinstance(known_on, datetime):
        return known_on if known_on.tzinfo else known_on.replace(tzinfo=UTC)
    return datetime.combine(known_on + timedelta(days=1), time(), UTC) - timedelta(microseconds=1)


def known_date(known_on: KnownOn) -> date | None:
    """The date documents are filtered by (their own record dates are dates)."""
    if isinstance(known_on, datetime):
        return known_on.astimezone(UTC).date()
    return known_on


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoredEvent:
    """An event as the log holds it: the core record plus when and how the book learned of it."""

    id: int
    event: LoanEvent
    recorded_at: datetime
    source: str


def event_of(row: Any) -> StoredEvent:
    detail = tuple((str(k), str(v)) for k, v in json.loads(row.detail))
    ev = LoanEvent(
        row.date, row.loan, EventKind(row.kind), row.amount, row.reference, row.key, detail
    )
    return StoredEvent(row.id, ev, row.recorded_at, row.source)


def effective_events(stored: Iterable[StoredEvent]) -> tuple[LoanEvent, ...]:
    """The events in force: corrections remove the events they reverse (and themselves;
    ``events.in_force``, as a folder's events are read)."""
    return in_force(s.event for s in stored)


@dataclass(frozen=True)
class Watermark:
    """The last ids of events, documents and fixings a computation read (inclusive)."""

    events: int
    documents: int
    fixings: int


@dataclass(frozen=True)
class _Cached:
    signature: tuple[int, int]
    value: Any


class Store:
    """A book in a database (SQLite file or PostgreSQL), created and migrated on first use."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._documents: _Cached | None = None
        self._fixings: _Cached | None = None

    @classmethod
    def open(cls, db: str | None = None, *, create: bool = True) -> Store:
        """Open ``db`` (path or URL; see ``url.database_url``), migrating it if needed."""
        url = database_url(db)
        try:
            store = cls(url, make_engine(url))
            if create:
                migrate.ensure(store.engine)
        except SQLAlchemyError as exc:
            raise database_error(describe(url), exc) from None
        return store

    @classmethod
    def open_book(cls, db: str | None = None, shown: str | None = None) -> Store:
        """Open the book that already is at ``db`` (bringing its schema up to date); refuse,
        creating nothing, a path with no book, an empty database or another application's.
        Only ``loanbook init`` creates a book. ``shown`` names it in messages (the path as
        the user gave it)."""
        url = database_url(db)
        name = shown or describe(str(db) if db is not None else given_database())
        try:
            tables = _tables_before_opening(url, name)
        except SQLAlchemyError as exc:
            raise database_error(name, exc) from None
        if tables is None or not tables:
            empty = "" if tables is None else " (the database is empty)"
            raise LoanbookError(
                Issue(
                    "--db",
                    "db",
                    f"no book at {name}{empty} (run `loanbook init --db {name}` first)",
                )
            )
        missing = BOOK_TABLES - tables
        if missing:
            found = ", ".join(sorted(tables)[:8]) + (", ..." if len(tables) > 8 else "")
            raise LoanbookError(
                Issue(
                    "--db",
                    "db",
                    f"{name} is not a Loanbook book (it has tables {found}; no "
                    f"{', '.join(sorted(missing))})",
                )
            )
        try:
            store = cls(url, make_engine(url))
            migrate.ensure(store.engine)
        except SQLAlchemyError as exc:
            raise database_error(name, exc) from None
        return store

    @property
    def name(self) -> str:
        return describe(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with transaction(self.engine) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (the unit of work): all of it is stored, or none of it."""
        with transaction(self.engine, write=True) as conn:
            yield conn

    @contextmanager
    def writer(self) -> Iterator[Connection]:
        """One connection for a series of write transactions (``write_on``): close of business
        commits thousands of batches, and opening a connection for each costs as much as a
        small batch's INSERTs."""
        with self.engine.connect() as conn:
            yield conn.execution_options(**{WRITE: True})

    @contextmanager
    def write_on(self, conn: Connection) -> Iterator[Connection]:
        """A write transaction on a ``writer`` connection: all of it is stored, or none."""
        with conn.begin():
            yield conn

    @contextmanager
    def forgetting(self) -> Iterator[None]:
        """Forget the cached documents and fixings if the block raises: a transaction that
        wrote some and was rolled back (a refused import, ``validate``) leaves a cache whose
        signature (count and last id) the next rows may share."""
        try:
            yield
        except BaseException:
            self._documents = self._fixings = None
            raise

    # -- reading the book ------------------------------------------------------------------
    def document_rows(self, conn: Connection) -> tuple[tuple[int, TermDocument], ...]:
        """Every recorded term file, parsed (cached while the table is unchanged)."""
        sig = _signature(conn, DocumentRow.id)
        if self._documents is not None and self._documents.signature == sig:
            cached: tuple[tuple[int, TermDocument], ...] = self._documents.value
            return cached
        rows = conn.execute(select(DocumentRow).order_by(DocumentRow.id)).all()
        docs = tuple((r.id, document_of(r.source, r.text, r.model_json)) for r in rows)
        self._documents = _Cached(sig, docs)
        return docs

    def fixing_rows(self, conn: Connection) -> tuple[tuple[int, Fixing], ...]:
        """Every fixing from the fixing files (cached while the table is unchanged)."""
        sig = _signature(conn, FixingRow.id)
        if self._fixings is not None and self._fixings.signature == sig:
            cached: tuple[tuple[int, Fixing], ...] = self._fixings.value
            return cached
        rows = conn.execute(select(FixingRow).order_by(FixingRow.id)).all()
        out = tuple(
            (r.id, Fixing(r.index_name, r.date, r.rate_percent / 100, r.source)) for r in rows
        )
        self._fixings = _Cached(sig, out)
        return out

    def fixings(self, conn: Connection) -> tuple[Fixing, ...]:
        return tuple(f for _, f in self.fixing_rows(conn))

    def watermark(self, conn: Connection) -> Watermark:
        """The last ids now: a computation that reads up to them is reproducible."""
        return Watermark(
            _signature(conn, EventRow.id)[1],
            _signature(conn, DocumentRow.id)[1],
            _signature(conn, FixingRow.id)[1],
        )

    def stored_events(
        self,
        conn: Connection,
        known_on: KnownOn = None,
        loans: Iterable[str] | None = None,
        kinds: Iterable[EventKind] | None = None,
        upto: int | None = None,
    ) -> list[StoredEvent]:
        """Events in log order, recorded on or before ``known_on`` (and with ids up to
        ``upto``), optionally of some loans or kinds only."""
        query = select(EventRow).order_by(EventRow.id)
        if upto is not None:
            query = query.where(EventRow.id <= upto)
        instant = known_instant(known_on)
        if instant is not None:
            query = query.where(EventRow.recorded_at <= instant)
        if loans is not None:
            query = query.where(EventRow.loan.in_(sorted(set(loans))))
        if kinds is not None:
            query = query.where(EventRow.kind.in_(sorted(k.value for k in kinds)))
        return [event_of(r) for r in conn.execute(query)]

    def view(
        self,
        conn: Connection,
        known_on: KnownOn = None,
        with_events: bool = True,
        upto: Watermark | None = None,
        documents: bool = True,
    ) -> BookView:
        """The book as known on ``known_on`` (every document, fixing and event recorded by
        then; documents by their own record date), ready to run loan by loan. ``upto``
        limits it to what a past computation read. Without ``documents``: the market and
        events only, for views of a few documents each (``BookView.for_documents``)."""
        last_event = upto.events if upto else None
        docs: tuple[TermDocument, ...] = ()
        if documents:
            docs = tuple(d for i, d in self.document_rows(conn) if not upto or i <= upto.documents)
        market_kinds = (EventKind.FIXING, EventKind.CORRECTION)
        stored = self.stored_events(conn, known_on, kinds=market_kinds, upto=last_event)
        fixing_events = tuple(e for e in effective_events(stored) if e.kind is EventKind.FIXING)
        events: tuple[LoanEvent, ...] = ()
        if with_events:
            events = effective_events(self.stored_events(conn, known_on, upto=last_event))
        market = Market.of(f for i, f in self.fixing_rows(conn) if not upto or i <= upto.fixings)
        return BookView(docs, market, fixing_events, events, known_date(known_on))

    def book(self, known_on: KnownOn = None) -> Book:
        """The whole book as one pure ``Book`` (for the folder commands' use cases)."""
        with self.read() as conn:
            return self.view(conn, known_on).book


#: The tables every Loanbook book has (``alembic_version`` says at which revision).
BOOK_TABLES = frozenset({"alembic_version", "documents", "fixings", "events", "postings"})


def _is_sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database or "")


def _tables_before_opening(url: str, name: str) -> set[str] | None:
    """The tables in the database at ``url``, read without creating or changing anything (a
    SQLite file is opened read-only); None when there is no such SQLite file."""
    path = _is_sqlite_file(url)
    if path is None:
        engine = make_engine(url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise LoanbookError(
            Issue(name, "db", f"not a SQLite database, or a damaged one ({exc})")
        ) from None
    return {str(r[0]) for r in rows}


def _signature(conn: Connection, column: Any) -> tuple[int, int]:
    count, last = conn.execute(select(func.count(), func.max(column))).one()
    return int(count), int(last or 0)


def document_of(source: str, text: str, model_json: str | None) -> TermDocument:
    """A stored term file: from its parsed form when that was stored exactly, else its text."""
    if model_json is not None:
        return TermDocument(source, text, TermFileModel.model_validate_json(model_json))
    return TermDocument(source, text, parse_term_file(text, source))
