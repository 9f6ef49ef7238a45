"""Which stored term files each loan's terms come from, so that close of business reads the
term files a batch of loans at a time instead of holding the whole book parsed.

A book of notes held parsed costs tens of kilobytes a term file: gigabytes at 100,000 loans.
The index is read once, a few hundred documents at a time (each one's stored JSON looked at):
per loan, the places in the whole book (its order) of the documents that assert its terms, and
the places every batch needs, the documents that name conditions precedent or record their
satisfaction (they decide whether any document's terms are in effect). A batch's view
(``BookView.for_documents``) holds those documents only, each assertion ordered by its
document's place in the whole book, so every loan of the batch runs on exactly the small book
(``view.LoanBook``) the whole book's view gives it.

A book with revolving facilities is not indexed (``None``): an account runs on the whole book
with its facility's events, so the run reads the whole book, as every other command does.

``import`` and ``validate`` use the index too (``storage.importer``): a book of notes only
(``DocumentIndex.notes_only``) is checked a batch of loans at a time, its events on views
read a group of loans at a time (``IndexedView``). The index also keeps the start of each
loan one document alone states, so that a first close of business plans its loans without
parsing their documents a second time (``DocumentIndex.starts``).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import islice
from typing import Any

from sqlalchemy import Connection, select

from loanbook.book import Book, TermDocument
from loanbook.engine.events import LoanEvent
from loanbook.storage.schema import DocumentRow
from loanbook.storage.store import Store, Watermark, document_of
from loanbook.storage.view import BookView
from loanbook.terms.files import parse_term_file

CHUNK = 500  # documents read at a time


@dataclass(frozen=True)
class DocumentIndex:
    ids: tuple[int, ...]  # each document's row id, by its place in the book
    by_loan: dict[str, tuple[int, ...]]  # each loan named: the places of its documents
    shared: tuple[int, ...]  # places of the documents every loan's terms depend on
    loose: tuple[int, ...] = ()  # places of the documents that name no loan and are not shared
    notes_only: bool = False  # every document only states or changes loans' terms (``plain``)
    #: the start of each loan one document alone states (nothing changes it, no document
    #: names conditions precedent): what its terms say, read without parsing them
    starts: dict[str, date] = field(default_factory=dict)

    @property
    def loans(self) -> tuple[str, ...]:
        """Every loan a document names (the terms may still delete it or hold it back)."""
        return tuple(sorted(self.by_loan))

    def places(self, loans: Iterable[str]) -> tuple[int, ...]:
        """The places of the documents ``loans`` need, in the book's order."""
        found = set(self.shared)
        for loan in loans:
            found.update(self.by_loan.get(loan, ()))
        return tuple(sorted(found))


