"""Only ``init`` creates a book: every other command on a path or database that is not a book
fails with one line and creates nothing (issue 7, point 7)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from tests.conftest import CIT_BOOK

runner = CliRunner()

COMMANDS = [
    ["import", str(CIT_BOOK)],
    ["record", "payment", "--loan", "cit-note", "--date", "1996-05-01", "--amount", "10"],
    ["run", "--to", "1996-02-01"],
    ["status"],
    ["ledger", "--loan", "cit-note"],
    ["check"],
    ["export", "out"],
    ["statement", "--loan", "cit-note", "--as-of", "1996-05-01"],
    ["payoff", "--loan", "cit-note", "--as-of", "1996-05-01"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_missing_book_is_not_created(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "sub" / "book.db"
    result = runner.invoke(app, [*args, "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"--db: db: no book at {db} (run `loanbook init --db {db}` first)"
    )
    assert list(tmp_path.iterdir()) == []  # not the file, not its folder


def test_the_default_book_is_not_created_either(tmp_path: Path) -> None:
    env = {"LOANBOOK_DATABASE_URL": str(tmp_path / "book.db")}
    result = runner.invoke(app, ["status"], env=env)
    assert result.exit_code == 1
    assert "no book at" in result.stderr and list(tmp_path.iterdir()) == []


def test_check_says_an_empty_database_is_no_book(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    db.write_bytes(b"")
    result = runner.invoke(app, ["check", "--db", str(db)])
    assert result.exit_code == 1
    assert "no book at" in result.stderr and "the database is empty" in result.stderr
    assert db.read_bytes() == b""  # left as it was
    assert [p.name for p in tmp_path.iterdir()] == ["empty.db"]


def test_check_says_a_foreign_database_is_not_a_book(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER)")
    before = db.read_bytes()
    result = runner.invoke(app, ["check", "--db", str(db)])
    assert result.exit_code == 1
    assert "is not a Loanbook book (it has tables customers" in result.stderr
    assert db.read_bytes() == before


def test_init_then_every_command_works(tmp_path: Path) -> None:
    db = str(tmp_path / "book.db")
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["import", str(CIT_BOOK), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["check", "--db", db]).exit_code == 0
