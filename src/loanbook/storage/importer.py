"""``loanbook import BOOK_FOLDER``: term files, fixings and events into the book, or nothing.

Every file is parsed and every term, fixing and event is validated against the book as it
will be (what is stored plus the folder), in one transaction: the term files are written a
batch at a time as they are parsed (a book of 100,000 notes is never held parsed), the book
as it then stands is checked, and any problem rolls everything back. Importing the same
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
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, LoanbookError, ValidationError
from loanbook.loader import (
    MAX_DATA_FILE_BYTES,
    MAX_TERM_FILE_BYTES,
    document_name,
    read_input,
    term_files,
)
from loanbook.parse import parse_percent
from loanbook.rates import Fixing, parse_fixings_csv
from loanbook.storage.bookindex import IndexedView, document_index, documents_at
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
from loanbook.terms.validation import BookPart, book_issues, book_warnings

#: Term files parsed, compared and written at a time, and loans checked at a time.
BATCH = 500


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
class _Data:
    """The folder's fixings and events (small beside the term files: held whole)."""

    fixings: list[tuple[str, Fixing, Decimal]]  # ("rates/x.csv:LINE", fixing, percent written)
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


def _parse_documents(
    paths: list[Path], folder: Path, seen: dict[str, Path], issues: list[Issue]
) -> list[tuple[Path, TermDocument]]:
    """Parse some term files of the folder; a second document of an id already ``seen`` in
    the folder is reported (and left out)."""
    docs: list[tuple[Path, TermDocument]] = []
    for path in paths:
        text = _read(path, issues)
        if text is None:
            continue
        try:
            doc = TermDocument(document_name(path, folder), text, parse_term_file(text, str(path)))
        except LoanbookError as exc:
            issues.extend(exc.issues)
            continue
        if doc.id in seen:
            issues.append(Issue(str(path), "document.id", f"{doc.id!r} is also {seen[doc.id]}"))
        else:
            docs.append((path, doc))
        seen[doc.id] = path
    return docs


def _read_data(folder: Path, issues: list[Issue]) -> _Data:
    """Parse the folder's fixing and event files; problems are collected in ``issues``."""
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
    return _Data(fixings, events)


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
class _Written:
    """What the streamed pass over the term files wrote (ids only: the models are dropped
    with their batch)."""

    new: list[str]
    same: list[str]
    touched: set[str]  # the loans the new documents state or change


def _write_documents(
    conn: Connection, folder: Path, stamp: datetime, batch: int, parse_issues: list[Issue]
) -> tuple[_Written, list[Issue]]:
    """Parse the term files ``batch`` at a time, compare each with the recorded document of
    its id and insert the new ones; problems of parsing go to ``parse_issues`` (reported
    first, alone, as before), those against the stored book are returned. Once any problem
    is found nothing more is written: the caller's transaction is rolled back."""
    seen: dict[str, Path] = {}
    written = _Written([], [], set())
    stored_issues: list[Issue] = []
    paths = term_files(folder)
    for start in range(0, len(paths), batch):
        docs = _parse_documents(paths[start : start + batch], folder, seen, parse_issues)
        new, same = _new_documents(conn, docs, stored_issues)
        written.same.extend(same)
        if parse_issues or stored_issues:
            continue  # keep parsing, to report every problem; write nothing more
        _insert_documents(conn, new, stamp)
        written.new.extend(d.id for _, d in new)
        written.touched.update(_loans_of([d for _, d in new]))
    return written, stored_issues


@dataclass(frozen=True)
class _Checked:
    """What importing a folder writes, once every check has passed."""

    written: _Written
    new_fixings: list[tuple[str, Fixing, Decimal]]
    same_fixings: int
    events: list[Incoming]
    same_events: list[str]
    loans: tuple[str, ...]
    warnings: tuple[Issue, ...]


