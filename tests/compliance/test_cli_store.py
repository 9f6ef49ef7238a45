"""The compliance commands on a stored book (SQLite and PostgreSQL) and on a folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from textwrap import dedent
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.storage.schema import DocumentRow
from loanbook.storage.store import Store
from tests.compliance.conftest import AGREEMENT, AMENDMENT_004, statement
from tests.conftest import CIT_BOOK, EXAMPLE

runner = CliRunner()

JULY = statement("2002-07-31", "2002-08-28", "6200000", "600000")
AUGUST = statement("2002-08-31", "2002-09-30", "6000000", "800000")


def call(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args and code == 0 else result


def folder(tmp_path: Path) -> Path:
    """The CIT book plus a compliance agreement and two statements."""
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "compliance").mkdir()
    for name, text in (("afa.yaml", AGREEMENT), ("fs-07.yaml", JULY), ("fs-08.yaml", AUGUST)):
        (book / "compliance" / name).write_text(dedent(text))
    return book


def documents(db_url: str) -> int:
    with Store.open(db_url) as store, store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(DocumentRow)).scalar_one())


def test_compliance_json_keys_and_the_004_record_time(db_url: str, tmp_path: Path) -> None:
    call("init", "--db", db_url)
    call("import", str(folder(tmp_path)), "--db", db_url, "--json")
    data = call("compliance", "--db", db_url, "--as-of", "2002-10-15", "--json")["compliance"]
    test = next(t for t in data["covenants"] if t["id"] == "working-capital@2002-08-31")
    for key in ("id", "test_date", "value", "threshold", "headroom", "passed", "cite"):
        assert key in test
    assert (test["value"], test["headroom"], test["passed"]) == ("5200000.00", "-300000.00", False)
    (eod,) = [e for e in data["events_of_default"] if e["kind"] == "covenant_breach"]
    for key in ("id", "kind", "occurred_on", "status", "cause", "waived_by", "cite"):
        assert key in eod
    assert (eod["occurred_on"], eod["status"]) == ("2002-08-31", "continuing")
    # (the CIT book holds 1996's payments only, so from 1997 its note is in payment default)
    (option,) = [o for o in data["options"] if o["subject"] != "cit-note"]
    for key in ("subject", "option", "available_from", "because", "cite"):
        assert key in option
    assert (option["subject"], option["option"], option["available_from"]) == (
        "congress-revolver-lpc",
        "default_rate",
        "2002-08-31",
    )

    amendment = tmp_path / "004.yaml"
    amendment.write_text(dedent(AMENDMENT_004))
    added = call("record-compliance", "--file", str(amendment), "--db", db_url, "--json")
    assert added == {"document": "004", "added": True, "source": "compliance/004.yaml"}
    again = call("record-compliance", "--file", str(amendment), "--db", db_url, "--json")
    assert again["added"] is False
    before = call(
        "defaults", "--db", db_url, "--as-of", "2002-10-15", "--known-on", "2002-10-30", "--json"
    )
    assert [e["id"] for e in before["events_of_default"] if e["kind"] == "covenant_breach"] == [
        "covenant:working-capital@2002-08-31"
    ]
    after = call(
        "defaults", "--db", db_url, "--as-of", "2002-10-15", "--known-on", "2002-11-01", "--json"
    )
    assert not any(e["kind"] == "covenant_breach" for e in after["events_of_default"])
    assert call("check", "--db", db_url, "--json")["documents"] == []


def test_recording_facts_validated_and_idempotent(db_url: str, tmp_path: Path) -> None:
    call("init", "--db", db_url)
    call("import", str(folder(tmp_path)), "--db", db_url, "--json")
    count = documents(db_url)
    statement_args = (
        "record-compliance", "statement", "--borrower", "lpc", "--period-end", "2002-09-30",
        "--received", "2002-10-28", "--recorded-on", "2002-10-28", "--label", "invented",
        "--db", db_url, "--json",
    )  # fmt: skip
    bad = call(*statement_args, "--item", "current_assets=6,1OO,000", code=1)
    assert "--item: current_assets:" in bad.stderr and "is not a decimal amount" in bad.stderr
    assert documents(db_url) == count  # nothing recorded
    good = (*statement_args, "--item", "current_assets=6100000", "--item",
            "current_liabilities=1000000")  # fmt: skip
    first = call(*good)
    assert first["added"] is True and first["document"].startswith("statement-2002-10-28-")
    assert call(*good)["added"] is False
    assert documents(db_url) == count + 1
    data = call("compliance", "--db", db_url, "--as-of", "2002-10-31", "--json")["compliance"]
    sept = next(t for t in data["covenants"] if t["id"] == "working-capital@2002-09-30")
    assert (sept["value"], sept["passed"]) == ("5100000.00", False)  # 6,100,000 - 1,000,000

    unknown = call(
        "record-compliance", "satisfaction", "--condition", "no-such", "--date", "2002-10-01",
        "--db", db_url, code=1,
    )  # fmt: skip
    assert "facts.condition: no condition 'no-such'" in unknown.stderr
    assert documents(db_url) == count + 1
    assert call("check", "--db", db_url, "--json")["ok"] is True


def test_election_needs_the_option_and_feeds_the_engine(db_url: str, tmp_path: Path) -> None:
    """The CIT note's October 1996 installment was paid 12 days late: with 10 days' grace
    CIT could accelerate (003 ¶5) on 1996-11-11, not before."""
    call("init", "--db", db_url)
    call("import", str(folder(tmp_path)), "--db", db_url, "--json")
    refused = call(
        "record-compliance", "election", "--subject", "cit-note", "--option", "acceleration",
        "--date", "1996-11-05", "--db", db_url, code=1,
    )  # fmt: skip
    assert "acceleration on cit-note refused on 1996-11-05" in refused.stderr
    assert "003 ¶5" in refused.stderr
    ok = call(
        "record-compliance", "election", "--subject", "cit-note", "--option", "acceleration",
        "--date", "1996-11-11", "--cite", "003 ¶5", "--db", db_url, "--json",
    )  # fmt: skip
    assert ok["added"] == ["election-acceleration-cit-note-1996-11-11"]
    data = call("compliance", "--db", db_url, "--as-of", "1996-11-30", "--json")["compliance"]
    assert data["elections"] == [
        {
            "subject": "cit-note",
            "option": "acceleration",
            "date": "1996-11-11",
            "key": "election-acceleration-cit-note-1996-11-11",
            "cite": "003 ¶5",
        }
    ]


def test_calendar_and_collateral_on_the_example_folder() -> None:
    cal = call("calendar", str(EXAMPLE), "--from", "1996-05-01", "--to", "1996-07-31", "--json")[
        "calendar"
    ]
    deadlines = [i for i in cal["items"] if i["kind"] == "condition_deadline"]
    assert {(i["date"], i["status"]) for i in deadlines} == {("1996-05-31", "met")}
    for item in cal["items"]:
        assert set(item) >= {"date", "kind", "description", "status", "cite"}
    assert any(i["kind"] == "commitment_end" and i["cite"] == "000 §2(c)" for i in cal["items"])
    col = call("collateral", str(EXAMPLE), "--as-of", "1998-06-30", "--json")["collateral"]
    assert set(col) >= {"items", "liens", "consents", "guarantors"}
    press = next(i for i in col["items"] if i["id"] == "cit-press-02")
    assert (press["location"], press["serial"]) == ("rochester-ny", "HPM-600-3920")
    bad = call("calendar", str(EXAMPLE), "--from", "1996-13-01", "--to", "1996-07-31", code=1)
    assert "--from: from: '1996-13-01' is not a YYYY-MM-DD date" in bad.stderr
