"""`import` runs the term rules `validate` runs (terms.validation) and writes nothing on a
refusal: the same lines, the book byte-for-byte unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from loanbook.errors import ValidationError
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from tests.storage.conftest import dump
from tests.terms.test_validation import book, errors, loan, notes


def test_import_refuses_what_validate_refuses(store: Store, tmp_path: Path) -> None:
    more = notes(loan("n2", "1996-03-15", "300000.00"), loan("n5", "1996-08-15", "400000.00"))
    folder = book(tmp_path, {"count: 48": "count: 49"}, files={"more.yaml": more})
    expected = errors(folder)
    assert any("after the maturity" in e for e in expected)
    assert any("ended on 1996-07-31" in e for e in expected)
    before = dump(store)
    with pytest.raises(ValidationError) as exc:
        import_folder(store, folder)
    found = [str(i).split(": ", 1)[1] for i in exc.value.issues]  # file names differ in form
    assert sorted(found) == sorted(e.split(": ", 1)[1] for e in expected)
    assert dump(store) == before


def test_import_accepts_what_validate_accepts(store: Store, tmp_path: Path) -> None:
    folder = book(tmp_path, files={"more.yaml": notes(loan("n2", "1996-03-15", "470100.00"))})
    assert errors(folder) == []
    report = import_folder(store, folder)
    assert "more" in report.documents_added
