"""Close of business's write transactions: one commit function, run by a writer thread of the
run's process or by a writer process of its own (``python -m loanbook.storage.writer``).

Why a process: on SQLite, ``sqlite3``'s ``executemany`` binds each row with the interpreter
lock held, so a writer thread and the engine's thread take turns in one interpreter instead of
using the two cores (``benchmarks/README.md``: 4.65 CPU s of writing spread over 21.8 s of
open transactions in a 23.3 s run). A process has an interpreter of its own. The rows of a
transaction are plain tuples of driver-form values (``_Rows``, built by the planning thread
before the transaction), so they cross a pipe as one pickle; the process opens its own
connection to the same book (``Store``: the same URL, so the same PRAGMAs and busy timeout)
and commits each transaction whole with ``Committer.commit``, the thread's code.

The pipes: the run writes frames (length, pickle) to the process's standard input: the URL,
then one ``_Rows`` a transaction; the end of its input means "nothing more" (a finished run,
or a parent that died). The process answers each transaction on its standard output (rows,
wall and CPU seconds), or with the first error, as issues, and stops. It asks Linux to kill it
when its parent dies (``PR_SET_PDEATHSIG``), so a run killed with SIGKILL leaves no writer that
commits later: the transaction it was writing is rolled back with it, as a killed thread's is.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import struct
import sys
import time
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from loanbook.errors import Issue, LoanbookError
from loanbook.storage.bulk import BulkInsert
from loanbook.storage.db import database_error, make_engine
from loanbook.storage.schema import PostingRow
from loanbook.storage.store import Store, now

POSTING_COLUMNS = (
    "loan",
    "posted_on",
    "seq",
    "date",
    "kind",
    "event",
    "term",
    "cite",
    "component",
    "memo",
    "reverses_on",
    "reverses_seq",
    "posted_at",
)
ENTRY_COLUMNS = ("loan", "posted_on", "seq", "leg", "side", "account", "amount_cents")
KNOWLEDGE_COLUMNS = (
    "events_upto",
    "loan_events",
    "loan_events_max",
    "market_events",
    "market_events_max",
    "documents",
    "documents_max",
    "fixings",
    "fixings_max",
)
CLOSE_COLUMNS = ("loan", "day", *KNOWLEDGE_COLUMNS, "closed_at")


@dataclass
class _Rows:
    """One transaction's rows (up to ``close.DAYS`` days of a batch of loans), built by the
    planning thread before the transaction begins, so that the write lock is held only for
    the INSERTs and the commit. The time stamp, the last column of postings and closes, is
    the writer's."""

    first: date
    last: date
    postings: list[tuple[Any, ...]]
    entries: list[tuple[Any, ...]]
    closes: list[tuple[Any, ...]]
    reversals: int


@dataclass(frozen=True)
class Committed:
    """What one transaction wrote, and the writer's wall and CPU seconds inside it."""

    postings: int
    reversals: int
    closes: int
    seconds: float
    cpu_seconds: float


class Committer:
    """The INSERTs of close of business into ``store``'s tables, and the one way they are
    committed (the writer thread's and the writer process's)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        tables = PostingRow.metadata.tables
        dialect = store.engine.dialect
        self.postings = BulkInsert(dialect, tables["postings"], POSTING_COLUMNS)
        self.entries = BulkInsert(dialect, tables["entries"], ENTRY_COLUMNS)
        self.closes = BulkInsert(dialect, tables["closes"], CLOSE_COLUMNS)

    def commit(self, conn: Connection, rows: _Rows) -> Committed:
        """One transaction: the rows, each posting and close stamped with the time now; all
        of it or, if it raises, none. A duplicate key (another run closed some of these
        loan-days first) is one issue saying so."""
        stamp = now()
        p_stamp = self.postings.value("posted_at", stamp)
        c_stamp = self.closes.value("closed_at", stamp)
        # the stamped rows made before the transaction begins: it holds the write lock for
        # the INSERTs and the commit only
        postings = [(*r, p_stamp) for r in rows.postings]
        closes = [(*r, c_stamp) for r in rows.closes]
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            with self.store.write_on(conn):
                self.postings.execute(conn, postings)
                self.entries.execute(conn, rows.entries)
                self.closes.execute(conn, closes)
        except IntegrityError:
            days = f"{rows.first}" if rows.first == rows.last else f"{rows.first} to {rows.last}"
            raise LoanbookError(
                Issue(
                    self.store.name,
                    "run",
                    f"another run closed {days} for some of these loans meanwhile; nothing "
                    "of this batch was posted; run again to continue",
                )
            ) from None
        return Committed(
            len(rows.postings),
            rows.reversals,
            len(rows.closes),
            time.perf_counter() - started,
            time.thread_time() - cpu,
        )


# -- frames on the pipes ---------------------------------------------------------------------
_LENGTH = struct.Struct("<Q")


def write_frame(out: IO[bytes], payload: bytes) -> None:
    out.write(_LENGTH.pack(len(payload)))
    out.write(payload)
    out.flush()


def read_frame(source: IO[bytes]) -> Any:
    """The next object, or None at the end of the input (a frame cut short counts as the
    end: its writer died writing it, and nothing of it is used)."""
    head = source.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    payload = source.read(size)
    if len(payload) < size:
        return None
    return pickle.loads(payload)


def dumps(obj: object) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


# -- the writer process ----------------------------------------------------------------------
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Be killed (SIGKILL) when the parent dies; if it already has, stop now. Linux only
    (elsewhere the end of the input alone stops the writer, after its open transaction)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(0)


def serve(parent: int, source: IO[bytes], out: IO[bytes]) -> int:
    """The writer process: commit each transaction read from ``source`` in order, answering
    each on ``out``; the first error is answered as issues and ends it, committing nothing
    more. Interrupts (Ctrl-C reaches the whole process group) are the run's to handle: it
    stops the writer if it fails."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    url = read_frame(source)
    if url is None:
        return 0
    store = Store(url, make_engine(url))
    try:
        committer = Committer(store)
        with store.writer() as conn:
            while (rows := read_frame(source)) is not None:
                write_frame(out, dumps(committer.commit(conn, rows)))
    except LoanbookError as exc:
        write_frame(out, dumps(exc.issues))
        return 1
    except SQLAlchemyError as exc:
        write_frame(out, dumps(database_error(store.name, exc).issues))
        return 1
    except Exception as exc:  # one line for the user, never a traceback
        reason = f"the writer process failed: {type(exc).__name__}: {exc}"
        write_frame(out, dumps((Issue(store.name, "run", reason),)))
        return 1
    finally:
        store.close()
    return 0


def main() -> int:
    # the frames go to the real standard output; anything printed goes to standard error
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return serve(int(sys.argv[1]), sys.stdin.buffer, out)


if __name__ == "__main__":
    # this file runs as ``__main__``: what crosses the pipes is pickled by the module's
    # name, so the process serves from the module imported by that name
    from loanbook.storage.writer import main as _main

    raise SystemExit(_main())
