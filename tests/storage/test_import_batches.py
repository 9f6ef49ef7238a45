"""``import`` parses, checks and writes the term files a batch at a time (bounded memory for a
book of 100,000 notes): the stored book is the same whatever the batch size, a book of notes
is checked a batch of loans at a time with the same checks as one book, and a problem found
in a later batch (a reference between files) still rolls back everything written before."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from benchmarks.run import generate

from loanbook.errors import ValidationError
from loanbook.storage.bookindex import document_index
from loanbook.storage.importer import import_folder, validate_folder
from loanbook.storage.store import Store
from tests.conftest import EXAMPLE
from tests.storage.conftest import dump, fresh_db

STAMP = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

AMENDMENT = """\
document:
  id: "{doc}"
  title: A change to a generated note
  kind: amendment
  date: 2025-01-10
  amends: [{amends}]

changes:
  - op: replace
    path: loans.bench-00002.late_charge
    value: {{rate: 12%, day_count: actual/360}}
    effective: 2025-01-10
    cite: "{cite} ¶1"
"""


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven generated notes (one term file each), their fixings and a payment each."""
    folder = tmp_path_factory.mktemp("notes") / "book"
    generate(folder, 7, 30)
    return folder


def _stored(folder: Path, tmp_path: Path, kind: str, batch: int) -> dict[str, object]:
    with fresh_db(kind, tmp_path) as url, Store.open(url) as store:
        import_folder(store, folder, STAMP, batch=batch)
        return dump(store)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_batches_of_two_store_the_example_book_as_one_batch(tmp_path: Path, kind: str) -> None:
    assert _stored(EXAMPLE, tmp_path, kind, 2) == _stored(EXAMPLE, tmp_path, kind, 10_000)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_batches_of_two_store_a_book_of_notes_as_one_batch(
    notes: Path, tmp_path: Path, kind: str
) -> None:
    with fresh_db(kind, tmp_path) as url, Store.open(url) as store:
        import_folder(store, notes, STAMP, batch=2)
        with store.read() as conn:  # checked a batch of loans at a time, not as one book
            index = document_index(conn, store.watermark(conn).documents)
            assert index is not None and index.notes_only
        assert dump(store) == _stored(notes, tmp_path, kind, 10_000)


def _with_amendment(notes: Path, tmp_path: Path, amends: str, cite: str) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(notes, folder)
    text = AMENDMENT.format(doc="Z-change", amends=amends, cite=cite)
    (folder / "Z-change.yaml").write_text(text, encoding="utf-8")  # sorted last: a later batch
    return folder


def test_a_reference_to_an_earlier_batch_is_found(notes: Path, tmp_path: Path) -> None:
    folder = _with_amendment(notes, tmp_path, "N00002", "N00001")
    with Store.open(f"sqlite:///{tmp_path / 'book.db'}") as store:
        report = import_folder(store, folder, STAMP, batch=2)
    assert "Z-change" in report.documents_added and len(report.documents_added) == 8


@pytest.mark.parametrize("batch", [2, 10_000])
def test_a_reference_error_in_a_later_batch_rolls_back_everything(
    notes: Path, tmp_path: Path, batch: int
) -> None:
    folder = _with_amendment(notes, tmp_path, "NO-SUCH", "N00001")
    db = tmp_path / "book.db"
    with Store.open(f"sqlite:///{db}") as store:
        before = db.read_bytes()
        with pytest.raises(ValidationError) as refused:
            import_folder(store, folder, STAMP, batch=batch)
        assert db.read_bytes() == before  # nothing of the earlier batches was kept
        assert all(not rows for rows in dump(store).values())
        with pytest.raises(ValidationError) as validated:
            validate_folder(folder, store, batch=batch)
    lines = [str(i) for i in refused.value.issues]
    assert lines == [str(i) for i in validated.value.issues]
    assert lines == [
        "Z-change.yaml:6: document.amends: amends 'NO-SUCH', which is not a document of the "
        "book (documents: N00001, N00002, N00003, N00004, N00005, N00006, N00007, Z-change)"
    ]


def test_an_event_for_a_loan_of_a_later_batch_is_checked_on_its_terms(
    notes: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "book"
    shutil.copytree(notes, folder)
    (folder / "events" / "early.csv").write_text(
        "date,loan,kind,amount,reference,key\n2024-12-01,bench-00007,payment,10.00,early,e-1\n",
        encoding="utf-8",
    )
    db = tmp_path / "book.db"
    with Store.open(f"sqlite:///{db}") as store:
        before = db.read_bytes()
        with pytest.raises(ValidationError) as refused:
            import_folder(store, folder, STAMP, batch=2)
        assert db.read_bytes() == before
    assert [str(i) for i in refused.value.issues] == [
        f"{folder / 'events' / 'early.csv'}:2: date: 2024-12-01 is before loan bench-00007 "
        "starts (2025-01-02, N00007 ¶1) (event e-1)"
    ]


def test_the_index_knows_the_starts_the_terms_give(notes: Path, tmp_path: Path) -> None:
    """A first close of business plans the loans from the starts the index read (each term
    file parsed once, for the run): the same starts the terms resolve to; a loan that a
    second document changes is left to its terms."""
    folder = _with_amendment(notes, tmp_path, "N00002", "N00001")
    with Store.open(f"sqlite:///{tmp_path / 'book.db'}") as store:
        import_folder(store, folder, STAMP)
        with store.read() as conn:
            index = document_index(conn, store.watermark(conn).documents)
            view = store.view(conn)
    assert index is not None
    assert sorted(index.starts) == [f"bench-{n:05d}" for n in (1, 3, 4, 5, 6, 7)]
    assert index.starts == {loan: view.start_of(loan) for loan in index.starts}
