"""Close of business reads the term files a batch of loans at a time (``storage.bookindex``):
each loan must run on exactly the small book the whole book's view gives it, so the ledger
is the same however the run is batched, and the same as when the whole book is read at once.

The book: the CIT note (a promissory note, the agreement, an amendment that changes a defined
term and the note's terms), three more notes, an amendment of one held back by its conditions
precedent until a notice says they were met, and an amendment of another whose condition is
never met (its terms never take effect)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from textwrap import dedent

import pytest

from loanbook.book import TermDocument
from loanbook.storage import bookindex, reports
from loanbook.storage.bookindex import BatchViews, document_index, names
from loanbook.storage.close import close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from loanbook.storage.view import LoanBook
from loanbook.terms.effectiveness import satisfactions
from loanbook.terms.files import parse_term_file
from loanbook.terms.versioning import assertions_of
from tests.conftest import CIT_BOOK, ROOT
from tests.storage.conftest import dump, fresh_db

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
TO = date(1996, 7, 31)
LOANS = ("cit-note", "note-a", "note-b", "note-c")


def _note(loan: str, doc: str, principal: str, installment: str, rate: str) -> str:
    return f"""\
        document: {{id: {doc}, title: Note {loan} (test), kind: note, date: 1996-02-01}}
        loans:
          {loan}:
            borrower: {{value: Borrower of {loan}, cite: {doc} ¶1}}
            lender: {{value: Test Bank, cite: {doc} ¶1}}
            principal: {{value: {principal}, cite: {doc} ¶1}}
            start: {{value: 1996-02-01, cite: {doc} ¶1}}
            maturity: {{value: 1999-02-01, cite: {doc} ¶2}}
            day_count: {{value: actual/360, cite: {doc} ¶3}}
            rate: {{value: {{fixed: {rate}}}, cite: {doc} ¶1}}
            interest_schedule:
              value: {{anchor: 1996-03-01, cycle: monthly, eom: false}}
              cite: {doc} ¶2
            amortization:
              value:
                kind: level_principal
                installment: {installment}
                schedule: {{anchor: 1996-03-01, cycle: monthly, eom: false, count: 36}}
              cite: {doc} ¶2
        """


def _gated_amendment(doc: str, loan: str, rate: str) -> str:
    return f"""\
        document: {{id: {doc}, title: Amendment of {loan} (test), kind: amendment,
                   date: 1996-03-01}}
        changes:
          - op: replace
            path: loans.{loan}.rate
            value: {{fixed: {rate}}}
            effective: 1996-03-01
            cite: {doc} §1
        compliance:
          conditions:
            {doc}-signed:
              what: executed originals of this Amendment
              of_document: {doc}
              from_party: the borrower
              cite: {doc} §2
        """


MET = """\
    document: {id: met-amd-b, title: Conditions met (test), kind: notice, date: 1996-04-10}
    facts:
      - kind: satisfaction
        condition: amd-b-signed
        date: 1996-04-10
    """


def _book(folder: Path) -> Path:
    shutil.copytree(CIT_BOOK, folder)
    files = {
        "note-a.yaml": _note("note-a", "na", "72000.00", "2000.00", "6%"),
        "note-b.yaml": _note("note-b", "nb", "180000.00", "5000.00", "7%"),
        "note-c.yaml": _note("note-c", "nc", "54000.00", "1500.00", "5.5%"),
        "amd-b.yaml": _gated_amendment("amd-b", "note-b", "9%"),
        "amd-c.yaml": _gated_amendment("amd-c", "note-c", "12%"),
        "met-amd-b.yaml": MET,
    }
    for name, text in files.items():
        (folder / name).write_text(dedent(text))
    return folder


@pytest.fixture
def book(store: Store, tmp_path: Path) -> Store:
    import_folder(store, _book(tmp_path / "book"), IMPORTED)
    return store


def test_the_index_names_each_loans_documents_and_the_shared_ones(book: Store) -> None:
    with book.read() as conn:
        index = document_index(conn, book.watermark(conn).documents)
        docs = [d.id for _, d in book.document_rows(conn)]
    assert index is not None and index.loans == LOANS
    named = {loan: [docs[p] for p in index.by_loan[loan]] for loan in LOANS}
    assert named["note-b"] == ["amd-b", "nb"] or named["note-b"] == ["nb", "amd-b"]
    assert len(named["cit-note"]) == 2  # the note and the amendment; not the agreement
    # the conditions precedent (in the amendments) and the notice meeting them
    assert sorted(docs[p] for p in index.shared) == ["amd-b", "amd-c", "met-amd-b"]


@pytest.mark.parametrize(
    "path", sorted(ROOT.glob("examples/**/*.yaml")) + sorted(CIT_BOOK.glob("*.yaml")), ids=str
)
def test_the_index_names_at_least_what_the_assertions_say(path: Path) -> None:
    """The index reads the stored JSON, not the assertions: it must name every loan, shared
    document and revolving facility ``assertions_of`` finds (more is harmless)."""
    model = parse_term_file(path.read_text(), path.name)
    found = assertions_of(model, path.name, 0)
    named = names(json.loads(model.model_dump_json()))
    if any(a.path[0] == "revolvers" for a in found):
        assert named is None
        return
    assert named is not None
    loans, shared = named
    assert {a.path[1] for a in found if a.path[0] == "loans"} <= loans
    if satisfactions([TermDocument(path.name, "", model)]) or any(
        a.path[:2] == ("compliance", "conditions") for a in found
    ):
        assert shared


def test_each_loan_runs_on_the_same_small_book_in_a_batch(book: Store) -> None:
    with book.read() as conn:
        upto = book.watermark(conn)
        whole = book.view(conn, upto=upto)
        views = BatchViews(book, conn, upto)
        for loan in LOANS:
            batch = views.of(conn, [loan])
            assert loan in batch.loans
            small, expected = batch.loan_book(loan), whole.loan_book(loan)
            assert isinstance(small, LoanBook) and isinstance(expected, LoanBook)
            # the same assertions (document order included), documents, market and events
            assert small.loan_assertions == expected.loan_assertions
            assert small == expected
            assert batch.run(loan, TO, daily=True) == whole.run(loan, TO, daily=True)

    # the held-back amendment changes nothing; the met one from the day it was met
    def rate(loan: str, day: date) -> Decimal | None:
        return whole.loan_book(loan).loan_terms(loan, day).rate.fixed

    assert (rate("note-b", date(1996, 4, 9)), rate("note-b", date(1996, 4, 10))) == (
        Decimal("0.07"),
        Decimal("0.09"),
    )
    assert rate("note-c", TO) == Decimal("0.055")


def test_the_ledger_is_the_same_however_the_run_is_batched(
    book: Store, db_kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    close_of_business(book, TO, batch=1)
    batched = dump(book, volatile=False)
    folder = _book(tmp_path / "again")
    with fresh_db(db_kind, tmp_path) as url, Store.open(url) as other:
        import_folder(other, folder, IMPORTED)
        monkeypatch.setattr(bookindex, "document_index", lambda conn, upto: None)
        report = close_of_business(other, TO)  # the whole book read at once
        assert report.loans == len(LOANS) and not report.failures
        assert dump(other, volatile=False) == batched
    assert {r[0][1] for r in batched["closes"]} == set(LOANS)


def test_status_reads_the_book_as_close_of_business_does(
    book: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``status`` lists the loans from the index and replays the ones not posted on their
    batch's view: the same figures, loans and order as the whole book's view gives them."""
    close_of_business(book, TO)
    later = date(1996, 9, 30)  # after the last close: every loan replayed
    monkeypatch.setattr(reports, "BATCH", 2)
    by_batches = [reports.status(book, day) for day in (TO, later)]
    assert [s.loan for s in by_batches[0].loans] == sorted(LOANS)
    assert {s.source for s in by_batches[0].loans} == {"postings"}
    assert {s.source for s in by_batches[1].loans} == {"engine"}
    monkeypatch.setattr(bookindex, "document_index", lambda conn, upto: None)
    for day, batched in zip((TO, later), by_batches, strict=True):
        whole = reports.status(book, day)  # the whole book read at once
        assert batched.as_json() == whole.as_json()
        assert batched.as_json() == reports.status(book, day, statements=True).as_json()
    asked = reports.status(book, later, loans=("note-b", "nobody"))
    assert [s.loan for s in asked.loans] == ["note-b", "nobody"]
    assert asked.loans[1].error and "nobody" in asked.loans[1].error
