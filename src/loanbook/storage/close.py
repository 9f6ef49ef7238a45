"""Close of business: ``loanbook run --to DATE`` posts every loan, day by day, exactly once.

For each loan the engine runs once to the last day (daily accruals), with what the book knows
now. Day by day, each loan's postings for that day and a ``closes`` row saying so are
committed together, a batch of loans per transaction; the primary key (loan, posted_on, seq)
refuses any posting twice. A run killed at any point loses only its open transaction, and
the next run starts after the last closed day: nothing is posted twice, nothing is missed.

When the book has learned something since a loan was last closed (a backdated payment, a
retroactive amendment, a fixing), the next day it closes first compares everything posted so
far with a replay and posts reversals of the lines that changed and the lines that replace
them (the value date stays the day they belong to; ``posted_on`` is the day that corrected
them). Closing a day already closed only posts such corrections.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from loanbook.engine.events import EventKind
from loanbook.errors import Issue, LoanbookError
from loanbook.ledger.lines import LedgerLine
from loanbook.storage.postings import StoredPosting, active, load_postings, reversal, rows_of
from loanbook.storage.schema import CloseRow, DocumentRow, EntryRow, EventRow, FixingRow, PostingRow
from loanbook.storage.store import Store, Watermark, now
from loanbook.storage.view import BookView

BATCH = 500  # loans per transaction (per day)
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


def _plan_loan(
    conn: Connection,
    view: BookView,
    loan: str,
    to: date,
    known: Knowledge,
    state: LoanState | None,
) -> _Plan | None:
    start = view.start_of(loan)
    changed = state is not None and not state.knowledge.same_inputs(known)
    if state is None:
        days = _days(start, to) if start <= to else []
    elif state.day < to:
        days = _days(state.day + timedelta(days=1), to)
    else:
        days = [state.day] if changed else []
    if not days:
        return None
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
) -> RunReport:
    """Post every loan (or ``loans``) day by day up to ``to``; resumable and idempotent."""
    started = now()
    with store.read() as conn:
        upto = store.watermark(conn)
        per_loan, base = knowledge_now(conn, upto)
        states = last_closes(conn)
        view = store.view(conn, upto=upto)
        plans: list[_Plan] = []
        failures: list[tuple[str, tuple[Issue, ...]]] = []
        for loan in loans if loans is not None else view.loans:
            try:
                plan = _plan_loan(conn, view, loan, to, per_loan.get(loan, base), states.get(loan))
            except LoanbookError as exc:
                failures.append((loan, exc.issues))
                continue
            if plan is not None:
                plans.append(plan)
    schedule: dict[date, list[_Plan]] = defaultdict(list)
    for plan in plans:
        for day in plan.days:
            schedule[day].append(plan)
    total = sum(len(p.days) for p in plans)
    done = postings = reversals = 0
    if on_progress:
        on_progress(0, total)
    for day in sorted(schedule):
        todo = schedule[day]
        for i in range(0, len(todo), batch):
            chunk = todo[i : i + batch]
            n, r = _commit_day(store, day, chunk)
            postings += n
            reversals += r
            done += len(chunk)
            if on_progress:
                on_progress(done, total)
    corrected = tuple(p.loan for p in plans if any(ref for _, ref in p.first))
    return RunReport(
        to,
        len(plans),
        total,
        postings,
        reversals,
        corrected,
        tuple(failures),
        (now() - started).total_seconds(),
    )


def _commit_day(store: Store, day: date, plans: list[_Plan]) -> tuple[int, int]:
    """One transaction: the day's postings of a batch of loans, and their closes."""
    stamp = now()
    posting_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    close_rows: list[dict[str, Any]] = []
    reversals = 0
    for plan in plans:
        seq = plan.first_seq if day == plan.days[0] else 0
        for line, reverses in plan.postings(day):
            posting, entries = rows_of(plan.loan, day, seq, line, stamp, reverses)
            posting_rows.append(posting)
            entry_rows.extend(entries)
            reversals += reverses is not None
            seq += 1
        close_rows.append(
            {
                "loan": plan.loan,
                "day": day,
                **dict(zip(FIELDS, plan.knowledge.as_row(), strict=True)),
                "closed_at": stamp,
            }
        )
    try:
        with store.write() as conn:
            if posting_rows:
                conn.execute(insert(PostingRow), posting_rows)
                conn.execute(insert(EntryRow), entry_rows)
            conn.execute(insert(CloseRow), close_rows)
    except IntegrityError:
        raise LoanbookError(
            Issue(
                store.name,
                "run",
                f"another run closed {day} for some of these loans meanwhile; nothing of this "
                "batch was posted; run again to continue",
            )
        ) from None
    return len(posting_rows), reversals


def closed_through(store: Store) -> dict[str, date]:
    with store.read() as conn:
        return {loan: s.day for loan, s in last_closes(conn).items()}
