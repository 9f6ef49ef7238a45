"""Close of business: ``loanbook run --to DATE`` posts every loan, day by day, exactly once.

For each loan the engine runs once to the last day (daily accruals), with what the book knows
now. Loans are taken a batch at a time (so memory holds one batch's lines, not the book's):
the batch is planned, then, day by day, each loan's postings for that day and a ``closes`` row
saying so are committed together: the batch's loans over ``DAYS`` days in one transaction,
each table's rows in one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL; ``storage.bulk``),
by a writer process of the run's own (``storage.writer``; a thread for small runs);
the primary key (loan, posted_on, seq) refuses any posting twice. A run killed at any point
loses only its open transaction, and the next run starts after each loan's last closed day:
nothing is posted twice, nothing is missed.

The term files are read a batch of loans at a time too (``storage.bookindex``): the run holds
a few batches' documents parsed, not the book's.

When the book has learned something since a loan was last closed (a backdated payment, a
retroactive amendment, a fixing), the next day it closes first compares everything posted so
far with a replay and posts reversals of the lines that changed and the lines that replace
them (the value date stays the day they belong to; ``posted_on`` is the day that corrected
them). Closing a day already closed only posts such corrections.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.engine import make_url

from loanbook.engine.events import EventKind
from loanbook.errors import Issue, LoanbookError
from loanbook.ledger.lines import LedgerLine
from loanbook.storage.bookindex import BatchViews
from loanbook.storage.postings import StoredPosting, active, cents, load_postings, reversal
from loanbook.storage.schema import CloseRow, DocumentRow, EventRow, FixingRow, PostingRow
from loanbook.storage.store import Store, Watermark, now
from loanbook.storage.view import BookView
from loanbook.storage.writer import (
    KNOWLEDGE_COLUMNS,
    Committed,
    Committer,
    _Rows,
    dumps,
    read_frame,
    write_frame,
)

BATCH = 500  # loans per transaction
#: Days per transaction (of a batch of loans). A transaction's postings sit in the indexes
#: beside its loans' postings of the days before (the keys begin with the loan), so one
#: transaction of several days dirties, and writes to SQLite's journal, the same index pages
#: once instead of once a day: on SQLite, a fifth less CPU per row written from 1 day to 10
#: (``benchmarks/sqlite_layouts.py``); more days gained no more, and every day held in a
#: transaction is memory and a longer hold of the write lock.
DAYS = 10
#: Transactions planned ahead of the writer thread at most. One: the planning thread then
#: waits while the writer writes the one before, so the two share the interpreter and the
#: cores less often; on SQLite this made the write phase and the whole run faster than
#: queueing 3 (or 8 of a day each), measured in turns (benchmarks/README.md). Memory: 3 x
#: DAYS days. (The writer process holds one too: the pipe takes a transaction when it has
#: committed the one before.)
QUEUED = 1
#: Loan-days from which a run writes in a process of its own (``storage.writer``), not a
#: thread of the engine's interpreter. Starting it (an interpreter, SQLAlchemy) costs about
#: 0.6 s that a small run waits for (100 loans x 30 days: 0.9 s against 0.25); at 21,000
#: loan-days the two were even, at 300,000 the process gains (benchmarks/README.md).
PROCESS_FROM = 50_000
Progress = Callable[[int, int], None]  # (loan-days done now, loan-days in all)


@dataclass(frozen=True)
class Knowledge:
    """What a loan's ledger was computed from (see ``CloseRow``)."""

    events_upto: int
    loan_events: int
    loan_events_max: int
    market_events: int
    market_events_max: int
    documents: int
    documents_max: int
    fixings: int
    fixings_max: int

    def same_inputs(self, other: Knowledge) -> bool:
        return self.as_row()[1:] == other.as_row()[1:]  # events_upto moves with other loans

    def as_row(self) -> tuple[int, ...]:
        return (
            self.events_upto,
            self.loan_events,
            self.loan_events_max,
            self.market_events,
            self.market_events_max,
            self.documents,
            self.documents_max,
            self.fixings,
            self.fixings_max,
        )

    @property
    def watermark(self) -> Watermark:
        return Watermark(self.events_upto, self.documents_max, self.fixings_max)


FIELDS = tuple(Knowledge.__dataclass_fields__)
assert FIELDS == KNOWLEDGE_COLUMNS, "the closes' columns are the Knowledge's fields"


@dataclass(frozen=True)
class LoanState:
    """The last close of a loan."""

    day: date
    knowledge: Knowledge


