"""``validate``, ``import`` and ``record`` run the same checks and report them the same way,
each error naming file, line, field, reason and the event (issue 7, point 3); with ``--json``
errors are JSON on stderr (point 8)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from tests.conftest import CIT_BOOK

runner = CliRunner()

BAD = (
    "date,loan,kind,amount,reference,key,index,reverses\n"
    "1996-05-01,cit-note,payment,10.00,first,dup,,\n"
    "1996-05-02,cit-note,payment,11.00,second,dup,,\n"
    "1996-05-03,LIBOR-3M,fixing,5.0,fx,fx-1,NOPE-INDEX,\n"
    "1996-05-04,cit-note,correction,,fix,fix-1,,no-such-key\n"
    "1996-01-31,LIBOR-1M,fixing,6.4375,typo,fx-2,LIBOR-1M,\n"
)


def expected(csv: Path) -> list[str]:
    return [
        f"{csv}:3: key: 'dup' is also the key of {csv}:2 (payment 10.00 on 1996-05-01 for "
        "cit-note); a key names one event (event dup)",
        f"{csv}:4: index: unknown index 'NOPE-INDEX' (known: LIBOR-1M, PRIME) (event fx-1)",
        f"{csv}:5: reverses: no event with key 'no-such-key' for loan cit-note (event fix-1)",
        f"{csv}:6: amount: LIBOR-1M on 1996-01-31 is already 5.4375 in the book "
        "(from rates/libor-1m.csv:3) (event fx-2)",
    ]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    book = tmp_path / "book"
    shutil.copytree(CIT_BOOK, book)
    (book / "events" / "bad.csv").write_text(BAD, encoding="utf-8")
    return book


def test_validate_import_and_record_report_the_same_errors(folder: Path, tmp_path: Path) -> None:
    csv = folder / "events" / "bad.csv"
    validated = runner.invoke(app, ["validate", str(folder)])
    assert validated.exit_code == 1
    assert validated.stderr.splitlines() == expected(csv)
    db = str(tmp_path / "book.db")
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0
    imported = runner.invoke(app, ["import", str(folder), "--db", db])
    assert imported.exit_code == 1 and imported.stderr.splitlines() == expected(csv)
    assert runner.invoke(app, ["import", str(CIT_BOOK), "--db", db]).exit_code == 0
    recorded = runner.invoke(app, ["record", "--file", str(csv), "--db", db])
    assert recorded.exit_code == 1 and recorded.stderr.splitlines() == expected(csv)
    # against the stored book, validate says what importing into it would
    against = runner.invoke(app, ["validate", str(folder), "--db", db])
    assert against.exit_code == 1 and against.stderr.splitlines() == expected(csv)


def test_validate_writes_nothing_and_counts_what_import_would(tmp_path: Path) -> None:
    db = str(tmp_path / "book.db")
    runner.invoke(app, ["init", "--db", db])
    before = Path(db).read_bytes()
    out = runner.invoke(app, ["validate", str(CIT_BOOK), "--db", db, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["valid"] is True and data["events_added"] == 9 and data["loans"] == ["cit-note"]
    assert Path(db).read_bytes() == before
    runner.invoke(app, ["import", str(CIT_BOOK), "--db", db])
    again = json.loads(runner.invoke(app, ["validate", str(CIT_BOOK), "--db", db, "--json"]).stdout)
    assert again["events_added"] == 0 and again["events_unchanged"] == 9


def test_errors_are_json_on_stderr_with_json(folder: Path, tmp_path: Path) -> None:
    csv = folder / "events" / "bad.csv"
    result = runner.invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 1 and result.stdout == ""
    data = json.loads(result.stderr)
    assert data["ok"] is False
    assert [e["message"] for e in data["errors"]] == expected(csv)
    assert data["errors"][0] == {
        "file": str(csv),
        "line": 3,
        "field": "key",
        "reason": "'dup' is also the key of "
        f"{csv}:2 (payment 10.00 on 1996-05-01 for cit-note); a key names one event",
        "event": "dup",
        "message": expected(csv)[0],
    }
    missing = runner.invoke(app, ["status", "--db", str(tmp_path / "none.db"), "--json"])
    assert missing.exit_code == 1
    assert json.loads(missing.stderr)["errors"][0]["field"] == "db"
    bad_date = runner.invoke(app, ["run", "--to", "1996-13-01", "--json"])
    assert bad_date.exit_code == 1  # a bad option value: one line, exit 1 (issue 7)
    assert json.loads(bad_date.stderr)["errors"][0]["file"] == "--to"
    # without --json, the same command in the same process prints plain lines again
    plain = runner.invoke(app, ["status", "--db", str(tmp_path / "none.db")])
    assert plain.stderr.startswith("--db: db: no book at")


@pytest.mark.parametrize(
    "args",
    [
        ["schema", "--json"],
        ["demo", str(CIT_BOOK), "--json"],
        ["validate", str(CIT_BOOK), "--json"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_takes_json(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)
