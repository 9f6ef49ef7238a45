"""Close of business's two writers, the thread of the run's process and a process of its own
(``storage.writer``), commit the same rows the same way: the same ledger, the same progress,
the same errors; a book the process cannot open (SQLite in memory) keeps the thread; and a run
killed with SIGKILL leaves no writer process behind to commit later.

``process_from=0`` has the smallest run write in a process (the default starts it from
``PROCESS_FROM`` loan-days); a huge one keeps the thread."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from loanbook.errors import LoanbookError
from loanbook.ledger.lines import LineKind
from loanbook.storage.audit import check
from loanbook.storage.close import _writer, close_of_business
from loanbook.storage.db import make_engine
from loanbook.storage.importer import import_folder
from loanbook.storage.reports import ledger
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import alive, dump, fresh_db, writers

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
PROCESS, THREAD = 0, 10**9
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.fixture
def book(store: Store) -> Store:
    import_folder(store, CIT_BOOK, IMPORTED)
    return store


Ledger = dict[str, list[tuple[object, ...]]]


def _ledger(store: Store) -> Ledger:
    rows = dump(store, volatile=False)
    return {t: rows[t] for t in ("postings", "entries", "closes")}


def _close(db_kind: str, folder: Path, process_from: int) -> tuple[Ledger, list[tuple[int, int]]]:
    """A fresh book of the CIT note closed to 1998-12-31 a loan at a time; its ledger and
    progress."""
    with fresh_db(db_kind, folder) as url, Store.open(url) as store:
        import_folder(store, CIT_BOOK, IMPORTED)
        calls: list[tuple[int, int]] = []
        report = close_of_business(
            store, date(1998, 12, 31), lambda d, t: calls.append((d, t)), None, 1, process_from
        )
        assert report.writer == ("process" if process_from == PROCESS else "thread")
        # 1996-01-17 .. 1998-12-31: 1,080 loan-days, ten a transaction
        assert (report.loans, report.loan_days) == (1, 1080)
        assert report.seconds >= report.write_seconds > 0 and report.write_cpu_seconds > 0
        again = close_of_business(store, date(1998, 12, 31), process_from=process_from)
        assert (again.loans, again.postings) == (0, 0)
        assert check(store).ok
        return _ledger(store), calls


def test_the_process_writes_what_the_thread_writes(db_kind: str, tmp_path: Path) -> None:
    threaded, thread_calls = _close(db_kind, tmp_path, THREAD)
    processed, process_calls = _close(db_kind, tmp_path, PROCESS)
    assert processed == threaded
    assert len(threaded["closes"]) == 1080
    assert process_calls == thread_calls
    assert thread_calls[0] == (0, 1080) and thread_calls[-1] == (1080, 1080)
    assert len(thread_calls) == 1 + 108


def test_a_first_close_in_a_process(book: Store) -> None:
    # the amounts of test_close_paths.test_a_first_close_of_four_days
    calls: list[tuple[int, int]] = []
    report = close_of_business(
        book, date(1996, 1, 20), lambda d, t: calls.append((d, t)), process_from=PROCESS
    )
    assert report.writer == "process"
    assert [
        (p.posted_on, p.line.kind, p.line.amount) for p in ledger(book, "cit-note").postings
    ] == [
        (date(1996, 1, 17), LineKind.ADVANCE, D("4554900.00")),
        (date(1996, 1, 18), LineKind.ACCRUAL, D("1091.77")),
        (date(1996, 1, 19), LineKind.ACCRUAL, D("1091.78")),
        (date(1996, 1, 20), LineKind.ACCRUAL, D("1091.77")),
    ]
    assert calls == [(0, 4), (4, 4)]


class Stop(Exception):
    pass


@LINUX
def test_a_failing_caller_stops_the_process_committing_nothing_more(book: Store) -> None:
    # progress raises after the third transaction: the run raises it and the writer is gone
    # when it does. The writer may have committed the transactions it had already been given
    # (it does not wait for the run to read its answers), each whole (ten loan-days).
    def progress(done: int, total: int) -> None:
        if done >= 30:
            raise Stop

    with pytest.raises(Stop):
        close_of_business(book, date(1998, 12, 31), progress, batch=1, process_from=PROCESS)
    assert writers(os.getpid()) == []
    closed = len(_ledger(book)["closes"])
    assert 30 <= closed < 1080 and closed % 10 == 0
    assert check(book).ok
    report = close_of_business(book, date(1998, 12, 31), process_from=PROCESS)
    assert report.loan_days == 1080 - closed
    assert len(_ledger(book)["closes"]) == 1080


@LINUX
def test_a_writer_process_that_dies_is_one_clear_error(book: Store) -> None:
    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        if done == 10:
            (pid,) = writers(os.getpid())
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    with pytest.raises(LoanbookError) as exc:
        close_of_business(book, date(1998, 12, 31), progress, batch=1, process_from=PROCESS)
    (issue,) = exc.value.issues
    assert issue.field == "run"
    assert issue.reason == (
        "the writer process was killed by signal 9; each loan-day is posted whole or not at "
        "all; run again to continue"
    )
    assert killed and not alive(killed[0])
    # what it committed is whole; the next run posts the rest, each day once
    before = len(_ledger(book)["closes"])
    assert 10 <= before < 1080
    report = close_of_business(book, date(1998, 12, 31), process_from=PROCESS)
    assert report.loan_days == 1080 - before
    assert len(_ledger(book)["closes"]) == 1080
    assert check(book).ok


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite:///:memory:", "sqlite:///file:book?mode=memory&cache=shared&uri=true"],
)
def test_a_book_in_memory_keeps_the_thread(url: str) -> None:
    # the process would open a database of its own, empty: the run's thread writes instead
    store = Store(url, make_engine(url))
    assert _writer(store, None, 10**6, 0).kind == "thread"
    store.close()


def test_a_file_or_a_server_gets_the_process(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert _writer(store, None, 10, 10).kind == "process"
        assert _writer(store, None, 9, 10).kind == "thread"


# -- SIGKILL: the run's process killed, its writer with it -----------------------------------
RUN = """
import sys
from datetime import date
from loanbook.storage.close import close_of_business
from loanbook.storage.store import Store

