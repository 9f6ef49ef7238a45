"""The persistent book on the command line: init, import, record, run, status, ledger, check.

Every command takes ``--db PATH|URL`` (else ``LOANBOOK_DATABASE_URL``, else ``loanbook.db``,
a SQLite file; ``postgresql://...`` for a team) and ``--json``. Only ``init`` creates a book:
any other command on a database that is not a book fails and creates nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from loanbook import parse as strict
from loanbook.cli.common import (
    JsonOpt,
    console,
    err_console,
    fail,
    money,
    parse_date,
    print_json,
)
from loanbook.cli.tables import Column, print_table
from loanbook.errors import Issue, LoanbookError, ValidationError

if TYPE_CHECKING:  # the storage stack and the engines are imported only by the commands
    from loanbook.book import Book  # that use them, so `loanbook --help` does not pay for them
    from loanbook.engine.events import LoanEvent
    from loanbook.storage.store import Store

T = TypeVar("T")

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="book database: a SQLite file path or a URL (postgresql://...); "
        "default $LOANBOOK_DATABASE_URL, else loanbook.db",
        show_default=False,
    ),
]
WideOpt = Annotated[
    bool, typer.Option("--wide", help="every column, text unabbreviated (lines may be long)")
]
KnownOpt = Annotated[
    str | None,
    typer.Option("--known-on", help="as the book knew it on (YYYY-MM-DD or ISO timestamp)"),
]
RecordedOpt = Annotated[
    str | None,
    typer.Option("--recorded-at", help="when the book learned of it (default: now, UTC)"),
]


@contextmanager
def _opened(db: str | None) -> Iterator[Store]:
    from loanbook.storage.store import Store

    try:
        with Store.open_book(db) as store, _database(store):
            yield store
    except LoanbookError as exc:
        fail(exc)


@contextmanager
def _database(store: Store) -> Iterator[None]:
    """A database failure while a command runs becomes one line naming the book."""
    from sqlalchemy.exc import SQLAlchemyError

    from loanbook.storage.db import database_error

    try:
        yield
    except SQLAlchemyError as exc:
        raise database_error(store.name, exc) from None


opened_book = _opened  # for the folder commands' --db


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except LoanbookError as exc:
        fail(exc)


def _known(text: str | None) -> date | datetime | None:
    if text is None:
        return None
    if len(text.strip()) == 10:
        return parse_date(text, "--known-on")
    from loanbook.storage.record import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        fail(LoanbookError(Issue("--known-on", "known_on", str(exc))))


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    from loanbook.storage.record import parse_instant

    try:
        return parse_instant(text)
    except ValueError as exc:
        fail(LoanbookError(Issue(option, option.lstrip("-").replace("-", "_"), str(exc))))


def book_from_db(db: str | None, known_on: date | datetime | None = None) -> Book:
    """The stored book as a pure ``Book``: what the folder commands use with ``--db``."""
    from loanbook.storage.store import Store

    try:
        with Store.open_book(db) as store, _database(store):
            return store.book(known_on)
    except LoanbookError as exc:
        fail(exc)


def init(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Create the book (or bring its schema up to date)."""
    from loanbook.storage import migrate
    from loanbook.storage.store import Store

    store = _guard(lambda: Store.open(db, create=False))
    try:
        with _database(store):
            revision = migrate.upgrade(store.engine)
    except LoanbookError as exc:
        fail(exc)
    finally:
        store.close()
    if as_json:
        print_json({"db": store.name, "revision": revision})
    else:
        console.print(f"{store.name}: schema at revision {revision}", markup=False)