@dataclass
class _Plan:
    """The postings of one loan, day by day (built before anything is written)."""

    loan: str
    knowledge: Knowledge
    days: list[date]
    first: list[tuple[LedgerLine, tuple[date, int] | None]] = field(default_factory=list)
    by_day: dict[date, list[LedgerLine]] = field(default_factory=dict)
    first_seq: int = 0

    def postings(self, day: date) -> list[tuple[LedgerLine, tuple[date, int] | None]]:
        if day == self.days[0]:
            return self.first
        return [(line, None) for line in self.by_day.get(day, ())]


@dataclass(frozen=True)
class RunReport:
    to: date
    loans: int
    loan_days: int
    postings: int
    reversals: int
    corrected_loans: tuple[str, ...]
    failures: tuple[tuple[str, tuple[Issue, ...]], ...]
    seconds: float
    write_seconds: float = 0.0  # of ``seconds``, inside the write transactions
    write_cpu_seconds: float = 0.0  # the writer's CPU time in them (no lock waits)
    writer: str = "thread"  # where the writes ran: "thread" or "process" (``_writer``)

    def as_json(self) -> dict[str, Any]:
        return {
            "to": self.to.isoformat(),
            "loans": self.loans,
            "loan_days": self.loan_days,
            "postings": self.postings,
            "reversals": self.reversals,
            "corrected_loans": list(self.corrected_loans),
            "failures": [
                {"loan": loan, "errors": [str(i) for i in issues]} for loan, issues in self.failures
            ],
            "seconds": round(self.seconds, 3),
            "write_seconds": round(self.write_seconds, 3),
            "write_cpu_seconds": round(self.write_cpu_seconds, 3),
        }


# -- what the book knows ---------------------------------------------------------------------
def knowledge_now(conn: Connection, upto: Watermark) -> tuple[dict[str, Knowledge], Knowledge]:
    """Per loan, the counts and last ids of its inputs up to ``upto``; and the default for a
    loan with no events."""
    ev = EventRow
    market = (ev.kind == EventKind.FIXING.value) | (ev.kind == EventKind.CORRECTION.value)
    m_count, m_max = conn.execute(
        select(func.count(), func.max(ev.id)).where(market, ev.id <= upto.events)
    ).one()
    d_count = conn.execute(
        select(func.count()).where(DocumentRow.id <= upto.documents)
    ).scalar_one()
    f_count = conn.execute(select(func.count()).where(FixingRow.id <= upto.fixings)).scalar_one()
    base = Knowledge(
        upto.events,
        0,
        0,
        int(m_count),
        int(m_max or 0),
        int(d_count),
        upto.documents,
        int(f_count),
        upto.fixings,
    )
    per_loan = conn.execute(
        select(ev.loan, func.count(), func.max(ev.id))
        .where(ev.kind != EventKind.FIXING.value, ev.id <= upto.events)
        .group_by(ev.loan)
    ).all()
    out = {
        loan: Knowledge(
            base.events_upto,
            int(n),
            int(last),
            base.market_events,
            base.market_events_max,
            base.documents,
            base.documents_max,
            base.fixings,
            base.fixings_max,
        )
        for loan, n, last in per_loan
    }
    return out, base


def last_closes(conn: Connection) -> dict[str, LoanState]:
    """Each loan's latest close (the row with the highest id)."""
    latest = select(CloseRow.loan, func.max(CloseRow.id).label("id")).group_by(CloseRow.loan)
    sub = latest.subquery()
    rows = conn.execute(select(CloseRow).join(sub, CloseRow.id == sub.c.id)).all()
    return {
        r.loan: LoanState(r.day, Knowledge(*(getattr(r, name) for name in FIELDS))) for r in rows
    }


# -- planning ------------------------------------------------------------------------------------
def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _days_to_close(
    view: BookView | None,
    loan: str,
    to: date,
    known: Knowledge,
    state: LoanState | None,
    start: date | None = None,
) -> tuple[date, date] | None:
    """The first and last day a run to ``to`` closes for ``loan`` (its last closed day again
    when the book has learned something since: the corrections are posted on it). Only a
    loan never closed needs its start: ``start`` when the index knows it, else from its
    terms (``view``)."""
    if state is None:
        if start is None:
            assert view is not None
            start = view.start_of(loan)
        return (start, to) if start <= to else None
    if state.day < to:
        return (state.day + timedelta(days=1), to)
    return (state.day, state.day) if not state.knowledge.same_inputs(known) else None


