"""Recording events into the log: validated first, idempotent by key, all or nothing.

Every event gets an idempotency key (given, or derived from its content, so that running the
same command twice records it once). An event whose key is already in the log is accepted
again only with the same content; changing a recorded event takes a correction event.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Insert, select, text
from sqlalchemy.dialects import postgresql, sqlite

from loanbook.book import Book, FixingsSeen
from loanbook.compliance.service import GATED_KINDS, refusals
from loanbook.engine.events import MONEY_KINDS, EventKind, LoanEvent
from loanbook.errors import Issue, LoanbookError, ValidationError
from loanbook.loader import parse_events_csv
from loanbook.parse import parse_instant as strict_instant
from loanbook.storage.schema import EventRow
from loanbook.storage.store import Store, StoredEvent, effective_events, event_of, now
from loanbook.storage.view import BookView, applying_notes

#: Kinds whose validity depends on the loan's earlier events (the rest are checked alone).
HISTORY_KINDS = frozenset(
    {
        EventKind.PREPAYMENT,
        EventKind.ADVANCE,
        EventKind.ACCELERATION,
        EventKind.CORRECTION,
        EventKind.APPLICATION,
    }
)
MAX_KEY = 200


@dataclass(frozen=True)
class Incoming:
    """An event to record, where it came from (file and row, or ``cli``), and optionally
    when the book learned of it (default: now)."""

    event: LoanEvent
    source: str = "cli"
    line: int | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Recorded:
    """Keys newly recorded, and keys that were already in the log with the same content."""

    added: tuple[str, ...]
    existing: tuple[str, ...]


def derive_key(ev: LoanEvent, occurrence: int = 1) -> str:
    """A key from the content: the same event recorded twice is one event. The n-th of
    several identical rows of one file (a borrower who paid the same amount twice on the
    same day) is a distinct event, ``#n`` (n > 1) telling them apart; importing the file
    again gives the same keys, so it records nothing twice."""
    amount = "" if ev.amount is None else format(ev.amount.normalize(), "f")
    parts = [ev.loan, ev.kind.value, ev.date.isoformat(), amount, ev.reference]
    parts += [f"{k}={v}" for k, v in sorted(ev.detail)]
    text = "/".join(parts) + (f"#{occurrence}" if occurrence > 1 else "")
    if len(text) <= MAX_KEY:
        return text
    return f"{ev.loan[:80]}/{ev.kind.value}/{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def with_key(ev: LoanEvent) -> LoanEvent:
    return ev if ev.key else replace(ev, key=derive_key(ev))


def same_content(a: LoanEvent, b: LoanEvent) -> bool:
    return (a.loan, a.kind, a.date, a.amount, a.reference, sorted(a.detail)) == (
        b.loan,
        b.kind,
        b.date,
        b.amount,
        b.reference,
        sorted(b.detail),
    )


def describe_event(ev: LoanEvent) -> str:
    amount = "" if ev.amount is None else f" {ev.amount}"
    return f"{ev.kind.value}{amount} on {ev.date} for {ev.loan or '-'}"


# -- the events CSV ----------------------------------------------------------------------
def parse_events_file(text: str, source: str) -> list[Incoming]:
    """The core's events CSV (``date,loan,kind,amount,reference[,key]``, more columns become
    details) plus an optional ``recorded`` column (when the book learned of the event)."""
    events = parse_events_csv(text, source)
    lines = _row_numbers(text)
    issues: list[Issue] = []
    out: list[Incoming] = []
    for ev, line in zip(events, lines, strict=True):
        detail = dict(ev.detail)
        recorded_text = detail.pop("recorded", "")
        recorded_at = None
        if recorded_text:
            try:
                recorded_at = parse_instant(recorded_text)
            except ValueError as exc:
                issues.append(Issue(source, "recorded", str(exc), line))
                continue
        ev = replace(ev, detail=tuple(detail.items()))
        out.append(Incoming(ev, source, line, recorded_at))
    if issues:
        raise ValidationError(issues)
    return _tell_identical_rows_apart(out)


def _tell_identical_rows_apart(items: list[Incoming]) -> list[Incoming]:
    """Rows without a key that are identical within one file are distinct events: each after
    the first gets its occurrence number in its derived key (see ``derive_key``)."""
    seen: Counter[str] = Counter()
    out: list[Incoming] = []
    for item in items:
        ev = item.event
        if not ev.key:
            base = derive_key(ev)
            seen[base] += 1
            if seen[base] > 1:
                ev = replace(ev, key=derive_key(ev, seen[base]))
        out.append(replace(item, event=ev))
    return out


def _row_numbers(text: str) -> list[int]:
    """Row numbers of the non-blank data rows, counted as ``parse_events_csv`` counts them."""
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    return [n for n, row in enumerate(reader, start=2) if row and any(c.strip() for c in row)]


def parse_instant(text: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO timestamp (UTC unless it says otherwise), by
    the one strict parser (``loanbook.parse.parse_instant``; raises ``ValueError``)."""
    return strict_instant(text)


