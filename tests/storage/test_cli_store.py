"""The book's commands: the main job twice over, JSON shapes, and ``check`` catching damage."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK as EXAMPLE
from tests.storage.conftest import dump

runner = CliRunner()


def call(*args: str, code: int = 0, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args else result


def test_main_job_twice_duplicates_nothing(db_url: str) -> None:
    call("init", "--db", db_url)
    first = call("import", str(EXAMPLE), "--db", db_url, "--json")
    assert first["documents_added"] == ["000", "003", "cit-lsa"] and first["events_added"] == 9
    ran = call("run", "--to", "1996-12-31", "--db", db_url, "--json")
    # 410 postings: 1 advance + 349 daily accruals (01-18..12-31) + 9 interest dues + 9
    # installments due (04-30..12-31) + 9 x 2 applications (interest, principal) + the
    # October remittance paid 11-12: a late charge posted daily 11-01..11-12 (12) on
    # 123,837.75 unpaid (94,893.75 + 28,944.00), each applied on 11-12 (12):
    # 1 + 349 + 9 + 9 + 18 + 12 + 12 = 410.
    assert (ran["loans"], ran["loan_days"], ran["postings"], ran["failures"]) == (1, 350, 410, [])
    with Store.open(db_url) as store:
        from loanbook.ledger.lines import LineKind
        from loanbook.storage.reports import ledger

        late = [
            p.line.amount
            for p in ledger(store, "cit-note").postings
            if p.line.kind is LineKind.LATE_CHARGE
        ]
    # 123,837.75 x 18% x 12/360 = 743.0265 -> 743.03 over the 12 days, posted cumulatively
    assert (len(late), sum(late)) == (12, Decimal("743.03"))
    st = call("status", "--db", db_url, "--json")
    assert st["as_of"] == "1996-12-31"  # the last day closed
    (loan,) = st["loans"]
    assert loan["loan"] == "cit-note" and loan["closed_through"] == "1996-12-31"
    assert loan["principal_outstanding"] == "3700856.25" and loan["total_due"] == "0.00"
    for key in ("interest_accrued", "interest_due", "principal_due", "late_charges", "payoff"):
        assert key in loan
    with Store.open(db_url) as store:
        once = dump(store)
    again = call("import", str(EXAMPLE), "--db", db_url, "--json")
    assert again["documents_added"] == [] and again["events_added"] == 0
    assert call("run", "--to", "1996-12-31", "--db", db_url, "--json")["postings"] == 0
    assert call("status", "--db", db_url, "--json") == st
    with Store.open(db_url) as store:
        assert dump(store) == once
    assert call("check", "--db", db_url, "--json")["ok"] is True


def test_ledger_json_lines_name_event_accounts_amount_and_clause(db_url: str) -> None:
    call("init", "--db", db_url)
    call("import", str(EXAMPLE), "--db", db_url)
    call("run", "--to", "1996-05-01", "--db", db_url)
    out = call("ledger", "--loan", "cit-note", "--db", db_url, "--json")
    lines = out["lines"]
    assert lines[0] == {
        "posted_on": "1996-01-17",
        "seq": 0,
        "date": "1996-01-17",
        "loan": "cit-note",
        "kind": "advance",
        "amount": "4554900.00",
        "debit": "principal_receivable",
        "credit": "cash",
        "event": "cit-note/advance",
        "term": "loans.cit-note.principal",
        "cite": "003 ¶1",
        "component": "principal",
        "memo": "Advance",
        "reverses": None,
        "posted_at": lines[0]["posted_at"],
    }
    paid = [ln for ln in lines if ln["event"] == "cit-note-pay-1996-04"]
    assert [(ln["component"], ln["amount"], ln["cite"]) for ln in paid] == [
        ("interest", "110874.46", "003 ¶1"),
        ("principal", "94893.75", "003 ¶1"),
    ]
    assert out["balances"]["principal_receivable"] == "4460006.25"
    early = call("ledger", "--loan", "cit-note", "--as-of", "1996-01-18", "--db", db_url, "--json")
    assert [ln["kind"] for ln in early["lines"]] == ["advance", "accrual"]
    result = call("ledger", "--loan", "nope", "--db", db_url, code=1)
    assert "loan: unknown loan 'nope'" in result.stderr


def test_database_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    call("init", env={"LOANBOOK_DATABASE_URL": str(db)})
    assert db.exists()
    out = call("import", str(EXAMPLE), "--json", env={"LOANBOOK_DATABASE_URL": str(db)})
    assert out["events_added"] == 9


def _tamper(url: str, sql: list[str]) -> None:
    with Store.open(url) as store, store.write() as conn:
        for statement in sql:
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("damage", "found"),
    [
        (  # a posting with only a debit entry
            [
                "INSERT INTO postings VALUES ('cit-note', '1996-02-01', 99, '1996-02-01', "
                "'fee', 'x', 't', 'c', '', '', NULL, NULL, '2026-01-01 00:00:00')",
                "INSERT INTO entries VALUES ('cit-note', '1996-02-01', 99, 0, 'debit', "
                "'cash', 100)",
            ],
            "unbalanced",
        ),
        (  # a balanced posting the engine never produced
            [
                "INSERT INTO postings VALUES ('cit-note', '1996-02-01', 99, '1996-02-01', "
                "'fee', 'x', 't', 'c', '', '', NULL, NULL, '2026-01-01 00:00:00')",
                "INSERT INTO entries VALUES ('cit-note', '1996-02-01', 99, 0, 'debit', "
                "'cash', 100)",
                "INSERT INTO entries VALUES ('cit-note', '1996-02-01', 99, 1, 'credit', "
                "'fee_income', 100)",
            ],
            "stored, not in replay: 1996-02-01 fee 1.00 cash/fee_income x (c)",
        ),
    ],
)
def test_check_finds_damage_and_exits_1(db_url: str, damage: list[str], found: str) -> None:
    call("init", "--db", db_url)
    call("import", str(EXAMPLE), "--db", db_url)
    call("run", "--to", "1996-02-15", "--db", db_url)
    _tamper(db_url, damage)
    result = call("check", "--db", db_url, code=1)
    assert found in result.stdout and "FAILED" in result.stdout


def test_status_known_on_shows_the_earlier_view(db_url: str) -> None:
    call("init", "--db", db_url)
    call("import", str(EXAMPLE), "--db", db_url, "--recorded-at", "2026-01-01")
    call(
        "record",
        "prepayment",
        "--loan",
        "cit-note",
        "--date",
        "1996-06-15",
        "--amount",
        "100000",
        "--key",
        "pp",
        "--db",
        db_url,
        "--recorded-at",
        "2026-02-01",
    )
    now = call("status", "--as-of", "1996-12-31", "--db", db_url, "--json")
    then = call(
        "status", "--as-of", "1996-12-31", "--known-on", "2026-01-15", "--db", db_url, "--json"
    )
    assert now["loans"][0]["principal_outstanding"] == "3600856.25"
    assert then["loans"][0]["principal_outstanding"] == "3700856.25"
    assert then["known_on"] == "2026-01-15"
    stamp = datetime(2026, 1, 31, 23, tzinfo=UTC).isoformat()
    mid = call("status", "--as-of", "1996-12-31", "--known-on", stamp, "--db", db_url, "--json")
    assert mid["loans"][0]["principal_outstanding"] == "3700856.25"
    assert date.fromisoformat(now["as_of"]) == date(1996, 12, 31)


def test_check_names_an_index_and_date_stored_with_two_rates(db_url: str) -> None:
    """A book stored before fixings were checked may hold a fixing event with another rate
    than its fixings file (the engines silently took one): ``check`` names both and fails,
    and the correction it names mends it."""
    from loanbook.engine.events import EventKind, LoanEvent
    from loanbook.storage.record import Incoming, insert_events

    call("init", "--db", db_url)
    call("import", str(EXAMPLE), "--db", db_url)
    old = LoanEvent(
        date(1996, 1, 31), "LIBOR-1M", EventKind.FIXING, Decimal("5.5"), "", "old",
        (("index", "LIBOR-1M"),),
    )  # fmt: skip
    with Store.open(db_url) as store, store.write() as conn:
        insert_events(conn, [Incoming(old)])  # as a book of before the check stored it
    result = call("check", "--db", db_url, code=1)
    assert (
        "  fixing: LIBOR-1M on 1996-01-31 has more than one rate: 5.4375 in the book (from "
        "rates/libor-1m.csv:3), 5.5 in the book (from fixing event old); record a correction "
        "reversing old to change it\n"
    ) in result.stdout
    assert result.stdout.rstrip().endswith("FAILED")
    assert call("check", "--db", db_url, "--json", code=1)["fixings"] == [
        line.removeprefix("  fixing: ").rstrip()
        for line in result.stdout.splitlines()
        if line.startswith("  fixing: ")
    ]
    call("record", "correction", "--reverses", "old", "--key", "undo", "--db", db_url)
    assert call("check", "--db", db_url).stdout.rstrip().endswith("ok")
