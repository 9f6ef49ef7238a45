"""Reading a book folder from disk (the one place the core's inputs touch files).

Layout: ``*.yaml`` term files (one per document) at the top, ``rates/*.csv`` fixings,
``events/*.csv`` events. Every file is validated before anything is returned; all problems
are reported together as ``file:line: field: reason``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from loanbook.book import Book, TermDocument
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, LoanbookError, ValidationError
from loanbook.money import parse_amount
from loanbook.rates import Market, parse_fixings_csv
from loanbook.terms.files import parse_term_file

EVENT_HEADER = ("date", "loan", "kind", "amount", "reference")


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
    """``date,loan,kind,amount,reference[,key]`` rows; extra columns become details."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header[:5]) != EVENT_HEADER:
        raise ValidationError(
            Issue(source, "header", f"expected {','.join(EVENT_HEADER)}[,key,...]", 1)
        )
    issues: list[Issue] = []
    events: list[LoanEvent] = []
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            issues.append(
                Issue(source, "row", f"expected {len(header)} columns, got {len(row)}", lineno)
            )
            continue
        cells = dict(zip(header, (c.strip() for c in row), strict=True))
        try:
            day = date.fromisoformat(cells["date"])
        except ValueError:
            issues.append(Issue(source, "date", f"{cells['date']!r} is not YYYY-MM-DD", lineno))
            continue
        try:
            kind = EventKind(cells["kind"])
        except ValueError:
            known = ", ".join(k.value for k in EventKind)
            issues.append(
                Issue(source, "kind", f"unknown kind {cells['kind']!r} ({known})", lineno)
            )
            continue
        amount = None
        if cells["amount"]:
            try:
                amount = parse_amount(cells["amount"])
            except ValueError as exc:
                issues.append(Issue(source, "amount", str(exc), lineno))
                continue
        if not cells["loan"]:
            issues.append(Issue(source, "loan", "empty loan id", lineno))
            continue
        extra = tuple((k, v) for k, v in cells.items() if k not in (*EVENT_HEADER, "key") and v)
        events.append(
            LoanEvent(
                day, cells["loan"], kind, amount, cells["reference"], cells.get("key", ""), extra
            )
        )
    if issues:
        raise ValidationError(issues)
    return tuple(events)


T = TypeVar("T")


def _parse_all(
    paths: tuple[Path, ...], parse: Callable[[str, str], tuple[T, ...]], issues: list[Issue]
) -> list[T]:
    """Parse every file; problems are collected in ``issues`` rather than raised."""
    out: list[T] = []
    for path in paths:
        try:
            out.extend(parse(path.read_text(encoding="utf-8"), str(path)))
        except LoanbookError as exc:
            issues.extend(exc.issues)
        except OSError as exc:
            issues.append(Issue(str(path), "file", exc.strerror or str(exc)))
    return out


def read_book(folder: Path, rates: tuple[Path, ...] = (), events: tuple[Path, ...] = ()) -> Book:
    """Load and validate a book folder (plus extra rate and event files)."""
    if not folder.is_dir():
        raise ValidationError(Issue(str(folder), "book", "not a folder"))
    issues: list[Issue] = []
    documents: list[TermDocument] = []
    for path in term_files(folder):
        text = path.read_text(encoding="utf-8")
        try:
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
    if not problems:
        book = book.with_events(tuple(loaded))
    if problems:
        raise ValidationError(problems)
    return book