with Store.open(sys.argv[1]) as store:
    close_of_business(store, date(2000, 12, 31), batch=1, process_from=0)
"""
TO = date(2000, 12, 31)  # 1,811 loan-days, ten a transaction
KILLS = 3


@LINUX
def test_sigkill_of_the_run_leaves_no_writer_and_the_rerun_posts_each_day_once(
    db_kind: str, db_url: str, tmp_path: Path
) -> None:
    rng = random.Random(int(os.environ.get("LOANBOOK_KILL_SEED", "20261126")))
    with fresh_db(db_kind, tmp_path) as ref_url, Store.open(ref_url) as ref:
        import_folder(ref, CIT_BOOK, IMPORTED)
        close_of_business(ref, TO, process_from=THREAD)
        expected = _ledger(ref)
    store = Store.open(db_url)
    import_folder(store, CIT_BOOK, IMPORTED)
    watcher = create_engine(store.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    poll = watcher.connect()

    def closed() -> int:
        return int(poll.execute(text("SELECT count(*) FROM closes")).scalar_one())

    progress = []
    for _ in range(KILLS):
        before = closed()
        run = subprocess.Popen([sys.executable, "-c", RUN, db_url], stderr=subprocess.PIPE)
        target, deadline = before + rng.randint(1, 300), time.monotonic() + 60
        while run.poll() is None and closed() < target:
            assert time.monotonic() < deadline, "run made no progress"
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.01))  # inside or between the writer's transactions
        (writer,) = writers(run.pid)
        run.send_signal(signal.SIGKILL)
        run.wait()
        assert run.returncode == -signal.SIGKILL, "the run ended before it was killed"
        deadline = time.monotonic() + 30
        while alive(writer):  # killed by the kernel with its parent (PR_SET_PDEATHSIG)
            assert time.monotonic() < deadline, f"writer {writer} outlived its run"
            time.sleep(0.01)
        progress.append(closed())  # the writer is gone: nothing is committed after this
    poll.close()
    watcher.dispose()
    assert progress[-1] < len(expected["closes"])
    done = subprocess.run(
        [sys.executable, "-c", RUN, db_url], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert _ledger(store) == expected  # every day exactly once
    assert check(store).ok
    store.close()