# -- validation ----------------------------------------------------------------------------
def check_events(
    conn: Connection, store: Store, view: BookView, items: Sequence[Incoming]
) -> tuple[list[Incoming], list[str], list[Issue]]:
    """Which items are new, which are already recorded (same key, same content), and every
    problem, each naming its file, row and field. Nothing is written."""
    given = {i.event.key for i in items if i.event.key}  # keys written in the input
    items = [replace(i, event=with_key(i.event)) for i in items]
    repeated: dict[str, Incoming] = {}
    existing = _existing(conn, [i.event.key for i in items])
    new: list[Incoming] = []
    same: list[str] = []
    issues: list[Issue] = []
    batch: dict[str, Incoming] = {}
    history: dict[str, list[LoanEvent]] = {}
    # the book's fixings as the batch leaves them (read once a fixing or correction comes)
    fixings: FixingsSeen | None = None
    for item in items:
        ev = item.event
        earlier = batch.get(ev.key) or repeated.get(ev.key)
        if ev.key in given and earlier is not None:  # a key names one event of an input
            issues.append(
                _issue(
                    item,
                    "key",
                    f"{ev.key!r} is also the key of {_where(earlier)} "
                    f"({describe_event(earlier.event)}); a key names one event",
                )
            )
            continue
        repeated.setdefault(ev.key, item)
        found = existing.get(ev.key) or (batch[ev.key].event if ev.key in batch else None)
        if found is not None:
            if same_content(found, ev):
                same.append(ev.key)
            else:
                issues.append(
                    _issue(
                        item,
                        "key",
                        f"{ev.key!r} is already recorded as {describe_event(found)}; "
                        "record a correction to change it",
                    )
                )
            continue
        if fixings is None and ev.kind in (EventKind.FIXING, EventKind.CORRECTION):
            fixings = view.fixings_seen()
        problems = _check_one(conn, store, view, item, history, batch, existing, fixings)
        if problems:
            issues.extend(problems)
            continue
        batch[ev.key] = item
        history.setdefault(ev.loan, []).append(ev)
        new.append(item)
        if fixings is not None and ev.kind is EventKind.FIXING:
            fixings.add(ev, _where(item))
        elif fixings is not None and ev.kind is EventKind.CORRECTION:
            fixings.reverse(ev.get("reverses"))
    if not issues:
        issues.extend(_check_revolving(conn, store, view, new))
    if not issues and new:
        issues.extend(_check_compliance(conn, store, view, new))
    return new, same, issues


def _check_compliance(
    conn: Connection, store: Store, view: BookView, new: list[Incoming]
) -> list[Issue]:
    """The whole book's compliance (``loanbook.compliance``): an advance waits for its
    conditions, an election needs the option; judged with every event recorded so far."""
    if not any(item.event.kind in GATED_KINDS for item in new):
        return []  # only advances and elections wait on compliance
    book = view.book
    if not view.events:  # the view was read without events: the engines need them here
        book = Book(book.documents, book.market, store.view(conn).book.events)
    refused = refusals(book)
    return [
        Issue(item.source, i.field, i.reason, item.line)
        for item in new
        for i in refused(item.event, item.source)
    ]