def _defined(views: BatchViews, view: BookView, loan: str, asked: Sequence[str] | None) -> bool:
    """Whether the terms define ``loan``, of the loans some document names (a batch's view
    says; the whole book's view names only those), unless it was asked for by name (an
    unknown one fails, naming itself)."""
    return asked is not None or views.index is None or view.defines(loan)


def _plan_loan(
    conn: Connection,
    view: BookView,
    loan: str,
    days: list[date],
    known: Knowledge,
    state: LoanState | None,
) -> _Plan:
    changed = state is not None and not state.knowledge.same_inputs(known)
    horizon = days[-1]
    lines = view.run(loan, horizon, daily=True).lines
    plan = _Plan(loan, known, days)
    d0 = days[0]
    for line in lines:
        if line.date > d0:
            plan.by_day.setdefault(line.date, []).append(line)
    if not changed:
        after = state.day if state is not None else date.min
        plan.first = [(line, None) for line in lines if after < line.date <= d0]
        return plan
    # The book learned something: compare all that is posted with the replay up to d0.
    posted = active(load_postings(conn, loans=(loan,)))
    target = Counter(line for line in lines if line.date <= d0)
    keep: list[StoredPosting] = []
    for p in posted:
        if target[p.line] > 0:
            target[p.line] -= 1
            keep.append(p)
        else:
            plan.first.append((reversal(p.line), p.ref))
    remaining = +target
    for line in lines:
        if line.date <= d0 and remaining[line] > 0:
            remaining[line] -= 1
            plan.first.append((line, None))
    plan.first_seq = _next_seq(conn, loan, d0)
    return plan


def _next_seq(conn: Connection, loan: str, day: date) -> int:
    last = conn.execute(
        select(func.max(PostingRow.seq)).where(PostingRow.loan == loan, PostingRow.posted_on == day)
    ).scalar_one()
    return 0 if last is None else int(last) + 1


# -- the run ------------------------------------------------------------------------------------
def close_of_business(
    store: Store,
    to: date,
    on_progress: Progress | None = None,
    loans: Sequence[str] | None = None,
    batch: int = BATCH,
    process_from: int | None = None,
) -> RunReport:
    """Post every loan (or ``loans``) day by day up to ``to``; resumable and idempotent. The
    writes run in a process of their own from ``process_from`` loan-days (``PROCESS_FROM``)."""
    started = now()
    with store.read() as conn:
        upto = store.watermark(conn)
        per_loan, base = knowledge_now(conn, upto)
        states = last_closes(conn)
        views = BatchViews(store, conn, upto)
    failures: list[tuple[str, tuple[Issue, ...]]] = []
    todo: list[tuple[str, tuple[date, date]]] = []  # (loan, first and last day): small
    candidates = list(loans) if loans is not None else views.loans
    for i in range(0, len(candidates), batch):
        group = candidates[i : i + batch]
        # a loan never closed starts as its terms say: the index knows most (a first run then
        # parses each document once, for the run), the batch's view the others
        new = [loan for loan in group if loan not in states and views.start_of(loan) is None]
        view: BookView | None = None
        if new:
            with store.read() as conn:
                view = views.of(conn, new)
        for loan in group:
            start = views.start_of(loan) if loan not in states else None
            if (
                view is not None
                and start is None
                and loan not in states
                and not _defined(views, view, loan, loans)
            ):
                continue
            try:
                known = per_loan.get(loan, base)
                span = _days_to_close(view, loan, to, known, states.get(loan), start)
            except LoanbookError as exc:
                failures.append((loan, exc.issues))
                continue
            finally:
                if view is not None and start is None:
                    view.release(loan)  # memory: built again, for its batch, when it is run
            if span is not None:
                todo.append((loan, span))
    total = sum((last - first).days + 1 for _, (first, last) in todo)
    corrected: list[str] = []
    planned: list[str] = []
    if on_progress:
        on_progress(0, total)
    threshold = PROCESS_FROM if process_from is None else process_from
    writer = _writer(store, on_progress, total, threshold)
    writer.start()
    try:
        for i in range(0, len(todo), batch):
            plans: list[_Plan] = []
            with store.read() as conn:  # a batch at a time: memory holds a few batches' lines
                view = views.of(conn, [loan for loan, _ in todo[i : i + batch]])
                for loan, (first, last) in todo[i : i + batch]:
                    if not _defined(views, view, loan, loans):
                        continue
                    known, days = per_loan.get(loan, base), _days(first, last)
                    try:
                        plans.append(_plan_loan(conn, view, loan, days, known, states.get(loan)))
                    except LoanbookError as exc:
                        failures.append((loan, exc.issues))
                    finally:
                        view.release(loan)
            planned.extend(p.loan for p in plans)
            corrected.extend(p.loan for p in plans if any(ref for _, ref in p.first))
            schedule: dict[date, list[_Plan]] = defaultdict(list)
            for plan in plans:
                for day in plan.days:
                    schedule[day].append(plan)
            days = sorted(schedule)
            for k in range(0, len(days), DAYS):
                writer.put([(day, schedule[day]) for day in days[k : k + DAYS]])
    except BaseException:
        writer.abort()  # the transaction being written ends as it would have; no other
        raise
    writer.finish()
    ran = set(planned)
    return RunReport(
        to,
        len(planned),
        sum((last - first).days + 1 for loan, (first, last) in todo if loan in ran),
        writer.postings,
        writer.reversals,
        tuple(corrected),
        tuple(failures),
        (now() - started).total_seconds(),
        writer.seconds,
        writer.cpu_seconds,
        writer.kind,
    )


