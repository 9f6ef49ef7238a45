"""``loanbook import BOOK_FOLDER``: term files, fixings and events into the book, or nothing.

Every file is parsed and every term, fixing and event is validated against the book as it
will be (what is stored plus the folder) before anything is written. Importing the same
folder again records nothing new; a term file whose text differs from the recorded one of
the same document id is refused (an amendment is its own document).
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, insert, select

from loanbook.book import Book, TermDocument
from loanbook.compliance.service import compliance_issues
from loanbook.engine.events import EventKind
from loanbook.errors import Issue, LoanbookError, ValidationError
from loanbook.loader import (
    MAX_DATA_FILE_BYTES,
    MAX_TERM_FILE_BYTES,
    document_name,
    read_input,
    term_files,
)
from loanbook.parse import parse_percent
from loanbook.rates import Fixing, Market, parse_fixings_csv
from loanbook.storage.record import (
    Incoming,
    Recorded,
    check_events,
    insert_events,
    lock_loans,
    parse_events_file,
)
from loanbook.storage.schema import DocumentRow, FixingRow
from loanbook.storage.store import Store, effective_events, now
from loanbook.storage.view import BookView
from loanbook.terms.files import parse_term_file
from loanbook.terms.schema import TermFileModel
from loanbook.terms.validation import book_issues


@dataclass(frozen=True)
class ImportReport:
    documents_added: tuple[str, ...]
    documents_unchanged: tuple[str, ...]
    fixings_added: int
    fixings_unchanged: int
    events: Recorded
    loans: tuple[str, ...] = ()  # the book's loans with the folder imported
    warnings: tuple[Issue, ...] = ()  # legal but implausible values (validate prints them)

    def as_json(self) -> dict[str, object]:
        return {
            "documents_added": list(self.documents_added),
            "documents_unchanged": list(self.documents_unchanged),
            "fixings_added": self.fixings_added,
            "fixings_unchanged": self.fixings_unchanged,
            "events_added": len(self.events.added),
            "events_unchanged": len(self.events.existing),
        }


@dataclass(frozen=True)
class _Folder:
    documents: list[tuple[Path, TermDocument]]
    fixings: list[tuple[str, Fixing, Decimal]]  # ("rates/x.csv:LINE", fixing, percent as written)
    events: list[Incoming]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def exact_json(model: TermFileModel) -> str | None:
    """The parsed model as JSON when it reads back equal (loading it skips the YAML)."""
    text = model.model_dump_json()
    try:
        return text if TermFileModel.model_validate_json(text) == model else None
    except ValueError:
        return None


def read_folder(folder: Path) -> _Folder:
    """Parse every file of a book folder; all problems together as ``ValidationError``."""
    if not folder.is_dir():
        raise ValidationError(Issue(str(folder), "book", "not a folder"))
    issues: list[Issue] = []
    docs: list[tuple[Path, TermDocument]] = []
    for path in term_files(folder):
        text = _read(path, issues)
        if text is None:
            continue
        try:
            docs.append(
                (
                    path,
                    TermDocument(
                        document_name(path, folder), text, parse_term_file(text, str(path))
                    ),
                )
            )
        except LoanbookError as exc:
            issues.extend(exc.issues)
    seen: dict[str, Path] = {}
    for path, doc in docs:
        if doc.id in seen:
            issues.append(Issue(str(path), "document.id", f"{doc.id!r} is also {seen[doc.id]}"))
        seen[doc.id] = path
    fixings: list[tuple[str, Fixing, Decimal]] = []
    for path in sorted((folder / "rates").glob("*.csv")):
        text = _read(path, issues)
        if text is None:
            continue
        try:
            parsed_fixings = parse_fixings_csv(text, str(path))  # refuses malformed CSV first
            written = dict(enumerate(csv.reader(io.StringIO(text)), start=1))
            for fx in parsed_fixings:
                line = int(fx.source.rsplit(":", 1)[1])
                # as written: "6.00" stays "6.00"
                percent = parse_percent(written[line][2], fraction=False)
                fixings.append((f"rates/{path.name}:{line}", fx, percent))
        except LoanbookError as exc:
            issues.extend(exc.issues)
    events: list[Incoming] = []
    for path in sorted((folder / "events").glob("*.csv")):
        text = _read(path, issues)
        if text is None:
            continue
        try:
            parsed = parse_events_file(text, str(path))
        except LoanbookError as exc:
            issues.extend(exc.issues)
            continue
        events.extend(parsed)
    if issues:
        raise ValidationError(issues)
    return _Folder(docs, fixings, events)


def _relative(source: str, folder: Path) -> str:
    """Where a row came from, as a path inside the book folder (errors name the full path)."""
    try:
        return Path(source).relative_to(folder).as_posix()
    except ValueError:
        return source


def _read(path: Path, issues: list[Issue]) -> str | None:
    try:
        return read_input(
            path, MAX_TERM_FILE_BYTES if path.suffix == ".yaml" else MAX_DATA_FILE_BYTES
        )
    except LoanbookError as exc:
        issues.extend(exc.issues)
        return None


@dataclass(frozen=True)
class _Checked:
    """What importing a folder would write, once every check has passed."""

    new_docs: list[tuple[Path, TermDocument]]
    same_docs: list[str]
    new_fixings: list[tuple[str, Fixing, Decimal]]
    same_fixings: int
    events: list[Incoming]
    same_events: list[str]
    loans: tuple[str, ...]
    book: Book  # the book as it would stand with the folder imported


def _check_folder(conn: Connection, store: Store, parsed: _Folder) -> _Checked:
    """Every check of an import, against the book as stored; raises ``ValidationError``
    listing every problem. Nothing is written: ``validate`` and ``import`` share this."""
    issues: list[Issue] = []
    new_docs, same_docs = _new_documents(conn, parsed, issues)
    new_fixings, same_fixings = _new_fixings(conn, parsed, issues)
    if issues:
        raise ValidationError(issues)
    stored = [d for _, d in store.document_rows(conn)]
    fixing_events = effective_events(
        store.stored_events(conn, kinds=(EventKind.FIXING, EventKind.CORRECTION))
    )
    market = Market.of([*store.fixings(conn), *(f for _, f, _ in new_fixings)])
    view = BookView(tuple(stored + [d for _, d in new_docs]), market, fixing_events, ())
    touched = _loans_of([d for _, d in new_docs])
    try:
        issues.extend(view.validate(tuple(sorted(touched & set(view.loans)))))
        if new_docs or new_fixings:  # the rules over the whole book (terms.validation)
            issues.extend(book_issues(view.book))
    except LoanbookError as exc:  # an amendment that does not apply
        issues.extend(exc.issues)
    issues.extend(compliance_issues(view.book))  # covenants, waivers, facts (compliance)
    if issues:
        raise ValidationError(issues)
    events, same_events, event_issues = check_events(conn, store, view, parsed.events)
    if event_issues:
        raise ValidationError(event_issues)
    loans = tuple(view.loans)
    return _Checked(
        new_docs, same_docs, new_fixings, same_fixings, events, same_events, loans, view.book
    )


def import_folder(store: Store, folder: Path, recorded_at: datetime | None = None) -> ImportReport:
    """Validate the whole folder against the book, then write it in one transaction."""
    parsed = read_folder(folder)
    stamp = recorded_at or now()
    with store.write() as conn:
        lock_loans(conn, parsed.events)
        done = _check_folder(conn, store, parsed)
        _insert_documents(conn, done.new_docs, stamp)
        _insert_fixings(conn, done.new_fixings, stamp)
        stored_as = [replace(i, source=_relative(i.source, folder)) for i in done.events]
        added, raced = insert_events(conn, stored_as, stamp)
    return ImportReport(
        tuple(d.id for _, d in done.new_docs),
        tuple(done.same_docs),
        len(done.new_fixings),
        done.same_fixings,
        Recorded(tuple(added), tuple(done.same_events + raced)),
        done.loans,
    )


def validate_folder(folder: Path, store: Store | None = None) -> ImportReport:
    """Run every check ``import_folder`` runs, and write nothing: against ``store`` (what
    importing into it would do) or, without one, against a new empty book. Raises
    ``ValidationError`` with the same issues, worded the same way, as the import would."""
    parsed = read_folder(folder)
    if store is None:
        with (
            tempfile.TemporaryDirectory(prefix="loanbook-validate-") as scratch,
            Store.open(f"sqlite:///{Path(scratch) / 'book.db'}") as empty,
        ):
            return _validate(parsed, empty)
    return _validate(parsed, store)


def _validate(parsed: _Folder, store: Store) -> ImportReport:
    with store.read() as conn:
        done = _check_folder(conn, store, parsed)
    return ImportReport(
        tuple(d.id for _, d in done.new_docs),
        tuple(done.same_docs),
        len(done.new_fixings),
        done.same_fixings,
        Recorded(tuple(i.event.key for i in done.events), tuple(done.same_events)),
        done.loans,
        tuple(done.book.warnings()),
    )


def _new_documents(
    conn: Connection, parsed: _Folder, issues: list[Issue]
) -> tuple[list[tuple[Path, TermDocument]], list[str]]:
    ids = [d.id for _, d in parsed.documents]
    rows = {
        r.doc_id: r
        for r in conn.execute(
            select(DocumentRow.doc_id, DocumentRow.sha256, DocumentRow.source).where(
                DocumentRow.doc_id.in_(ids)
            )
        )
    }
    new: list[tuple[Path, TermDocument]] = []
    same: list[str] = []
    for path, doc in parsed.documents:
        row = rows.get(doc.id)
        if row is None:
            new.append((path, doc))
        elif row.sha256 == sha256(doc.text):
            same.append(doc.id)
        else:
            issues.append(
                Issue(
                    str(path),
                    "document.id",
                    f"document {doc.id!r} is already in the book (from {row.source}) with "
                    "different text; a change to recorded terms is an amendment, its own "
                    "document",
                )
            )
    return new, same


def _new_fixings(
    conn: Connection, parsed: _Folder, issues: list[Issue]
) -> tuple[list[tuple[str, Fixing, Decimal]], int]:
    names = sorted({f.index for _, f, _ in parsed.fixings})
    stored: dict[tuple[str, date], Decimal] = {
        (r.index_name, r.date): r.rate_percent
        for r in conn.execute(
            select(FixingRow.index_name, FixingRow.date, FixingRow.rate_percent).where(
                FixingRow.index_name.in_(names)
            )
        )
    }
    new: list[tuple[str, Fixing, Decimal]] = []
    same = 0
    for source, fx, written in parsed.fixings:
        percent = stored.get((fx.index, fx.date))
        if percent is None:
            new.append((source, fx, written))
        elif percent == written:
            same += 1
        else:
            file, line = fx.source.rsplit(":", 1)
            issues.append(
                Issue(
                    file,
                    "rate_percent",
                    f"{fx.index} on {fx.date} is already {percent} in the book",
                    int(line),
                )
            )
    return new, same


def _loans_of(docs: list[TermDocument]) -> set[str]:
    return {a.path[1] for a in Book(tuple(docs)).assertions if a.path[0] == "loans"}


def _insert_documents(
    conn: Connection, docs: list[tuple[Path, TermDocument]], stamp: datetime
) -> None:
    rows = [
        {
            "doc_id": doc.id,
            "source": doc.source,
            "text": doc.text,
            "sha256": sha256(doc.text),
            "record_date": doc.model.document.recorded or doc.model.document.date,
            "recorded_at": stamp,
            "model_json": exact_json(doc.model),
        }
        for _, doc in docs
    ]
    if rows:
        conn.execute(insert(DocumentRow), rows)


def _insert_fixings(
    conn: Connection, fixings: list[tuple[str, Fixing, Decimal]], stamp: datetime
) -> None:
    rows = [
        {
            "index_name": fx.index,
            "date": fx.date,
            "rate_percent": written,
            "source": source,
            "recorded_at": stamp,
        }
        for source, fx, written in fixings
    ]
    if rows:
        conn.execute(insert(FixingRow), rows)
