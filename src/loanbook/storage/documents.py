"""Recording one document (a financial statement, a notice, a waiver) in the stored book.

Compliance facts and waivers are documents, like the term files: kept as their exact text
in the append-only ``documents`` table, known from their record date. Recording one runs the
checks ``validate`` and ``import`` run (the term-file schema, then the book's checks with the
new document in it) and writes nothing unless they all pass. The same text again is a no-op;
another text under a recorded id is refused (a change is a new document).

``check`` (``document_problems``) proves every stored document is still what was recorded:
its text hashes to its stored digest and parses to its stored model, and the book's
compliance terms and facts stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select

from loanbook.book import Book, TermDocument
from loanbook.compliance.service import compliance_issues
from loanbook.errors import Issue, LoanbookError, ValidationError
from loanbook.storage.importer import _insert_documents, exact_json, sha256
from loanbook.storage.schema import DocumentRow
from loanbook.storage.store import Store, now
from loanbook.terms.files import parse_term_file


@dataclass(frozen=True)
class RecordedDocument:
    id: str
    added: bool  # False: the same text was already recorded


def record_document(
    store: Store, text: str, source: str, recorded_at: datetime | None = None
) -> RecordedDocument:
    """Validate ``text`` as a document of the book and append it (idempotent by id)."""
    model = parse_term_file(text, source)
    doc = TermDocument(source, text, model)
    with store.write() as conn:
        row = conn.execute(
            select(DocumentRow.sha256, DocumentRow.source).where(DocumentRow.doc_id == doc.id)
        ).first()
        if row is not None:
            if row.sha256 == sha256(text):
                return RecordedDocument(doc.id, False)
            raise ValidationError(
                Issue(
                    source,
                    "document.id",
                    f"document {doc.id!r} is already in the book (from {row.source}) with "
                    "different text; a change is its own document",
                )
            )
        view = store.view(conn)
        book = Book((*view.book.documents, doc), view.book.market, view.book.events)
        try:
            issues = compliance_issues(book)
            issues.extend(book.validate() if model.loans or model.changes else [])
        except LoanbookError as exc:
            issues = list(exc.issues)
        if issues:
            raise ValidationError(issues)
        _insert_documents(conn, [(Path(source), doc)], recorded_at or now())
    return RecordedDocument(doc.id, True)


def document_problems(conn: Connection, store: Store) -> list[str]:
    """Every stored document whose text, digest and model disagree, and every compliance
    term or fact that no longer stands."""
    problems: list[str] = []
    for row in conn.execute(select(DocumentRow).order_by(DocumentRow.id)):
        if sha256(row.text) != row.sha256:
            problems.append(f"{row.source}: text does not match its recorded digest")
            continue
        try:
            parsed = parse_term_file(row.text, row.source)
        except LoanbookError as exc:
            problems.extend(str(i) for i in exc.issues)
            continue
        if row.model_json is not None and exact_json(parsed) != row.model_json:
            problems.append(f"{row.source}: stored model differs from its text")
    if not problems:
        try:
            problems.extend(str(i) for i in compliance_issues(store.view(conn).book))
        except LoanbookError as exc:
            problems.extend(str(i) for i in exc.issues)
    return problems
