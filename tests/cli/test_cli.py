"""The command line on the example book: JSON shapes, values and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from loanbook.cli.main import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def call(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, [*args])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if "--json" in args and code == 0 else result


def test_validate_ok() -> None:
    out = call("validate", str(EXAMPLE), "--json")
    assert out["valid"] is True and "cit-note" in out["loans"]


def test_validate_reports_every_error_and_exits_1(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(EXAMPLE, book)
    note = book / "003-cit-promissory-note.yaml"
    note.write_text(note.read_text().replace("    maturity:", "    maturty:"))
    result = call("validate", str(book), code=1)
    assert "003-cit-promissory-note.yaml:" in result.stderr
    assert ": loans.cit-note.maturty: unknown field" in result.stderr


def test_schedule_json() -> None:
    out = call("schedule", str(EXAMPLE), "--loan", "cit-note", "--json")
    rows = out["installments"]
    assert out["loan"] == "cit-note" and len(rows) == 48
    assert rows[0] == {
        "due_date": "1996-04-30",
        "principal": "94893.75",
        "interest": "110874.46",
        "balance_after": "4460006.25",
        "cite": "003 ¶1",
    }
    assert rows[-1]["due_date"] == "2000-03-31" and rows[-1]["balance_after"] == "0.00"


def test_statement_json_keys_and_values() -> None:
    out = call("statement", str(EXAMPLE), "--loan", "cit-note", "--as-of", "1996-11-05", "--json")
    for key in (
        "principal_outstanding",
        "interest_accrued",
        "interest_due",
        "principal_due",
        "late_charges",
        "total_due",
        "lines",
        "rates",
    ):
        assert key in out
    # October's installment and interest are overdue on 11-05 (paid on 11-12 in the example).
    # Balance 4,554,900 - 6 x 94,893.75 = 3,985,537.50 (installment 7 due, not paid).
    # October interest (09-30..10-30, 31 days) at LIBOR 5.43359% + 3%:
    #   3,985,537.50 x 8.43359% x 31/360 = 28,944.0018... -> 28,944.00
    # accrued 10-31..11-04 (5 days) at LIBOR 5.375% + 3%: x 8.375% x 5/360 = 4,635.955 -> .96
    # late charges on 94,893.75 + 28,944.00 = 123,837.75 at 18% x 5/360 = 309.594 -> 309.59
    # total due 94,893.75 + 28,944.00 + 309.59 = 124,147.34
    assert (
        out["principal_outstanding"],
        out["interest_due"],
        out["interest_accrued"],
        out["late_charges"],
        out["total_due"],
    ) == ("3985537.50", "28944.00", "4635.96", "309.59", "124147.34")
    assert out["principal_due"] == "94893.75"
    assert [o["due_date"] for o in out["overdue"]] == ["1996-10-31", "1996-10-31"]
    assert all(line["cite"] for line in out["lines"])


def test_payoff_components_add_up() -> None:
    out = call("payoff", str(EXAMPLE), "--loan", "cit-note", "--as-of", "1996-12-31", "--json")
    total = sum(
        __import__("decimal").Decimal(out[k])
        for k in ("principal", "interest", "late_charges", "fees")
    ) - __import__("decimal").Decimal(out["credits"])
    assert out["principal"] == "3700856.25"
    assert str(total) == out["total"]


def test_commitment_json_and_refusal() -> None:
    out = call(
        "commitment", str(EXAMPLE), "--facility", "cit-facility", "--as-of", "1996-03-01", "--json"
    )
    assert {"cap", "parts", "loans_made", "room"} <= set(out)
    assert out["cap"] == "5025000.00" and out["room"] == "470100.00"
    result = call(
        "commitment",
        str(EXAMPLE),
        "--facility",
        "cit-facility",
        "--as-of",
        "1996-03-01",
        "--advance",
        "200000",
        code=1,
    )
    assert "at least 300000.00 (000 §2(c))" in result.stdout


def test_terms_known_on() -> None:
    now = call("terms", str(EXAMPLE), "--as-of", "1996-02-01", "--json")
    then = call(
        "terms", str(EXAMPLE), "--as-of", "1996-02-01", "--known-on", "1996-02-01", "--json"
    )
    irp = now["terms"]["loans"]["cit-note"]["interest_rate_period"]
    assert irp["value"] == "month_end" and irp["cite"] == "000 §2(b)"
    assert then["terms"]["loans"]["cit-note"]["interest_rate_period"]["value"] == (
        "loan_date_monthly"
    )


def test_schema_is_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.stdout)
    assert schema["title"] == "TermFileModel" and "document" in schema["properties"]


def test_unknown_loan_is_an_error() -> None:
    result = call("statement", str(EXAMPLE), "--loan", "nope", "--as-of", "1996-05-01", code=1)
    assert "unknown loan 'nope'" in result.stderr


def test_core_commands_take_a_stored_book(tmp_path: Path) -> None:
    db = str(tmp_path / "book.db")
    call("init", "--db", db)
    call("import", str(EXAMPLE), "--db", db)
    stored = call("payoff", "--db", db, "--loan", "cit-note", "--as-of", "1996-11-05", "--json")
    folder = call("payoff", str(EXAMPLE), "--loan", "cit-note", "--as-of", "1996-11-05", "--json")
    assert stored == folder
    sched = call("schedule", "--db", db, "--loan", "cit-note", "--json")
    assert sched["installments"][0]["interest"] == "110874.46"
    result = call(
        "payoff", str(EXAMPLE), "--db", db, "--loan", "cit-note", "--as-of", "1996-11-05", code=2
    )
    assert "not both" in result.stderr
