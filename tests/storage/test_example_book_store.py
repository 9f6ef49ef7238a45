"""The whole example book (CIT note, Congress term notes and both revolving loan accounts)
through ``import``, ``run`` (close of business) and ``check``, on SQLite, to 1996-03-31: the
quarter of the 002 §6(f)-(g) applications. (The run to 2002-12-31 is ``make demo``.)"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.ledger.lines import LineKind
from loanbook.storage.postings import active
from loanbook.storage.reports import ledger
from loanbook.storage.store import Store
from tests.conftest import EXAMPLE

runner = CliRunner()
LOANS = (
    "cit-note",
    "congress-revolver-lpc",
    "congress-revolver-lrg",
    "lci-ohio-real-estate-loan",
    "lpc-arizona-real-estate-loan",
    "lpc-ny-real-estate-loan-a",
    "lpc-ny-real-estate-loan-b",
    "lpc-second-restated-note",
)


def call(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def lines(store: Store, loan: str, kind: LineKind) -> list[tuple[date, D, str]]:
    return [
        (p.line.date, p.line.amount, p.line.cite)
        for p in active(ledger(store, loan).postings)
        if p.line.kind is kind
    ]


def test_the_example_book_imports_closes_and_checks(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'book.db'}"
    call("init", "--db", db)
    call("import", str(EXAMPLE), "--db", db)
    ran = call("run", "--to", "1996-03-31", "--db", db)
    # The two revolving accounts and the two Congress notes start 1996-01-01 (91 days to
    # 03-31), Loan A and the Arizona loan 1996-01-16 (76 days), the CIT note 1996-01-17 (75);
    # Loan B (1996-06-14) has not started: 4 x 91 + 2 x 76 + 75 = 591 loan-days.
    assert (ran["loans"], ran["loan_days"], ran["failures"]) == (7, 591, [])
    checked = call("check", "--db", db)
    assert checked["ok"] is True and checked["loans_checked"] == 7
    assert checked["debits"] == checked["credits"] and checked["replay_mismatches"] == {}
    status = call("status", "--db", db, "--as-of", "1996-03-31")
    assert sorted(loan["loan"] for loan in status["loans"]) == list(LOANS)
    by_loan = {loan["loan"]: loan for loan in status["loans"]}
    # 002 §6(f): the Ohio loan prepaid in full from the Vienna proceeds on 1996-03-14
    assert by_loan["lci-ohio-real-estate-loan"]["principal_outstanding"] == "0.00"
    with Store.open(db) as store:
        # January's revolver interest, charged to the accounts on 02-01: Prime 8.50% (from
        # 1995-12-20) + 1.5% = 10%, 01-02..01-31 (30 days):
        #   LPC 6,000,000 x 10% x 30/360 = 50,000.00; LRG 2,200,000 x 10% x 30/360 = 18,333.33
        # February, LRG: Prime 8.25% from 02-01 + 1.5% = 9.75% on 2,218,333.33 for 29 days:
        #   2,218,333.33 x 9.75% x 29/360 = 17,423.1597 -> 17,423.16
        lpc = lines(store, "congress-revolver-lpc", LineKind.CAPITALIZATION)
        lrg = lines(store, "congress-revolver-lrg", LineKind.CAPITALIZATION)
        assert lpc[0][:2] == (date(1996, 2, 1), D("50000.00"))
        assert [x[:2] for x in lrg[:2]] == [
            (date(1996, 2, 1), D("18333.33")),
            (date(1996, 3, 1), D("17423.16")),
        ]
        # The 002 §6(f)-(g) balances applied to the revolving loan accounts on 03-14:
        # $1,500,000 - $1,140,000 = $360,000 (LRG); $1,000,000 - $418,118 = $581,882 (LPC).
        repaid = {
            loan: [
                (p.line.amount, p.line.cite)
                for p in active(ledger(store, loan).postings)
                if p.line.kind is LineKind.PAYMENT_APPLIED and p.line.date == date(1996, 3, 14)
            ]
            for loan in ("congress-revolver-lpc", "congress-revolver-lrg")
        }
        assert repaid == {
            "congress-revolver-lpc": [(D("581882.00"), "002 §6(g)")],
            "congress-revolver-lrg": [(D("360000.00"), "002 §6(f)")],
        }
        # The CIT note's first day: 4,554,900.00 x (LIBOR 5.62891% + 3%) / 360 = 1,091.77
        assert lines(store, "cit-note", LineKind.ACCRUAL)[0][:2] == (
            date(1996, 1, 18),
            D("1091.77"),
        )


def test_a_revolver_event_the_facility_refuses_is_not_recorded(tmp_path: Path) -> None:
    from loanbook.errors import ValidationError
    from loanbook.storage.importer import import_folder
    from loanbook.storage.record import parse_events_file, record_events
    from tests.storage.conftest import dump

    # LRG's balance on 1996-03-20: 2,200,000 opening + January interest 18,333.33 (charged
    # 02-01) + February's 17,423.16 (charged 03-01) - 360,000 (002 §6(f), 03-14)
    # = 1,875,756.49. A repayment one cent above it is refused; the whole file with it.
    text = (
        "date,loan,kind,amount,reference\n"
        "1996-03-20,congress-revolver-lpc,advance,1000.00,fine alone\n"
        "1996-03-20,congress-revolver-lrg,payment,1875756.50,one cent too much\n"
    )
    with Store.open(f"sqlite:///{tmp_path / 'book.db'}") as store:
        import_folder(store, EXAMPLE)
        before = dump(store)
        with pytest.raises(ValidationError) as refused:
            record_events(store, parse_events_file(text, "late.csv"))
        assert [str(i) for i in refused.value.issues] == [
            "late.csv:3: amount: repayment 1875756.50 exceeds the balance 1875756.49 (event "
            "congress-revolver-lrg/payment/1996-03-20/1875756.5/one cent too much)"
        ]
        assert dump(store) == before
        # (Repaying exactly the balance is refused too, but for the later events it leaves
        # unpayable: the 75,000 repayment of 04-15 would exceed what is left.)
        exact = text.replace("1875756.50,one cent too much", "1875756.49,the balance")
        with_later = "monthly activity: amount: repayment 75000.00 exceeds the balance"
        with pytest.raises(ValidationError, match=with_later):
            record_events(store, parse_events_file(exact, "late.csv"))
        assert dump(store) == before
        alone = "\n".join(text.splitlines()[:2]) + "\n"
        assert len(record_events(store, parse_events_file(alone, "late.csv")).added) == 1
