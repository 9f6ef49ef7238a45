"""Reading a book folder from disk (the one place the core's inputs touch files).

Layout: ``*.yaml`` term files (one per document) at the top, ``rates/*.csv`` fixings,
``events/*.csv`` events. Every file is validated before anything is returned; all problems
are reported together as ``file:line: field: reason``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from loanbook.book import Book, TermDocument
from loanbook.engine.events import (
    EventKind,
    LoanEvent,
    check_detail,
    in_force,
    parse_event_amount,
)
from loanbook.errors import Issue, LoanbookError, ValidationError
from loanbook.parse import InputError, parse_date, parse_id, parse_text
from loanbook.rates import Market, parse_fixings_csv
from loanbook.terms.files import parse_term_file

EVENT_HEADER = ("date", "loan", "kind", "amount", "reference")
#: The largest term file read (the example book's largest is 11 KB): YAML is parsed in memory.
MAX_TERM_FILE_BYTES = 1 << 20
#: The largest rates or events CSV read (about half a million rows).
MAX_DATA_FILE_BYTES = 64 << 20
T = TypeVar("T")


def read_input(path: Path, limit: int = MAX_DATA_FILE_BYTES) -> str:
    """The text of an input file: UTF-8, at most ``limit`` bytes, else one clear issue."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise ValidationError(
                Issue(str(path), "file", f"{size:,} bytes is above the limit of {limit:,} bytes")
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(Issue(str(path), "file", exc.strerror or str(exc))) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            Issue(str(path), "file", f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line)
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ValidationError(Issue(str(path), "file", "a binary file (NUL byte), not text", line))
    return text.removeprefix("\ufeff")


def term_files(folder: Path) -> list[Path]:
    """Term files at the top of the book, then borrowing-base certificates, then compliance
    documents (financial statements, notices, waivers: ``compliance/``)."""
    top = sorted(p for p in folder.glob("*.yaml") if p.is_file())
    subs = ("certificates", "compliance")
    return top + [p for s in subs for p in sorted((folder / s).glob("*.yaml")) if p.is_file()]


def document_name(path: Path, folder: Path) -> str:
    """How a document is named in the book: its path relative to the book folder."""
    return path.relative_to(folder).as_posix()


def parse_events_csv(text: str, source: str) -> tuple[LoanEvent, ...]:
    """``date,loan,kind,amount,reference[,key]`` rows; extra columns become details.

    Every value goes through the one strict parser (``loanbook.parse``)."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:
        raise ValidationError(Issue(source, "header", f"not a CSV file ({exc})", 1)) from None
    if tuple(header[:5]) != EVENT_HEADER:
        raise ValidationError(
            Issue(source, "header", f"expected {','.join(EVENT_HEADER)}[,key,...]", 1)
        )
    issues: list[Issue] = []
    events: list[LoanEvent] = []
    for lineno, row in _rows(reader, source, issues):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            issues.append(
                Issue(source, "row", f"expected {len(header)} columns, got {len(row)}", lineno)
            )
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        try:
            event = _event_of(cells)
        except _CellError as exc:
            issues.append(Issue(source, exc.field, exc.reason, lineno))
            continue
        events.append(event)
    if issues:
        raise ValidationError(issues)
    return tuple(events)


class _CellError(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field, self.reason = field, reason


def _cell(field: str, parse: Callable[[str], T], text: str) -> T:
    try:
        return parse(text)
    except InputError as exc:
        raise _CellError(field, str(exc)) from None


def _event_of(cells: dict[str, str]) -> LoanEvent:
    """One event row, each cell parsed strictly (the first bad cell is reported)."""
    day = _cell("date", parse_date, cells["date"])
    try:
        kind = EventKind(cells["kind"])
    except ValueError:
        known = ", ".join(k.value for k in EventKind)
        raise _CellError("kind", f"unknown kind {cells['kind'][:40]!r} ({known})") from None
    amount = None
    if cells["amount"]:
        amount = _cell("amount", lambda t: parse_event_amount(kind, t), cells["amount"])
    if not cells["loan"]:
        raise _CellError("loan", "empty loan id")
    loan = _cell("loan", lambda t: parse_id(t, "loan id"), cells["loan"])
    key = cells.get("key", "")
    if key:
        _cell("key", lambda t: parse_id(t, "key"), key)
    reference = _cell("reference", lambda t: parse_text(t, "reference"), cells["reference"])
    extra = tuple((k, v) for k, v in cells.items() if k not in (*EVENT_HEADER, "key") and v)
    for name, value in extra:
        try:
            check_detail(name, value)
        except InputError as exc:
            raise _CellError(name, str(exc)) from None
    return LoanEvent(day, loan, kind, amount, reference, key, extra)


def _rows(
    reader: Iterator[list[str]], source: str, issues: list[Issue]
) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV file with their line numbers; a malformed row ends the file with an
    issue (the csv module cannot resynchronise after one)."""
    lineno = 1
    while True:
        lineno += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            issues.append(Issue(source, "row", f"malformed CSV ({exc})", lineno))
            return
        yield lineno, row


