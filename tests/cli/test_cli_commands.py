"""``history``, ``export`` and ``demo`` on the command line, against the term files and
hand-checked figures."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from loanbook.cli.main import app
from tests.conftest import CIT_BOOK, EXAMPLE

runner = CliRunner()


def test_history_of_a_term_lists_each_document_that_asserted_it() -> None:
    # 003 sets the Interest Rate Period (cit-lsa Rider A §1, loan_date_monthly) on 1996-01-17;
    # 000, dated and recorded 1996-02-29, replaces it with month_end from 1996-01-17 (§2(b)).
    result = runner.invoke(
        app,
        ["history", str(EXAMPLE), "--path", "loans.cit-note.interest_rate_period", "--json"],
    )
    assert result.exit_code == 0, result.output
    rows = [
        (r["op"], r["effective"], r["recorded"], r["document"], r["cite"])
        for r in json.loads(result.stdout)
    ]
    assert rows == [
        ("set", "1996-01-17", "1996-01-17", "003", "cit-lsa Rider A §1"),
        ("replace", "1996-01-17", "1996-02-29", "000", "000 §2(b)"),
    ]
    assert json.loads(result.stdout)[1]["value"] == "month_end"


def test_history_table_names_the_revolver_changes_of_004() -> None:
    result = runner.invoke(
        app, ["history", str(EXAMPLE), "--path", "revolvers.congress-revolver.default_margin"]
    )
    assert result.exit_code == 0, result.output
    assert "004 §1(a)" in result.stdout and "2002-11-01" in result.stdout


def test_export_from_the_command_line_rebuilds_the_term_files(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'book.db'}"
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["import", str(CIT_BOOK), "--db", db]).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", str(out), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    # the CIT book: three term files, two rate files, nine remittances
    assert json.loads(result.stdout) == {
        "folder": str(out),
        "documents": 3,
        "fixing_files": 2,
        "events": 9,
    }
    for name in (
        "000-cit-amendment-1.yaml",
        "003-cit-promissory-note.yaml",
        "cit-loan-and-security-agreement.yaml",
    ):
        assert (out / name).read_bytes() == (CIT_BOOK / name).read_bytes()
    again = runner.invoke(app, ["export", str(out), "--db", db])
    assert again.exit_code == 1  # never writes over a folder that is not empty


def test_demo_shows_the_cit_note_at_the_end_of_1996() -> None:
    # Nine installments paid by 1996-12-31: 4,554,900.00 - 9 x 94,893.75 = 3,700,856.25.
    result = runner.invoke(app, ["demo", str(EXAMPLE)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "3,700,856.25" in out
    assert "94,893.75" in out and "48 installments in all; the last on 2000-03-31" in out