def _import(
    conn: Connection,
    store: Store,
    folder: Path,
    stamp: datetime,
    batch: int,
    warnings: bool = False,
) -> _Checked:
    """Every check of an import, writing as it goes in the caller's one transaction (so a
    book of 100,000 term files is never held parsed): the term files are parsed, compared
    with the book and written ``batch`` at a time, then the fixings; then the book as it
    now stands is checked (``_check_book``), then the events. Raises ``ValidationError``
    listing every problem of the first stage that has any; the caller then rolls back.
    ``validate`` and ``import`` share it (``validate`` always rolls back)."""
    if not folder.is_dir():
        raise ValidationError(Issue(str(folder), "book", "not a folder"))
    parse_issues: list[Issue] = []
    written, issues = _write_documents(conn, folder, stamp, batch, parse_issues)
    data = _read_data(folder, parse_issues)
    if parse_issues:
        raise ValidationError(parse_issues)
    lock_loans(conn, data.events, {fx.index for _, fx, _ in data.fixings})
    new_fixings, same_fixings = _new_fixings(conn, store, data.fixings, issues)
    if issues:
        raise ValidationError(issues)
    _insert_fixings(conn, new_fixings, stamp)
    terms_changed = bool(written.new or new_fixings)
    view, loans, found = _check_book(
        conn, store, written.touched, terms_changed, batch, warnings, data.events
    )
    events, same_events, event_issues = check_events(conn, store, view, data.events)
    if event_issues:
        raise ValidationError(event_issues)
    return _Checked(written, new_fixings, same_fixings, events, same_events, loans, found)


def _check_book(
    conn: Connection,
    store: Store,
    touched: set[str],
    terms_changed: bool,
    batch: int,
    warnings: bool,
    events: list[Incoming],
) -> tuple[BookView, tuple[str, ...], tuple[Issue, ...]]:
    """The checks of the book as it now stands (what was stored plus the folder): the
    touched loans' terms, the rules over the whole book (when terms or fixings are new) and
    its compliance. Returns the view the events are checked on, the book's loans and (with
    ``warnings``) its warnings; raises ``ValidationError`` listing every problem.

    A book of notes only (``bookindex.plain``) is read and checked ``batch`` loans at a
    time, each batch on the small books its loans run on (``BookView.for_documents``) and
    the rules over the book on its part (``BookPart``); any other book (facilities,
    revolving facilities, compliance: the example books) as one book."""
    index = document_index(conn, store.watermark(conn).documents)
    if index is None or not index.notes_only:
        view = store.view(conn, with_events=False)  # the documents' checks: no events
        issues: list[Issue] = []
        try:
            issues.extend(view.validate(tuple(sorted(touched & set(view.loans)))))
            if terms_changed:  # the rules over the whole book (terms.validation)
                issues.extend(book_issues(view.book))
        except LoanbookError as exc:  # an amendment that does not apply
            issues.extend(exc.issues)
        issues.extend(compliance_issues(view.book))  # covenants, waivers, facts
        if issues:
            raise ValidationError(issues)
        found = tuple(view.book.warnings()) if warnings else ()
        return view, tuple(view.loans), found
    base = store.view(conn, with_events=False, documents=False)
    ids = frozenset(r[0] for r in conn.execute(select(DocumentRow.doc_id)))
    loan_found: list[Issue] = []
    book_found: list[Issue] = []
    compliance_found: list[Issue] = []
    warned: list[Issue] = []
    loans: list[str] = []
    names = index.loans
    groups = [names[n : n + batch] for n in range(0, len(names), batch)]
    for group in [*groups, ()]:  # then the documents that name no loan
        places = index.places(group) if group else index.loose
        docs = documents_at(conn, index, places)
        part = BookPart(ids, frozenset(group))
        book = Book(docs, base.base_market, base.fixing_events)
        try:
            if group:
                view = base.for_documents(docs, places, group)
                loans.extend(view.loans)
                loan_found.extend(view.validate(tuple(sorted(touched & set(view.loans)))))
            if terms_changed:
                book_found.extend(book_issues(book, part))
        except LoanbookError as exc:
            loan_found.extend(exc.issues)
        compliance_found.extend(compliance_issues(book))  # none in a book of notes
        if warnings:
            warned.extend(book_warnings(book, part))
    # as one book reports them: its loans' problems, then the rules over it, then compliance
    issues = [*dict.fromkeys(loan_found), *dict.fromkeys(book_found), *compliance_found]
    if issues:
        raise ValidationError(issues)
    order = [i.event.loan for i in events]
    view = IndexedView(base, conn, index, tuple(loans), order, batch)
    return view, tuple(loans), tuple(dict.fromkeys(warned))