class _Writer:
    """The write side of a run: builds each transaction's rows in the caller's thread
    (``put``) and has them committed, in the order they are put, each whole, by a writer of
    its own (``_ThreadWriter``, ``_ProcessWriter``: the same ``Committer.commit``). The first
    error stops it (nothing more is committed) and is raised again by ``put`` or ``finish``
    in the caller's thread; ``abort`` stops it when the caller fails. Progress is reported
    (``on_progress``, in the run's process) as transactions are committed."""

    kind = ""

    def __init__(self, store: Store, on_progress: Progress | None, total: int) -> None:
        self.store = store
        self.on_progress = on_progress
        self.total = total
        self.committer = Committer(store)  # here: its columns' value conversions
        self.seconds = self.cpu_seconds = 0.0
        self.postings = self.reversals = self.done = 0
        self._error: BaseException | None = None

    def start(self) -> None:
        raise NotImplementedError

    def put(self, days: list[tuple[date, list[_Plan]]]) -> None:
        """One transaction: each day's postings of the loans closing it, in the days' order."""
        out = _Rows(days[0][0], days[-1][0], [], [], [], 0)
        for day, plans in days:
            self.rows(out, day, plans)
        self._send(out)
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Wait for every transaction put, then raise the writer's error, if any."""
        raise NotImplementedError

    def abort(self) -> None:
        """The caller is failing: commit nothing more, wait for the writer to stop."""
        raise NotImplementedError

    def _send(self, rows: _Rows) -> None:
        raise NotImplementedError

    def _committed(self, done: Committed) -> None:
        self.seconds += done.seconds
        self.cpu_seconds += done.cpu_seconds
        self.postings += done.postings
        self.reversals += done.reversals
        self.done += done.closes
        if self.on_progress:
            self.on_progress(self.done, self.total)

    def rows(self, out: _Rows, day: date, plans: list[_Plan]) -> None:
        """The day's postings of a batch of loans, their entries and closes, as rows (a
        loan's closes in the order of its days: its latest close has the highest id)."""
        # values in the driver's form, converted once: the day here, value dates through the
        # memo (``storage.bulk``)
        postings, entries = self.committer.postings, self.committer.entries
        p_day = postings.value("posted_on", day)
        e_day = entries.value("posted_on", day)
        c_day = self.committer.closes.value("day", day)
        value_date = postings.value
        for plan in plans:
            seq = plan.first_seq if day == plan.days[0] else 0
            loan = plan.loan
            for line, reverses in plan.postings(day):
                try:
                    amount = cents(line.amount, loan)
                except LoanbookError:  # again, naming the line (built only when needed)
                    amount = cents(line.amount, f"{loan}: {line.event or line.kind} on {line.date}")
                out.postings.append(
                    (
                        loan,
                        p_day,
                        seq,
                        value_date("date", line.date),
                        line.kind.value,
                        line.event,
                        line.term,
                        line.cite,
                        line.component,
                        line.memo,
                        value_date("reverses_on", reverses[0]) if reverses else None,
                        reverses[1] if reverses else None,
                    )
                )
                out.entries.append((loan, e_day, seq, 0, "debit", line.debit.value, amount))
                out.entries.append((loan, e_day, seq, 1, "credit", line.credit.value, amount))
                out.reversals += reverses is not None
                seq += 1
            out.closes.append((loan, c_day, *plan.knowledge.as_row()))