def _check_revolving(
    conn: Connection, store: Store, view: BookView, new: list[Incoming]
) -> list[Issue]:
    """Revolving loan accounts depend on every earlier event of their facility (a repayment
    cannot exceed the balance), so each touched facility is run once with the stored events
    and the whole batch; what it refuses is reported against the event it names."""
    issues: list[Issue] = []
    done: set[str] = set()
    for item in new:
        touched = item.event.loan
        if item.event.kind is EventKind.APPLICATION:  # its balance goes to an account
            touched = item.event.get("account")
        accounts = view.revolving_accounts(touched)
        if not accounts or accounts[0] in done:
            continue
        done.add(accounts[0])
        # the accounts' events, and those of the notes whose applications pay into them
        applications = effective_events(
            store.stored_events(conn, kinds=(EventKind.APPLICATION, EventKind.CORRECTION))
        )
        notes = applying_notes((*applications, *(i.event for i in new)), accounts)
        stored = effective_events(store.stored_events(conn, loans=(*accounts, *notes)))
        # A correction in the batch takes out the event it reverses, as it will once stored:
        # the facility must still run without it (a repayment may exceed what is left).
        undone = {i.event.get("reverses") for i in new if i.event.kind is EventKind.CORRECTION}
        stored = tuple(e for e in stored if e.key not in undone)
        batch = tuple(
            i.event
            for i in new
            if i.event.loan in (*accounts, *notes)
            and i.event.kind is not EventKind.CORRECTION
            and i.event.key not in undone
        )
        # run past the last stored event and the last of the batch (corrections included)
        last = max(
            [e.date for e in stored]
            + [i.event.date for i in new if i.event.loan in (*accounts, *notes)]
        )
        try:
            view.loan_book(accounts[0], stored + batch).run(accounts[0], last + timedelta(days=1))
        except LoanbookError as exc:
            by_ref = {i.event.reference or i.event.event_id: i for i in new}
            for found in exc.issues:
                culprit = by_ref.get(found.file)
                if culprit is None:
                    issues.append(found)
                else:
                    issues.append(_issue(culprit, found.field, found.reason))
    return issues


def _fields(ev: LoanEvent) -> list[Issue]:
    if ev.kind in MONEY_KINDS and (ev.amount is None or ev.amount <= 0):
        return [Issue("event", "amount", f"must be positive, got {ev.amount}")]
    return []


def _issue(item: Incoming, field: str, reason: str) -> Issue:
    return Issue(item.source, field, reason, item.line, item.event.key or None)


def _where(item: Incoming) -> str:
    return item.source if item.line is None else f"{item.source}:{item.line}"


def _check_one(
    conn: Connection,
    store: Store,
    view: BookView,
    item: Incoming,
    history: dict[str, list[LoanEvent]],
    batch: dict[str, Incoming],
    existing: dict[str, LoanEvent],
    fixings: FixingsSeen | None = None,
) -> list[Issue]:
    ev = item.event
    if ev.kind is EventKind.CORRECTION:
        return _check_correction(conn, store, item, batch)
    if ev.kind is not EventKind.FIXING and not view.defines(ev.loan):
        known = ", ".join(view.loans) or "none"
        found = [_issue(item, "loan", f"unknown loan {ev.loan!r} (known: {known})")]
        if ev.kind in MONEY_KINDS and (ev.amount is None or ev.amount <= 0):
            found.append(_issue(item, "amount", f"must be positive, got {ev.amount}"))
        return found
    prior: tuple[LoanEvent, ...] = ()
    if ev.kind is EventKind.APPLICATION:
        account = ev.get("account")
        wrong = [
            (name, f"{loan!r} is {what}")
            for name, loan, what, ok in (
                (
                    "loan",
                    ev.loan,
                    "a revolving account, not a note",
                    not view.revolving_accounts(ev.loan),
                ),
                (
                    "account",
                    account,
                    "not a revolving loan account",
                    not account or bool(view.revolving_accounts(account)),
                ),
            )
            if not ok
        ]
        if wrong:
            return [_issue(item, name, reason) for name, reason in wrong]
    if view.revolving_accounts(ev.loan):  # checked facility-wide after the batch
        return [_issue(item, i.field, i.reason) for i in _fields(ev)]
    if ev.kind in HISTORY_KINDS:
        stored = store.stored_events(conn, loans=(ev.loan,))
        prior = effective_events(stored) + tuple(history.get(ev.loan, ()))
    book = view.loan_book(ev.loan, prior) if ev.kind is not EventKind.FIXING else view.book
    try:
        found = book.check_event(ev, item.source, fixings)
    except LoanbookError as exc:  # the earlier events themselves no longer run
        found = list(exc.issues)
    return [_issue(item, i.field, i.reason) for i in found]