def document_index(conn: Connection, upto: int) -> DocumentIndex | None:
    """The index of the documents with ids up to ``upto``; None for a book with revolving
    facilities (or a change to the whole ``loans`` section), which runs on the whole book.
    Each document is read from its stored JSON (parsed only when none was stored)."""
    ids: list[int] = []
    by_loan: dict[str, list[int]] = {}
    shared: list[int] = []
    loose: list[int] = []
    notes_only = True
    stated: dict[str, tuple[int, date]] = {}
    last = 0
    while True:
        rows = conn.execute(
            select(DocumentRow.id, DocumentRow.source, DocumentRow.text, DocumentRow.model_json)
            .where(DocumentRow.id > last, DocumentRow.id <= upto)
            .order_by(DocumentRow.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        for row in rows:
            place = len(ids)
            ids.append(row.id)
            model = json.loads(
                row.model_json or parse_term_file(row.text, row.source).model_dump_json()
            )
            named = names(model)
            if named is None:
                return None
            loans, is_shared = named
            for loan in loans:
                by_loan.setdefault(loan, []).append(place)
            if is_shared:
                shared.append(place)
            elif not loans:
                loose.append(place)
            notes_only = notes_only and plain(model)
            stated.update((loan, (place, day)) for loan, day in stated_starts(model).items())
        last = rows[-1].id
    starts = {}
    if not shared:  # else a condition may hold a document's terms back
        starts = {loan: day for loan, (n, day) in stated.items() if by_loan.get(loan) == [n]}
    return DocumentIndex(
        tuple(ids),
        {loan: tuple(p) for loan, p in by_loan.items()},
        tuple(shared),
        tuple(loose),
        notes_only,
        starts,
    )


def stated_starts(model: dict[str, Any]) -> dict[str, date]:
    """From a term file's model (as JSON): the start each loan of its ``loans`` section
    states, for the loans none of its own changes touch. When no other document names the
    loan, that is the start its terms resolve to (``BookView.start_of``): close of
    business plans a loan never closed from it without parsing its documents."""
    changed = {
        parts[1]
        for c in model.get("changes") or ()
        if len(parts := str(c["path"]).split(".")) >= 2 and parts[0] == "loans"
    }
    out: dict[str, date] = {}
    for loan, terms in (model.get("loans") or {}).items():
        start = terms.get("start") if isinstance(terms, dict) else None
        value = start.get("value") if isinstance(start, dict) else None
        if loan in changed or not isinstance(value, str):
            continue
        try:
            out[loan] = date.fromisoformat(value)
        except ValueError:
            continue
    return out


def plain(model: dict[str, Any]) -> bool:
    """Whether a term file's model (as JSON) only states or changes loans' terms: no
    facilities, revolving facilities, certificate, stated checks, compliance terms or facts.
    The rules over a book of such documents are rules about one document or one loan
    (``terms.validation.BookPart``), so a book of them is checked a batch at a time."""
    paths = [str(c["path"]).split(".") for c in model.get("changes") or ()]
    return (
        not model.get("facilities")
        and not model.get("revolvers")
        and model.get("certificate") is None
        and not model.get("checks")
        and model.get("compliance") is None
        and not model.get("facts")
        and all(p[0] == "loans" and len(p) >= 2 for p in paths)
    )


def names(model: dict[str, Any]) -> tuple[set[str], bool] | None:
    """From a term file's model (as JSON): the loans whose terms it states or changes, and
    whether every loan depends on it (it names conditions precedent or records their
    satisfaction); None if it states or changes a revolving facility or the whole ``loans``
    section. At least what ``terms.versioning.assertions_of`` makes of it (more is harmless:
    a batch then reads a document it needs not)."""
    paths = [tuple(str(c["path"]).split(".")) for c in model.get("changes") or ()]
    if model.get("revolvers") or any(p[0] == "revolvers" or p == ("loans",) for p in paths):
        return None
    loans = set(model.get("loans") or ()) | {p[1] for p in paths if p[0] == "loans"}
    conditions = ((model.get("compliance") or {}).get("conditions")) or any(
        p[:2] == ("compliance", "conditions") for p in paths
    )
    met = any(f.get("kind") == "satisfaction" for f in model.get("facts") or ())
    return loans, bool(conditions or met)


def documents_at(
    conn: Connection, index: DocumentIndex, places: tuple[int, ...]
) -> tuple[TermDocument, ...]:
    """The documents at ``places``, parsed, in the book's order."""
    wanted = [index.ids[p] for p in places]
    found: dict[int, TermDocument] = {}
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in conn.execute(select(DocumentRow).where(DocumentRow.id.in_(chunk))):
            found[row.id] = document_of(row.source, row.text, row.model_json)
    return tuple(found[i] for i in wanted)


class BatchViews:
    """The views close of business runs its loans on, a batch of loans at a time: each
    batch's own (its documents only, read when asked for) or, for a book that is not indexed,
    the whole book's, read once."""

    def __init__(self, store: Store, conn: Connection, upto: Watermark) -> None:
        self.index = document_index(conn, upto.documents)
        self.whole = store.view(conn, upto=upto, documents=self.index is None)

    @property
    def loans(self) -> tuple[str, ...]:
        """Every loan the book may define (a batch's view says which it does)."""
        return self.whole.loans if self.index is None else self.index.loans

    def start_of(self, loan: str) -> date | None:
        """The loan's start when the index knows it (``DocumentIndex.starts``): the loan is
        defined and starts then; None: ask its batch's view."""
        return None if self.index is None else self.index.starts.get(loan)

    def of(self, conn: Connection, loans: Sequence[str]) -> BookView:
        if self.index is None:
            return self.whole
        places = self.index.places(loans)
        return self.whole.for_documents(documents_at(conn, self.index, places), places, loans)


class IndexedView(BookView):
    """A book of notes only (``DocumentIndex.notes_only``) as the event checks see it
    (``record.check_events``): the loans' small books read ``group`` loans at a time when
    one of them is asked for (the loans that come next in ``order``, the events' order), two
    groups kept; the whole book only if asked for (a fixing or an advance to check). So
    importing the events of 100,000 notes holds a thousand of them parsed."""

    def __init__(
        self,
        base: BookView,
        conn: Connection,
        index: DocumentIndex,
        loans: tuple[str, ...],
        order: Sequence[str] = (),
        group: int = CHUNK,
    ) -> None:
        for name in ("known_on", "base_market", "fixing_events", "market", "events", "_by_loan"):
            setattr(self, name, getattr(base, name))
        self.documents, self.positions, self._only = (), None, frozenset()
        self._projections, self._facility_books = {}, {}
        self._conn, self._index, self._loans, self._base = conn, index, loans, base
        self._order = list(dict.fromkeys(order))
        self._at = {loan: n for n, loan in enumerate(self._order)}
        self._group = max(1, group)
        self._views: OrderedDict[str, BookView] = OrderedDict()

    @property
    def loans(self) -> tuple[str, ...]:
        return self._loans

    @cached_property
    def book(self) -> Book:
        places = tuple(range(len(self._index.ids)))
        docs = documents_at(self._conn, self._index, places)
        return Book(docs, self.base_market, self.fixing_events + self._loan_events())

    def revolving_accounts(self, loan: str) -> tuple[str, ...]:
        return ()  # a book of notes has no revolving facility

    def loan_book(self, loan: str, extra: tuple[LoanEvent, ...] = ()) -> Book:
        view = self._views.get(loan)
        if view is None:
            view = self._read_group(loan)
        return view.loan_book(loan, extra)

    def _read_group(self, loan: str) -> BookView:
        start = self._at.get(loan)
        after = () if start is None else islice(self._order, start + 1, None)
        wanted = [loan, *islice((n for n in after if n not in self._views), self._group - 1)]
        places = self._index.places(wanted)
        view = self._base.for_documents(
            documents_at(self._conn, self._index, places), places, wanted
        )
        for name in wanted:
            self._views[name] = view
            self._views.move_to_end(name)
        while len(self._views) > 2 * self._group:
            self._views.popitem(last=False)
        return view
