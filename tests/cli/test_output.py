"""Terminal output: figures are never cut or wrapped at 80 columns, every option has a help
line, ``--version``, and ``export`` prints JSON (issue 7, point 9)."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from loanbook import __version__
from loanbook.cli.main import app
from loanbook.cli.tables import Column, abbreviate, layout
from tests.conftest import CIT_BOOK, EXAMPLE

runner = CliRunner()
FIGURE = re.compile(r"-?\d{1,3}(?:,\d{3})*\.\d{2}")


def run(*args: str, columns: int = 80) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def assert_whole(text: str, amounts: list[str], width: int = 80) -> None:
    """Each amount appears whole; no line is wider than ``width``; every cell of a figure
    column (a header naming an amount) is a whole figure."""
    for line in text.splitlines():  # a table line (prose may be longer: the terminal wraps it)
        assert len(line) <= width or not line.startswith(("│", "┃", "┏", "┗", "└", "┡")), line
    for amount in amounts:
        assert f"{Decimal(amount):,.2f}" in text, amount
    for header in ("amount", "value", "lendable", "principal", "payoff", "due now"):
        for cell in column(text, header):
            assert cell == "" or FIGURE.fullmatch(cell), (header, cell)


def column(text: str, header: str) -> list[str]:
    """The cells under ``header`` in every table of ``text`` that has it."""
    cells: list[str] = []
    index = None
    for line in text.splitlines():
        parts = [p.strip() for p in re.split(r"[│┃]", line)]
        if line.startswith("┃"):
            index = parts.index(header) if header in parts else None
        elif line.startswith("│") and index is not None:
            cells.append(parts[index])
        elif line.startswith(("└", "┗")):
            index = None
    return cells


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("out") / "book.db")
    assert runner.invoke(app, ["init", "--db", path]).exit_code == 0
    assert runner.invoke(app, ["import", str(CIT_BOOK), "--db", path]).exit_code == 0
    assert runner.invoke(app, ["run", "--to", "1996-12-31", "--db", path]).exit_code == 0
    return path


def test_the_ledger_at_80_columns_shows_every_figure_whole(db: str) -> None:
    text = run("ledger", "--loan", "cit-note", "--db", db)
    data = json.loads(run("ledger", "--loan", "cit-note", "--db", db, "--json"))
    amounts = [p["amount"] for p in data["lines"]]
    assert "4,554,900.00" in text  # before: "4,554..."
    assert_whole(text, amounts)
    assert "--wide shows every column" in text
    wide = run("ledger", "--loan", "cit-note", "--db", db, "--wide")
    assert "principal_receivable" in wide and "cit-note/advance" in wide
    assert_whole(wide, amounts, width=400)


def test_status_at_80_columns_keeps_loan_ids_apart_and_figures_whole(db: str) -> None:
    text = run("status", "--db", db)
    data = json.loads(run("status", "--db", db, "--json"))
    assert_whole(text, [data["loans"][0]["principal_outstanding"], data["loans"][0]["payoff"]])


def test_availability_never_splits_a_number() -> None:
    args = ["availability", str(EXAMPLE), "--facility", "congress-revolver", "--as-of"]
    text = run(*args, "2002-01-15")
    data = json.loads(run(*args, "2002-01-15", "--json"))
    amounts = [data[k] for k in ("borrowing_base", "availability", "outstanding")]
    assert_whole(text, amounts)
    for line in text.splitlines():  # a figure is never broken across lines
        assert not re.search(r"\d,$|^\s*│?\s*\d{3}\.\d{2}", line), line


def test_statement_detail_is_abbreviated_not_wrapped_one_word_a_line() -> None:
    args = ["statement", str(CIT_BOOK), "--loan", "cit-note", "--as-of", "1996-11-05"]
    text = run(*args)
    data = json.loads(run(*args, "--json"))
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == len(data["lines"]) + 8  # one line per ledger line, plus the position
    assert_whole(text, [line["amount"] for line in data["lines"]])
    wide = run(*args, "--wide", columns=80)
    assert any(len(line) > 80 for line in wide.splitlines())  # every column, whole


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", str(CIT_BOOK), "--loan", "cit-note"],
        ["payoff", str(CIT_BOOK), "--loan", "cit-note", "--as-of", "1996-12-31"],
        ["commitment", str(CIT_BOOK), "--facility", "cit-facility", "--as-of", "1996-03-01"],
    ],
)
@pytest.mark.parametrize("columns", [60, 80, 120])
def test_other_tables_fit_the_width_without_cutting_figures(args: list[str], columns: int) -> None:
    text = run(*args, columns=columns)
    assert_whole(text, [], width=max(columns, 80))
    for figure in FIGURE.findall(run(*args, "--wide", columns=400)):
        assert figure in text


@pytest.mark.parametrize("columns", [60, 80])
def test_terms_and_history_fit_the_width(columns: int) -> None:
    for args in (
        ["terms", str(CIT_BOOK), "--as-of", "1996-02-01"],
        ["history", str(CIT_BOOK), "--path", "loans.cit-note"],
    ):
        text = run(*args, columns=columns)
        table = [line for line in text.splitlines() if line.startswith(("│", "┃", "┏", "└"))]
        assert table and all(len(line) <= columns for line in table), (args, text)


def test_layout_drops_columns_by_rank_and_never_shrinks_a_figure() -> None:
    columns = [
        Column("date", figure=True),
        Column("memo"),
        Column("amount", figure=True),
        Column("debit", drop=2, shrink=False),
        Column("credit", drop=2, shrink=False),
        Column("clause", drop=1),
    ]
    rows = [["1996-01-17", "x" * 60, "4,554,900.00", "principal_receivable", "cash", "003 ¶1"]]
    shown, widths = layout(columns, rows, 60, wide=False)
    assert shown == [0, 1, 2, 5]  # debit and credit go together; the figures stay
    assert widths[0] is None and widths[2] is None
    assert abbreviate("congress-revolver-lpc", 12, middle=True) == "congre…r-lpc"
    assert abbreviate("003 ¶1; 000 §2(b)", 8) == "003 ¶1;…"


def _options(command: Any, path: str) -> list[tuple[str, Any]]:
    """Every parameter of a command and of its subcommands (Typer's own click types)."""
    out = [(path, p) for p in command.params]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            out.extend(_options(sub, f"{path} {name}"))
    return out


def test_every_option_and_argument_has_a_help_line() -> None:
    params = _options(typer.main.get_command(app), "loanbook")
    assert len(params) > 80
    missing = [
        f"{path} {p.name}" for path, p in params if not (getattr(p, "help", None) or "").strip()
    ]
    assert missing == []


def test_version() -> None:
    assert run("--version").strip() == f"loanbook {__version__}"


def test_export_prints_json_and_a_sentence_not_a_python_dict(db: str, tmp_path: Path) -> None:
    data = json.loads(run("export", str(tmp_path / "a"), "--db", db, "--json"))
    assert data == {"folder": str(tmp_path / "a"), "documents": 3, "fixing_files": 2, "events": 9}
    text = run("export", str(tmp_path / "b"), "--db", db)
    assert "{" not in text and "3 term files, 2 fixing files, 9 events" in text
    shutil.rmtree(tmp_path / "a")


def test_readme_documents_export() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "loanbook export" in readme
