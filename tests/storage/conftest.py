"""Fixtures: every storage test runs on SQLite (a temporary file) and on PostgreSQL (a fresh
schema per test, dropped afterwards, so tests are isolated and run in parallel).

PostgreSQL comes from ``LOANBOOK_TEST_POSTGRES_URL`` (CI sets it; default: the machine's
server at 127.0.0.1:5432, database ``test``). If it is unreachable the PostgreSQL variants
are skipped, unless the variable is set, in which case they fail.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from loanbook.engine.events import LoanEvent
from loanbook.errors import ValidationError
from loanbook.storage.record import (
    Incoming,
    check_events,
    insert_events,
    lock_loans,
    record_event,
)
from loanbook.storage.store import Store
from loanbook.storage.url import database_url

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_URL = database_url(os.environ.get("LOANBOOK_TEST_POSTGRES_URL", DEFAULT_PG))


def with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_db(kind: str, folder: Path) -> Iterator[str]:
    """A new, empty database of ``kind``: a SQLite file in ``folder`` or a PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'book-{uuid.uuid4().hex[:8]}.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_URL, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        if "LOANBOOK_TEST_POSTGRES_URL" in os.environ:
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc.orig}")
    try:
        yield with_search_path(PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def db_url(db_kind: str, tmp_path: Path) -> Iterator[str]:
    with fresh_db(db_kind, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened


TABLES = ("documents", "fixings", "events", "postings", "entries", "closes")


def dump(store: Store, volatile: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted; without ``volatile`` the wall-clock columns
    (``posted_at``, ``closed_at``, ids of closes) are left out, to compare two runs."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    drop = set() if volatile else {"posted_at", "closed_at", "recorded_at"}
    with store.read() as conn:
        for table in TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
            out[table] = sorted(
                (tuple((k, str(v)) for k, v in row.items() if k not in drop) for row in rows),
            )
    if not volatile:
        out["closes"] = sorted(tuple(p for p in r if p[0] != "id") for r in out["closes"])
    return out


# -- close of business's writer process -----------------------------------------------------
def writers(parent: int) -> list[int]:
    """The writer processes whose parent is ``parent`` (alive: not zombies)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == parent and state != "Z" and b"loanbook.storage.writer" in cmdline:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def second_writer_refused(book: Store, first: LoanEvent, second: LoanEvent, lock: str) -> str:
    """Writer A checks and inserts ``first`` and holds its transaction open; writer B records
    ``second`` meanwhile. B must wait for the lock on ``lock`` (PostgreSQL; SQLite allows one
    writer at a time anyway), then see A's event and be refused: the refusal's text."""
    outcome: dict[str, object] = {}

    def writer_b() -> None:
        try:
            outcome["b"] = record_event(book, second)
        except ValidationError as exc:
            outcome["b"] = exc

    with book.write() as conn:
        lock_loans(conn, [Incoming(first)])
        new, _, issues = check_events(
            conn, book, book.view(conn, with_events=False), [Incoming(first)]
        )
        assert not issues
        insert_events(conn, new)
        thread = threading.Thread(target=writer_b)
        thread.start()
        time.sleep(1.5)
        assert thread.is_alive(), f"writer B did not wait for the lock on {lock}"
    thread.join(60)
    assert isinstance(outcome["b"], ValidationError), outcome
    return str(outcome["b"])