def import_(
    book: Annotated[Path, typer.Argument(help="book folder (term files, rates/, events/)")],
    db: DbOpt = None,
    recorded_at: RecordedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a book folder: every file is validated before anything is written."""
    from loanbook.storage.importer import import_folder

    stamp = _instant(recorded_at, "--recorded-at")
    with _opened(db) as store:
        report = _guard(lambda: import_folder(store, book, stamp))
    if as_json:
        print_json(report.as_json())
        return
    console.print(
        f"documents: {len(report.documents_added)} added, "
        f"{len(report.documents_unchanged)} already recorded; fixings: "
        f"{report.fixings_added} added, {report.fixings_unchanged} already recorded; events: "
        f"{len(report.events.added)} added, {len(report.events.existing)} already recorded",
        markup=False,
    )


def record(
    kind: Annotated[
        str | None,
        typer.Argument(help="payment|advance|prepayment|fixing|notice|fee|waiver|correction|..."),
    ] = None,
    loan: Annotated[str | None, typer.Option("--loan", help="the loan (or facility) id")] = None,
    on: Annotated[str | None, typer.Option("--date", help="valid date (YYYY-MM-DD)")] = None,
    amount: Annotated[
        str | None,
        typer.Option("--amount", help="the amount, e.g. 1234.56 (a fixing: the rate in percent)"),
    ] = None,
    key: Annotated[str | None, typer.Option("--key", help="idempotency key")] = None,
    reference: Annotated[str, typer.Option("--reference", help="your reference (free text)")] = "",
    index: Annotated[str | None, typer.Option("--index", help="fixing: the index")] = None,
    reverses: Annotated[str | None, typer.Option("--reverses", help="correction: key")] = None,
    detail: Annotated[list[str] | None, typer.Option("--detail", help="NAME=VALUE")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="events CSV")] = None,
    db: DbOpt = None,
    recorded_at: RecordedOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an event (or every event of a CSV): validated, idempotent by key."""
    from loanbook.loader import read_input
    from loanbook.storage.record import Incoming, parse_events_file, record_events

    stamp = _instant(recorded_at, "--recorded-at")
    with _opened(db) as store:
        if file is not None:
            if kind is not None:
                fail(ValidationError(Issue("record", "kind", "give a KIND or --file, not both")))
            text = _guard(lambda: read_input(file))
            items = _guard(lambda: parse_events_file(text, str(file)))
        else:
            event = _event_from_options(
                store, kind, loan, on, amount, key, reference, index, reverses, detail or []
            )
            items = [Incoming(event)]
        result = _guard(lambda: record_events(store, items, stamp))
    if as_json:
        print_json({"added": list(result.added), "existing": list(result.existing)})
        return
    for k in result.added:
        console.print(f"recorded {k}", markup=False)
    for k in result.existing:
        console.print(f"already recorded {k} (nothing changed)", markup=False)


def _event_from_options(
    store: Store,
    kind: str | None,
    loan: str | None,
    on: str | None,
    amount: str | None,
    key: str | None,
    reference: str,
    index: str | None,
    reverses: str | None,
    detail: list[str],
) -> LoanEvent:
    from loanbook.engine.events import EventKind, LoanEvent, check_detail, parse_event_amount

    issues: list[Issue] = []
    known = ", ".join(k.value for k in EventKind)
    if kind is None:
        fail(ValidationError(Issue("record", "kind", f"give a KIND ({known}) or --file")))
    try:
        event_kind = EventKind(kind)
    except ValueError:
        fail(ValidationError(Issue("record", "kind", f"unknown kind {kind!r} ({known})")))
    pairs: list[tuple[str, str]] = []
    for item in detail:
        name, sep, value = item.partition("=")
        if not sep or not name:
            issues.append(Issue("--detail", "detail", f"{item!r} is not NAME=VALUE"))
        pairs.append((name.strip(), value.strip()))
    day: date | None = None
    if event_kind is EventKind.CORRECTION:
        if not reverses:
            issues.append(Issue("--reverses", "reverses", "a correction names the key it reverses"))
        else:
            pairs.append(("reverses", reverses))
            target = _find(store, reverses)
            if target is None:
                fail(ValidationError(Issue("--reverses", "reverses", f"no event {reverses!r}")))
            loan = loan or target.loan
            day = target.date
    if event_kind is EventKind.FIXING:
        if not index:
            issues.append(Issue("--index", "index", "a fixing names its index"))
        else:
            pairs.append(("index", index))
            loan = loan or index
    if on is not None:
        try:
            day = strict.parse_date(on)
        except strict.InputError as exc:
            issues.append(Issue("--date", "date", str(exc)))
    elif day is None:
        issues.append(Issue("--date", "date", "required"))
    if not loan:
        issues.append(Issue("--loan", "loan", "required"))
    ids = [("--loan", "loan", loan or ""), ("--key", "key", key or "")]
    for option, field, value in ids:
        if value:
            try:
                strict.parse_id(value, field)
            except strict.InputError as exc:
                issues.append(Issue(option, field, str(exc)))
    try:
        strict.parse_text(reference, "reference")
    except strict.InputError as exc:
        issues.append(Issue("--reference", "reference", str(exc)))
    for name, value in pairs:
        try:
            check_detail(name, value)
        except strict.InputError as exc:
            issues.append(Issue("--detail", name, str(exc)))
    parsed: Decimal | None = None
    if amount is not None:
        try:
            parsed = parse_event_amount(event_kind, amount)
        except strict.InputError as exc:
            issues.append(Issue("--amount", "amount", str(exc)))
    if issues:
        fail(ValidationError(issues))
    assert day is not None and loan is not None
    return LoanEvent(day, loan, event_kind, parsed, reference, key or "", tuple(pairs))


def _find(store: Store, key: str) -> LoanEvent | None:
    from sqlalchemy import select

    from loanbook.storage.schema import EventRow
    from loanbook.storage.store import event_of

    with store.read() as conn:
        row = conn.execute(select(EventRow).where(EventRow.key == key)).first()
    return None if row is None else event_of(row).event


def run(
    to: Annotated[str, typer.Option("--to", help="close every day up to (YYYY-MM-DD)")],
    db: DbOpt = None,
    loan: Annotated[list[str] | None, typer.Option("--loan", help="only these loans")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Close of business: accrue and post every loan day by day (resumable, idempotent)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from loanbook.storage.close import close_of_business

    day = parse_date(to, "--to")
    with (
        _opened(db) as store,
        Progress(
            TextColumn("[bold]closing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loan-days"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=as_json,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task("close", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = _guard(lambda: close_of_business(store, day, tick, loan))
    if as_json:
        print_json(report.as_json())
    else:
        console.print(
            f"closed {report.loan_days} loan-days of {report.loans} loans to {day}: "
            f"{report.postings} postings ({report.reversals} reversals) "
            f"in {report.seconds:.2f}s",
            markup=False,
        )
        if report.corrected_loans:
            console.print(f"corrected: {', '.join(report.corrected_loans)}", markup=False)
    if report.failures:  # each names its loan: "LOAN: file:line: field: reason"
        fail(
            LoanbookError(
                [
                    replace(i, file=f"{name}: {i.file}")
                    for name, found in report.failures
                    for i in found
                ]
            )
        )


def status(
    db: DbOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="default: the last day closed")
    ] = None,
    known_on: KnownOpt = None,
    loan: Annotated[list[str] | None, typer.Option("--loan", help="only these loans")] = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """The position of every loan as of a date, as the book knew it on a date."""
    from loanbook.storage.reports import default_as_of
    from loanbook.storage.reports import status as book_status

    known = _known(known_on)
    with _opened(db) as store:
        day = parse_date(as_of, "--as-of") if as_of else default_as_of(store)
        result = _guard(lambda: book_status(store, day, known, tuple(loan) if loan else None))
    if as_json:
        print_json(result.as_json())
        return
    title = f"Status as of {day}" + (f", as known on {known_on}" if known_on else "")
    columns = [
        Column("loan", middle=True),
        Column("principal", figure=True),
        Column("accrued", figure=True, drop=1),  # interest accrued, not yet due
        Column("due now", figure=True),
        Column("payoff", figure=True),
        Column("closed through", figure=True, left=True, drop=2),
    ]
    rows: list[list[str]] = []
    errors: list[str] = []
    for s in result.loans:
        data = s.as_json()
        p = s.position
        if p is None:
            rows.append([s.loan, "error", "", "", "", data["closed_through"] or ""])
            errors.append(f"{s.loan}: {s.error}")
            continue
        rows.append(
            [
                s.loan,
                money(p.principal_outstanding),
                money(p.interest_accrued),
                money(p.total_due),
                money(p.payoff),
                data["closed_through"] or "not run",
            ]
        )
    print_table(title, columns, rows, wide=wide)
    for line in errors:  # whole, on their own lines: an error is never abbreviated
        console.print(line, markup=False, soft_wrap=True)


def ledger(
    loan: Annotated[str, typer.Option("--loan", help="the loan id, e.g. cit-note")],
    db: DbOpt = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="postings of business days up to")
    ] = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """A loan's postings: each with its event, accounts, amount and clause."""
    from loanbook.storage.reports import ledger as loan_ledger

    known = _known(known_on)
    day = parse_date(as_of, "--as-of") if as_of else None
    with _opened(db) as store:
        result = _guard(lambda: loan_ledger(store, loan, day, known))
    if as_json:
        print_json(result.as_json())
        return
    columns = [
        Column("posted", figure=True, left=True, drop=3),
        Column("#", figure=True, drop=4),
        Column("date", figure=True, left=True),
        Column("line"),
        Column("debit", drop=2, shrink=False),
        Column("credit", drop=2, shrink=False),
        Column("amount", figure=True),
        Column("clause", drop=1),
        Column("event", drop=5, middle=True),
    ]
    rows = [
        [
            p.posted_on.isoformat(),
            str(p.seq),
            p.line.date.isoformat(),
            p.line.kind.value.replace("_", " ") + (" (reversal)" if p.reverses else ""),
            p.line.debit.value,
            p.line.credit.value,
            money(p.line.amount),
            p.line.cite,
            p.line.event,
        ]
        for p in result.postings
    ]
    print_table(f"Ledger of {loan}", columns, rows, wide=wide)
    for account, value in sorted(result.balances.items()):
        if value:
            console.print(f"  {account.value}: {money(value)}", markup=False)


def check(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Prove the ledger: every posting balances, and replay equals what is stored."""
    from loanbook.storage.audit import check as audit

    with _opened(db) as store:
        report = _guard(lambda: audit(store))
    data = report.as_json()
    if as_json:
        print_json(data)
    else:
        sign = "=" if data["debits"] == data["credits"] else "!="
        console.print(
            f"{report.postings} postings; debits {data['debits']} {sign} credits "
            f"{data['credits']}; {report.loans_checked} loans replayed",
            markup=False,
        )
        for line in report.unbalanced:
            console.print(f"  unbalanced: {line}", markup=False, soft_wrap=True)
        for line in report.bad_reversals:
            console.print(f"  bad reversal: {line}", markup=False, soft_wrap=True)
        for line in report.documents:
            console.print(f"  document: {line}", markup=False, soft_wrap=True)
        for line in report.fixings:
            console.print(f"  fixing: {line}", markup=False, soft_wrap=True)
        for name, diffs in report.replay_mismatches.items():
            for d in diffs:
                console.print(f"  {name}: {d}", markup=False, soft_wrap=True)
        if report.pending:
            console.print(
                f"pending (learned since last run): {', '.join(report.pending)}", markup=False
            )
        console.print("ok" if report.ok else "FAILED", markup=False)
    if not report.ok:
        raise typer.Exit(1)


def export(
    folder: Annotated[Path, typer.Argument(help="an empty or new folder")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rebuild the book folder (term files exactly, fixings, the event log) from the book."""
    from loanbook.storage.export import export_folder

    with _opened(db) as store:
        done = _guard(lambda: export_folder(store, folder))
    data = {"documents": done.documents, "fixing_files": done.fixing_files, "events": done.events}
    if as_json:
        print_json({"folder": str(folder), **data})
    else:
        console.print(
            f"{folder}: {done.documents} term files, {done.fixing_files} fixing files, "
            f"{done.events} events (`loanbook validate {folder}` reads it back)",
            markup=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add the book commands to the ``loanbook`` CLI."""
    app.command("init")(init)
    app.command("import")(import_)
    app.command("record")(record)
    app.command("run")(run)
    app.command("status")(status)
    app.command("ledger")(ledger)
    app.command("check")(check)
    app.command("export")(export)
