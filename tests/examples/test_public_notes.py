"""The two small example books from public notes (examples/*/SOURCE.md): each validates,
its stated figure checks, and the engine gives the hand-checked figures of its SOURCE.md."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from loanbook.errors import ValidationError
from loanbook.loader import read_book
from loanbook.terms.validation import projected
from tests.conftest import ROOT

UNION = ROOT / "examples" / "union-bank-term-note"
SWB = ROOT / "examples" / "southwest-bank-balloon-note"


def test_union_bank_level_principal_variable_rate() -> None:
    book = read_book(UNION)
    rows = {d: (p, i) for d, p, i in projected(book, "prodex-term-note")}
    # 350,000 x (3.25% + 0.5%) x 26 / 360 = 947.916... (2011-02-04 .. 03-01)
    assert rows[date(2011, 3, 2)] == (D("0.00"), D("947.92"))
    # 350,000 / 36 = 9,722.22; the 36th takes 350,000 - 35 x 9,722.22 = 9,722.30
    assert rows[date(2012, 3, 2)][0] == D("9722.22")
    assert rows[date(2015, 2, 2)][0] == D("9722.30")
    # 340,277.78 x 0.0375 x 31 / 360 = 1,098.81 (2012-03-02 .. 04-01)
    assert rows[date(2012, 4, 2)][1] == D("1098.81")


def test_southwest_bank_balloon_final_payment_by_hand() -> None:
    book = read_book(SWB)
    interest = [i for _, _, i in projected(book, "siboney-note") if i]
    # At 6.75% actual/360: 42 x 225.00; 31 x 225.00; 30 x 225.00 + 1 x 210.9375;
    # 28 x 210.9375; 31 x 210.9375; 30 x 210.9375 (cumulative rounding, SOURCE.md).
    assert interest == [
        D("9450.00"),
        D("6975.00"),
        D("6960.94"),
        D("5906.25"),
        D("6539.06"),
        D("6328.13"),
    ]


def test_the_final_payment_tells_which_day_count_the_note_means(tmp_path: Path) -> None:
    folder = tmp_path / "book"
    shutil.copytree(SWB, folder)
    note = folder / "note.yaml"
    note.write_text(note.read_text().replace("value: 365/360", "value: act/365"))
    try:
        read_book(folder)
    except ValidationError as exc:
        found = [str(i) for i in exc.issues]
    else:
        found = []
    (line,) = [e for e in found if "checks[0].final_payment" in e]
    # 1,125,000 x 0.0675 x 30 / 365 = 6,241.44: the final payment 1,131,241.44, not the note's.
    assert "states 1,131,328.13 (swb-note PAYMENT)" in line
    assert "terms give 1,131,241.44" in line and line.startswith("note.yaml:")
