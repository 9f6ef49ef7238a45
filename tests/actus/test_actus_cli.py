"""``loanbook actus CASES.json [--json]``: the JSON report and the exit code."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from loanbook.cli.main import app

DATA = Path(__file__).resolve().parent / "data"
runner = CliRunner()


def test_json_report_for_a_file_that_passes() -> None:
    result = runner.invoke(app, ["actus", str(DATA / "actus-tests-lam.json"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["passed"], out["failed"]) == (23, 0)
    assert out["cases"][0] == {"id": "lam01", "passed": True, "mismatches": []}
    assert [c["id"] for c in out["cases"]][-3:] == ["lam28", "lam29", "lam30"]


def test_a_wrong_expectation_and_an_unrepresentable_case_fail(tmp_path: Path) -> None:
    cases = json.loads((DATA / "actus-tests-pam.json").read_text())
    wrong = cases["pam01"]
    wrong["results"][2]["payoff"] = 25.48  # the true value is 25.4794520547945...
    other = json.loads(json.dumps(cases["pam02"]))
    other["identifier"] = "swap"
    other["terms"]["contractType"] = "SWAPS"
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"pam01": wrong, "swap": other}))
    result = runner.invoke(app, ["actus", str(path), "--json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert (out["passed"], out["failed"]) == (0, 2)
    first, second = out["cases"]
    assert first["id"] == "pam01" and not first["passed"]
    assert first["mismatches"] == [
        "event 3 2013-02-01 IP: payoff expected 25.48, got 25.4794520548"
    ]
    assert second["mismatches"] == ["cannot represent: contractType 'SWAPS'"]


def test_table_names_the_first_mismatch(tmp_path: Path) -> None:
    cases = json.loads((DATA / "actus-tests-pam.json").read_text())
    case = cases["pam21"]
    case["dataObserved"] = {}  # the rate resets have no market data
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"pam21": case}))
    result = runner.invoke(app, ["actus", str(path)])
    assert result.exit_code == 1
    assert "pam21" in result.stdout and "cannot represent" in result.stdout
    assert "USD_SWP" in result.stdout
