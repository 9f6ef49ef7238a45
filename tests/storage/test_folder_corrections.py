"""A correction in a folder's events reverses the event it names, as it does in a stored book:
the same events give the same figures whether the folder is read directly (the folder
commands) or imported and read from the database (``events.in_force``, one rule for both).

The CIT note's principal on 1996-12-31 is 3,700,856.25 with the example book's events, and
3,600,856.25 with a prepayment of 100,000.00 more (``test_cli_store``'s figures)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.loader import read_book
from tests.conftest import CIT_BOOK

runner = CliRunner()
HEADER = "date,loan,kind,amount,reference,key,reverses,index,recorded\n"


def call(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args else result


def _folder(tmp_path: Path, rows: str) -> Path:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "events" / "zz-corrections.csv").write_text(HEADER + rows)
    return book


def _principal(*where: str) -> tuple[str, str]:
    out = call("statement", *where, "--loan", "cit-note", "--as-of", "1996-12-31", "--json")
    return out["principal_outstanding"], out["unapplied"]


def test_a_reversed_prepayment_counts_neither_in_the_folder_nor_in_the_database(
    tmp_path: Path, db_url: str
) -> None:
    book = _folder(
        tmp_path,
        "1996-06-15,cit-note,prepayment,100000.00,mistaken,pp-mistake,,,1996-06-15\n"
        "1996-06-15,cit-note,correction,,undo it,pp-undo,pp-mistake,,1996-06-16\n",
    )
    assert _principal(str(book)) == ("3700856.25", "0.00")  # was 3600856.25 and 4696.12
    call("init", "--db", db_url)
    call("import", str(book), "--db", db_url)
    assert _principal("--db", db_url) == ("3700856.25", "0.00")
    kept = _folder(tmp_path / "kept", "1996-06-15,cit-note,prepayment,100000.00,kept,pp,,,\n")
    assert _principal(str(kept))[0] == "3600856.25"


def test_a_reversed_fixing_leaves_its_day_to_the_next_fixing_in_the_folder_too(
    tmp_path: Path, db_url: str
) -> None:
    """A fixing, its correction, then the right rate on the same day: accepted by the folder
    commands as by import (the reversed rate is no longer there to conflict with), and the
    day's rate is the right one."""
    book = _folder(
        tmp_path,
        "1996-01-17,LIBOR-1M,fixing,5.5,typo,fx-typo,,LIBOR-1M,1996-01-17\n"
        "1996-01-17,LIBOR-1M,correction,,undo,fx-undo,fx-typo,,1996-01-18\n"
        "1996-01-17,LIBOR-1M,fixing,5.6,as filed,fx-right,,LIBOR-1M,1996-01-18\n",
    )
    index = read_book(book).market_with_fixings().index("LIBOR-1M")
    assert index.in_force(date(1996, 1, 17)).rate == Decimal("0.056")
    folder = _principal(str(book))
    call("init", "--db", db_url)
    call("import", str(book), "--db", db_url)
    assert _principal("--db", db_url) == folder