def _check_correction(
    conn: Connection, store: Store, item: Incoming, batch: dict[str, Incoming]
) -> list[Issue]:
    ev = item.event
    target_key = ev.get("reverses")
    if not target_key:
        return [_issue(item, "reverses", "a correction names the key of the event it reverses")]
    stored = {s.event.key: s for s in store.stored_events(conn, loans=(ev.loan,))}
    target = stored[target_key].event if target_key in stored else None
    if target is None and target_key in batch:
        target = batch[target_key].event
    if target is None:
        return [_issue(item, "reverses", f"no event with key {target_key!r} for loan {ev.loan}")]
    if target.kind is EventKind.CORRECTION:
        return [_issue(item, "reverses", f"{target_key!r} is itself a correction")]
    already = [
        s.event.key
        for s in stored.values()
        if s.event.kind is EventKind.CORRECTION and s.event.get("reverses") == target_key
    ] + [
        k
        for k, i in batch.items()
        if i.event.kind is EventKind.CORRECTION and i.event.get("reverses") == target_key
    ]
    if already:
        return [_issue(item, "reverses", f"{target_key!r} is already reversed by {already[0]!r}")]
    return []


def _existing(conn: Connection, keys: list[str]) -> dict[str, LoanEvent]:
    out: dict[str, LoanEvent] = {}
    unique = sorted(set(keys))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        for row in conn.execute(select(EventRow).where(EventRow.key.in_(chunk))):
            out[row.key] = event_of(row).event
    return out


# -- writing -------------------------------------------------------------------------------
def _insert_ignoring_duplicates(conn: Connection) -> Insert:
    table: Any = EventRow.__table__
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["key"])
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=["key"])


def table_id() -> Any:
    return EventRow.__table__.c.id


def insert_events(
    conn: Connection, items: Sequence[Incoming], recorded_at: datetime | None = None
) -> tuple[list[str], list[str]]:
    """Insert; a key another writer stored meanwhile is kept once (and must match)."""
    stmt = _insert_ignoring_duplicates(conn)
    stamp = recorded_at or now()
    added: list[str] = []
    same: list[str] = []
    for item in items:
        ev = item.event
        row = {
            "key": ev.key,
            "loan": ev.loan,
            "kind": ev.kind.value,
            "date": ev.date,
            "amount": ev.amount,
            "reference": ev.reference,
            "detail": json.dumps([list(p) for p in ev.detail]),
            "recorded_at": item.recorded_at or stamp,
            "source": item.source if item.line is None else f"{item.source}:{item.line}",
        }
        if conn.execute(stmt.returning(table_id()), row).first() is not None:
            added.append(ev.key)
            continue
        other = _existing(conn, [ev.key])[ev.key]
        if not same_content(other, ev):
            raise ValidationError(
                _issue(
                    item,
                    "key",
                    f"{ev.key!r} was just recorded by another writer as {describe_event(other)}",
                )
            )
        same.append(ev.key)
    return added, same


def lock_loans(conn: Connection, items: Sequence[Incoming], indexes: Iterable[str] = ()) -> None:
    """Serialize writers of history-dependent events per loan (two prepayments checked at
    once could together exceed the principal), and writers of fixings per index, the
    events' and ``indexes`` (two rates for one date checked at once would both pass), in
    one order (loans, then indexes, each sorted). SQLite writers are serialized already."""
    if conn.dialect.name != "postgresql":
        return
    for loan in sorted({i.event.loan for i in items if i.event.kind in HISTORY_KINDS}):
        conn.execute(text("SELECT pg_advisory_xact_lock(727003, hashtext(:loan))"), {"loan": loan})
    fixed = {i.event.get("index") for i in items if i.event.kind is EventKind.FIXING}
    for name in sorted(fixed | set(indexes)):
        conn.execute(text("SELECT pg_advisory_xact_lock(727004, hashtext(:name))"), {"name": name})


def record_events(
    store: Store, items: Sequence[Incoming], recorded_at: datetime | None = None
) -> Recorded:
    """Validate every event, then record the new ones in one transaction (or none of them).

    Raises ``ValidationError`` listing every problem (file, row, field, reason)."""
    with store.write() as conn:
        lock_loans(conn, items)
        view = store.view(conn, with_events=False)
        new, same, issues = check_events(conn, store, view, items)
        if issues:
            raise ValidationError(issues)
        added, raced = insert_events(conn, new, recorded_at)
    return Recorded(tuple(added), tuple(same + raced))


def record_event(store: Store, event: LoanEvent, recorded_at: datetime | None = None) -> Recorded:
    return record_events(store, [Incoming(event)], recorded_at)


def log(store: Store, loan: str | None = None) -> list[StoredEvent]:
    """The event log (of one loan), in the order the book learned of the events."""
    with store.read() as conn:
        return store.stored_events(conn, loans=None if loan is None else (loan,))
