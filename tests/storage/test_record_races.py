"""Recording at the edges: details in the idempotency key and in the same-key check, another
writer's different content under the same key, concurrent prepayments (PostgreSQL's per-loan
lock), a late rate fixing recorded into the store, and two ``run`` processes at once."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import ValidationError
from loanbook.ledger.lines import LineKind
from loanbook.storage.audit import check
from loanbook.storage.close import close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.postings import active
from loanbook.storage.record import (
    Incoming,
    check_events,
    derive_key,
    insert_events,
    log,
    record_event,
    record_events,
)
from loanbook.storage.reports import ledger
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import dump, second_writer_refused

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def book(store: Store) -> Store:
    import_folder(store, CIT_BOOK, IMPORTED)
    return store


def fixing(day: date, index: str, percent: str, key: str = "") -> LoanEvent:
    return LoanEvent(day, "", EventKind.FIXING, D(percent), "late fixing", key, (("index", index),))


def test_details_are_part_of_the_derived_key(book: Store) -> None:
    # Same date, amount and reference, different index: two events, two keys.
    a, b = (
        fixing(date(1996, 1, 17), "LIBOR-1M", "6.4375"),
        fixing(date(1996, 1, 17), "PRIME", "6.4375"),
    )
    assert derive_key(a) == "/fixing/1996-01-17/6.4375/late fixing/index=LIBOR-1M"
    assert derive_key(b) == "/fixing/1996-01-17/6.4375/late fixing/index=PRIME"
    first, second = record_event(book, a), record_event(book, b)
    assert first.added == (derive_key(a),) and second.added == (derive_key(b),)
    assert [s.event.get("index") for s in log(book) if s.event.kind is EventKind.FIXING] == [
        "LIBOR-1M",
        "PRIME",
    ]


def test_same_key_with_other_details_is_refused(book: Store) -> None:
    record_event(book, fixing(date(1996, 1, 17), "LIBOR-1M", "6.4375", key="fx-1"))
    before = dump(book)
    with pytest.raises(ValidationError, match="'fx-1' is already recorded as fixing"):
        record_event(book, fixing(date(1996, 1, 17), "PRIME", "6.4375", key="fx-1"))
    assert dump(book) == before


def test_a_racing_writer_with_other_content_under_the_same_key_is_refused(book: Store) -> None:
    # Writer B checked its event before writer A's commit (so B's check saw no key "r-1"),
    # then A committed. B's insert must find A's row and refuse its different content.
    theirs = LoanEvent(date(1997, 1, 31), "cit-note", EventKind.PAYMENT, D("1000"), "A", "r-1")
    mine = LoanEvent(date(1997, 1, 31), "cit-note", EventKind.PAYMENT, D("999"), "B", "r-1")
    with book.write() as conn:
        new, same, issues = check_events(
            conn, book, book.view(conn, with_events=False), [Incoming(mine)]
        )
    assert [i.event.key for i in new] == ["r-1"] and not same and not issues
    record_event(book, theirs)
    before = dump(book)
    refused = pytest.raises(ValidationError, match="'r-1' was just recorded by another writer")
    with refused as exc, book.write() as conn:
        insert_events(conn, new)
    (issue,) = exc.value.issues
    assert (issue.field, issue.event) == ("key", "r-1")  # the row's key field is named
    assert dump(book) == before
    # the same content under the same key is simply the one event
    with book.write() as conn:
        added, raced = insert_events(conn, [Incoming(theirs)])
    assert (added, raced) == ([], ["r-1"])


def test_concurrent_prepayments_are_serialized_per_loan(book: Store, db_kind: str) -> None:
    # Principal not yet due on 1996-02-01: 4,554,900.00. Two prepayments of 3,000,000 each are
    # fine alone, 6,000,000 together is not. Writer A holds its transaction open after
    # checking and inserting; writer B, with the per-loan lock, waits for A's commit and then
    # sees A's prepayment and is refused. (SQLite allows one writer at a time anyway.)
    if db_kind != "postgresql":
        pytest.skip("SQLite serializes writers by itself; the lock is PostgreSQL's")
    a = LoanEvent(date(1996, 2, 1), "cit-note", EventKind.PREPAYMENT, D("3000000"), "A", "pp-a")
    b = LoanEvent(date(1996, 2, 1), "cit-note", EventKind.PREPAYMENT, D("3000000"), "B", "pp-b")
    refused = second_writer_refused(book, a, b, "cit-note")
    assert "exceeds the principal not yet due 1554900.00" in refused  # 4,554,900 - 3M
    keys = [s.event.key for s in log(book, "cit-note") if s.event.kind is EventKind.PREPAYMENT]
    assert keys == ["pp-a"]


def test_a_late_fixing_recorded_into_the_store_changes_the_interest(book: Store) -> None:
    # The book has no LIBOR fixing of 1996-01-17: the first Interest Rate Period (01-17, 14
    # days) bears the fixing of 01-02, 5.62891% + 3%. Recorded late as 6.4375%, it bears
    # 9.4375%. First interest, 04-30:
    # 4,554,900/360 x (14 x 9.4375% + 29 x 8.4375% + 31 x 8.3125% + 30 x 8.4375%)
    # = 12,652.50 x 8.87625 = 112,306.7531... -> 112,306.75 (was 110,874.46). (A late
    # fixing of a date the fixings file already has, with another rate, is refused:
    # tests/storage/test_fixing_conflicts.py.)
    record_events(book, [Incoming(fixing(date(1996, 1, 17), "LIBOR-1M", "6.4375"))])
    close_of_business(book, date(1996, 4, 30))
    due = [
        p.line.amount
        for p in active(ledger(book, "cit-note").postings)
        if p.line.kind is LineKind.INTEREST_DUE
    ]
    assert due == [D("112306.75")]
    assert check(book).ok


RUN = """
import sys
from datetime import date
from loanbook.errors import LoanbookError
from loanbook.storage.close import close_of_business
from loanbook.storage.store import Store
from pathlib import Path
go = Path(sys.argv[2])
while not go.exists():
    pass
with Store.open(sys.argv[1]) as store:
    try:
        r = close_of_business(store, date(1996, 6, 30))
    except LoanbookError as exc:  # the other run closed a day of this batch first
        print("conflict", exc)
    else:
        print("closed", r.loan_days)
"""


def test_two_run_processes_at_once_post_each_day_once(book: Store, tmp_path: Path) -> None:
    # Both close 1996-01-17..1996-06-30 at once. A run that finds a day closed by the other
    # meanwhile posts nothing of that batch and says so; a third run finishes the job. In the
    # end every day is posted once: the ledger is exactly the engine's daily run.
    script, go = tmp_path / "run.py", tmp_path / "go"
    script.write_text(RUN)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), book.url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(0.3)
    go.touch()
    said = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        said.append(out.strip())
    assert all(s.startswith(("closed", "conflict")) for s in said), said
    close_of_business(book, date(1996, 6, 30))
    postings = ledger(book, "cit-note").postings
    assert [p.line for p in postings] == list(
        book.book().run("cit-note", date(1996, 6, 30), daily=True).lines
    )
    # (06-30 - 01-17) + 1 = 166 days, one accrual line each day from 01-18 to 06-30 (165)
    accrual_days = [p.line.date for p in postings if p.line.kind is LineKind.ACCRUAL]
    assert len(accrual_days) == len(set(accrual_days)) == 165
    assert check(book).ok