def _parse_all(
    paths: tuple[Path, ...], parse: Callable[[str, str], tuple[T, ...]], issues: list[Issue]
) -> list[T]:
    """Parse every file; problems are collected in ``issues`` rather than raised."""
    out: list[T] = []
    for path in paths:
        try:
            out.extend(parse(read_input(path), str(path)))
        except LoanbookError as exc:
            issues.extend(exc.issues)
    return out


def read_book(folder: Path, rates: tuple[Path, ...] = (), events: tuple[Path, ...] = ()) -> Book:
    """Load and validate a book folder (plus extra rate and event files)."""
    if not folder.is_dir():
        raise ValidationError(Issue(str(folder), "book", "not a folder"))
    issues: list[Issue] = []
    documents: list[TermDocument] = []
    for path in term_files(folder):
        try:
            text = read_input(path, MAX_TERM_FILE_BYTES)
            documents.append(
                TermDocument(document_name(path, folder), text, parse_term_file(text, str(path)))
            )
        except LoanbookError as exc:
            issues.extend(exc.issues)
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.id in seen:
            issues.append(Issue(doc.source, "document.id", f"duplicate of {seen[doc.id]}"))
        seen[doc.id] = doc.source
    fixings = _parse_all(
        (*sorted((folder / "rates").glob("*.csv")), *rates), parse_fixings_csv, issues
    )
    loaded = _parse_all(
        (*sorted((folder / "events").glob("*.csv")), *events), parse_events_csv, issues
    )
    if issues:
        raise ValidationError(issues)
    book = Book(tuple(documents), Market.of(fixings))
    problems = book.validate()
    problems.extend(book.check_events(tuple(loaded)))
    if problems:
        raise ValidationError(problems)
    return book.with_events(in_force(loaded))


def read_book_text(files: Mapping[str, str]) -> Book:
    """A book from texts instead of a folder: ``files`` maps each file's path within the book
    (``003-note.yaml``, ``certificates/bbc.yaml``, ``rates/libor.csv``, ``events/x.csv``) to
    its text. The same parsing and the same checks as ``read_book``: golden tests and
    callers that hold a book in memory (an API request) need no files on disk."""
    issues: list[Issue] = []
    documents: list[TermDocument] = []
    yaml_names = sorted(n for n in files if n.endswith(".yaml") and "/" not in n)
    yaml_names += sorted(n for n in files if n.startswith("certificates/") and n.endswith(".yaml"))
    for name in yaml_names:
        try:
            documents.append(TermDocument(name, files[name], parse_term_file(files[name], name)))
        except LoanbookError as exc:
            issues.extend(exc.issues)
    seen: dict[str, str] = {}
    for doc in documents:
        if doc.id in seen:
            issues.append(Issue(doc.source, "document.id", f"duplicate of {seen[doc.id]}"))
        seen[doc.id] = doc.source

    def parsed(folder: str, parse: Callable[[str, str], tuple[T, ...]]) -> list[T]:
        out: list[T] = []
        for name in sorted(n for n in files if n.startswith(f"{folder}/") and n.endswith(".csv")):
            try:
                out.extend(parse(files[name], name))
            except LoanbookError as exc:
                issues.extend(exc.issues)
        return out

    fixings = parsed("rates", parse_fixings_csv)
    loaded = parsed("events", parse_events_csv)
    if issues:
        raise ValidationError(issues)
    book = Book(tuple(documents), Market.of(fixings))
    problems = book.validate()
    problems.extend(book.check_events(tuple(loaded)))
    if problems:
        raise ValidationError(problems)
    return book.with_events(in_force(loaded))