def import_folder(
    store: Store, folder: Path, recorded_at: datetime | None = None, batch: int = BATCH
) -> ImportReport:
    """Check the folder against the book and write it, in one transaction: all or nothing.
    The term files are parsed and written ``batch`` at a time (see ``_import``)."""
    stamp = recorded_at or now()
    with store.forgetting(), store.write() as conn:
        done = _import(conn, store, folder, stamp, batch)
        stored_as = [replace(i, source=_relative(i.source, folder)) for i in done.events]
        added, raced = insert_events(conn, stored_as, stamp)
    return ImportReport(
        tuple(done.written.new),
        tuple(done.written.same),
        len(done.new_fixings),
        done.same_fixings,
        Recorded(tuple(added), tuple(done.same_events + raced)),
        done.loans,
    )


class _DryRun(Exception):
    """Ends ``validate``'s transaction by rolling it back, carrying what it found."""

    def __init__(self, done: _Checked) -> None:
        super().__init__("validated")
        self.done = done


def validate_folder(folder: Path, store: Store | None = None, batch: int = BATCH) -> ImportReport:
    """Run every check ``import_folder`` runs (the same code, in a transaction that is
    always rolled back): against ``store`` (what importing into it would do) or, without
    one, against a new empty book. Raises ``ValidationError`` with the same issues, worded
    the same way, as the import would."""
    if store is None:
        with (
            tempfile.TemporaryDirectory(prefix="loanbook-validate-") as scratch,
            Store.open(f"sqlite:///{Path(scratch) / 'book.db'}") as empty,
        ):
            return _validate(folder, empty, batch)
    return _validate(folder, store, batch)


def _validate(folder: Path, store: Store, batch: int) -> ImportReport:
    try:
        with store.forgetting(), store.write() as conn:
            raise _DryRun(_import(conn, store, folder, now(), batch, warnings=True))
    except _DryRun as dry:
        done = dry.done
    return ImportReport(
        tuple(done.written.new),
        tuple(done.written.same),
        len(done.new_fixings),
        done.same_fixings,
        Recorded(tuple(i.event.key for i in done.events), tuple(done.same_events)),
        done.loans,
        done.warnings,
    )


def _new_documents(
    conn: Connection, documents: list[tuple[Path, TermDocument]], issues: list[Issue]
) -> tuple[list[tuple[Path, TermDocument]], list[str]]:
    ids = [d.id for _, d in documents]
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
    for path, doc in documents:
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
    conn: Connection,
    store: Store,
    fixings: list[tuple[str, Fixing, Decimal]],
    issues: list[Issue],
) -> tuple[list[tuple[str, Fixing, Decimal]], int]:
    """The folder's fixings not yet in the book, and how many are. One index and date holds
    one rate: a row with another rate than the book's fixings file row, the book's fixing
    event (in force) or an earlier row of the folder is refused (as a fixing event is,
    ``Book.check_event``)."""
    if not fixings:
        return [], 0
    names = sorted({f.index for _, f, _ in fixings})
    stored: dict[tuple[str, date], Decimal] = {
        (r.index_name, r.date): r.rate_percent
        for r in conn.execute(
            select(FixingRow.index_name, FixingRow.date, FixingRow.rate_percent).where(
                FixingRow.index_name.in_(names)
            )
        )
    }
    wanted = set(names)
    recorded = effective_events(
        store.stored_events(conn, kinds=(EventKind.FIXING, EventKind.CORRECTION))
    )
    events: dict[tuple[str, date], LoanEvent] = {
        (e.get("index"), e.date): e
        for e in recorded
        if e.kind is EventKind.FIXING and e.amount is not None and e.get("index") in wanted
    }
    new: list[tuple[str, Fixing, Decimal]] = []
    taken: dict[tuple[str, date], tuple[Decimal, str]] = {}  # the folder's new rows
    same = 0
    for source, fx, written in fixings:
        day = (fx.index, fx.date)
        percent = stored.get(day)
        event = events.get(day)
        earlier = taken.get(day)
        problem = ""
        if percent is not None:
            if percent == written:
                same += 1
                continue
            problem = f"is already {percent} in the book"
        elif event is not None and event.amount != written:
            problem = f"is already {event.amount} in the book (from fixing event {event.event_id})"
        elif earlier is not None and earlier[0] != written:
            problem = f"is already {earlier[0]} earlier in this folder (from {earlier[1]})"
        if problem:
            file, line = fx.source.rsplit(":", 1)
            issues.append(
                Issue(file, "rate_percent", f"{fx.index} on {fx.date} {problem}", int(line))
            )
            continue
        taken.setdefault(day, (written, source))
        new.append((source, fx, written))
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
