"""docs/writing-a-book.md: its book validates and gives the figures the tutorial shows."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from loanbook import services
from loanbook.errors import ValidationError
from loanbook.loader import read_book
from tests.conftest import ROOT

BOOK = ROOT / "examples" / "tutorial-balloon-note"
DOC = ROOT / "docs" / "writing-a-book.md"


def test_tutorial_book_and_its_figures() -> None:
    rows = services.schedule(read_book(BOOK), "hudson-note").rows
    # 100,000 x 6% x 30/360 = 500.00 interest; 716.43 - 500.00 = 216.43 principal.
    assert (rows[0].due_date, rows[0].principal, rows[0].interest) == (
        date(2024, 2, 15),
        D("216.43"),
        D("500.00"),
    )
    # 59 payments of 716.43 leave 85,190.14; interest 85,190.14 x 0.005 = 425.95 (425.9507).
    last = rows[-1]
    assert (last.due_date, last.principal, last.interest) == (
        date(2029, 1, 15),
        D("85190.14"),
        D("425.95"),
    )
    assert len(rows) == 60


def test_tutorial_shows_the_error_validate_prints(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    shutil.copytree(BOOK, folder)
    note = folder / "note.yaml"
    note.write_text(note.read_text().replace("value: 85616.09", "value: 85615.81"))
    try:
        read_book(folder)
        raise AssertionError("the wrong final payment was accepted")
    except ValidationError as exc:
        (issue,) = exc.issues
    shown = " ".join(DOC.read_text(encoding="utf-8").split())
    assert " ".join(str(issue).split()) in shown


def test_every_figure_a_check_can_name() -> None:
    from loanbook.terms.schema import CheckModel
    from loanbook.terms.validation import compute

    book = read_book(BOOK)

    def figure(name: str) -> D:
        check = CheckModel(loan="hudson-note", figure=name, value=D(0), cite="tut ¶2")  # type: ignore[arg-type]
        return compute(book, check).value

    assert figure("installment") == D("716.43")  # the whole payment, as stated
    assert figure("installment_count") == 60
    assert figure("balloon") == D("85190.14")
    assert figure("final_payment") == D("85616.09")
    assert figure("installments_total") == D("100000.00")
    # 59 x 716.43 + 85,616.09 = 127,885.46 paid, less the 100,000.00 principal.
    assert figure("total_interest") == D("27885.46")
