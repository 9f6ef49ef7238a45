"""Engines and transactions for SQLite and PostgreSQL through one code path.

SQLite: WAL journal (readers never block the writer), a long busy timeout, and writes that
start with ``BEGIN IMMEDIATE`` so two writers queue instead of failing with "database is
locked" when a read transaction tries to become a write one. PostgreSQL needs nothing special:
uniqueness (idempotency keys, loan-day postings) is enforced by constraints.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from loanbook.errors import Issue, LoanbookError

WRITE = "loanbook_write"
BUSY_TIMEOUT_MS = 120_000


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder must exist (the file is created)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, poolclass=NullPool)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def database_error(name: str, exc: SQLAlchemyError) -> LoanbookError:
    """A database failure as one line naming the book: not a database, damaged, unreachable."""
    orig = getattr(exc, "orig", None) or exc
    detail = " ".join(str(orig).split()) or type(orig).__name__
    if isinstance(orig, sqlite3.DatabaseError) and (
        "not a database" in detail or "malformed" in detail
    ):
        reason = f"not a SQLite database, or a damaged one ({detail})"
    elif isinstance(exc, OperationalError):
        reason = f"cannot use the database ({detail})"
    else:
        reason = f"database error ({detail})"
    return LoanbookError(Issue(name, "db", reason))


@contextmanager
def transaction(engine: Engine, write: bool = False) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with engine.connect() as conn:
        if write:
            conn = conn.execution_options(**{WRITE: True})
        with conn.begin():
            yield conn