class _ThreadWriter(_Writer):
    """The writer in a thread of the run's process: one connection, ``QUEUED`` transactions
    waiting at most, so memory holds the batch being planned and the transactions being
    written. No start-up cost (small runs, and books the process cannot open: SQLite in
    memory); on SQLite it shares the interpreter with the engine's thread."""

    kind = "thread"

    def __init__(self, store: Store, on_progress: Progress | None, total: int) -> None:
        super().__init__(store, on_progress, total)
        self._queue: queue.Queue[_Rows | None] = queue.Queue(QUEUED)
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="close-of-business", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self._offer(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        self._stop = True
        self._offer(None)
        self._thread.join()

    def _send(self, rows: _Rows) -> None:
        self._offer(rows)

    def _offer(self, item: _Rows | None) -> None:
        while self._thread.is_alive():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            with self.store.writer() as conn:
                while not self._stop:
                    item = self._queue.get()
                    if item is None or self._stop:
                        return
                    self._committed(self.committer.commit(conn, item))
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc


class _ProcessWriter(_Writer):
    """The writer in a process of its own (``storage.writer``): each transaction's rows are
    pickled here and written to its input (the write returns when it has read them, so one
    transaction waits while it commits another, as ``QUEUED`` = 1 has it); a thread of the
    run reads its answers (progress, seconds, the first error). The process starts with the
    run (``PROCESS_FROM``); it dies with the run's process (see ``storage.writer``)."""

    kind = "process"

    def __init__(self, store: Store, on_progress: Progress | None, total: int) -> None:
        super().__init__(store, on_progress, total)
        self._proc: subprocess.Popen[bytes] | None = None
        # what it says on standard error, read if it ends badly (closed by ``_stop_reading``)
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self._reader = threading.Thread(
            target=self._answers, name="close-of-business-answers", daemon=True
        )
        self._ended = False

    def start(self) -> None:
        cmd = [sys.executable, "-m", "loanbook.storage.writer", str(os.getpid())]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr
        )
        self._reader.start()
        self._write(dumps(self.store.url))  # by the pipe: a password stays out of ``ps``

    def finish(self) -> None:
        self._close_input()
        self._stop_reading()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        if self._proc is not None:
            self._proc.kill()  # its open transaction is rolled back: nothing more committed
        self._close_input()
        self._stop_reading()

    def _send(self, rows: _Rows) -> None:
        if self._error is None:
            self._write(dumps(rows))

    def _write(self, payload: bytes) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        try:
            write_frame(self._proc.stdin, payload)
        except OSError:  # it stopped: its answer, or how it ended, says why
            self._stop_reading()

    def _close_input(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        with contextlib.suppress(OSError):  # it stopped already
            self._proc.stdin.close()

    def _stop_reading(self) -> None:
        """Wait for the process's last answer and its end; an end with no answer (killed,
        out of memory) is an error too."""
        assert self._proc is not None
        if self._ended:
            return
        self._ended = True
        self._reader.join()
        code = self._proc.wait()
        if code != 0 and self._error is None:
            self._stderr.seek(0)
            said = self._stderr.read().decode(errors="replace").strip().splitlines()
            how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
            last = f" ({said[-1]})" if said else ""
            self._error = LoanbookError(
                Issue(
                    self.store.name,
                    "run",
                    f"the writer process {how}{last}; each loan-day is posted whole or not "
                    "at all; run again to continue",
                )
            )
        self._stderr.close()

    def _answers(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        try:
            while (answer := read_frame(self._proc.stdout)) is not None:
                if isinstance(answer, Committed):
                    self._committed(answer)
                else:  # its first error, as issues: it commits nothing more
                    self._error = LoanbookError(answer)
                    return
        except BaseException as exc:  # the progress callback's: handed to the caller
            self._error = exc
            self._proc.kill()


def _writer(store: Store, on_progress: Progress | None, total: int, process_from: int) -> _Writer:
    """A writer process for a run of ``process_from`` loan-days or more, when it can open the
    book (not a SQLite database in memory, the run's own); else a thread."""
    url = make_url(store.url)
    private = url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or "memory" in str(url.query.get("mode", ""))
    )
    if total >= process_from and not private:
        return _ProcessWriter(store, on_progress, total)
    return _ThreadWriter(store, on_progress, total)


def closed_through(store: Store) -> dict[str, date]:
    with store.read() as conn:
        return {loan: s.day for loan, s in last_closes(conn).items()}
