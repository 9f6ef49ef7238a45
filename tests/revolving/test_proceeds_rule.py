"""002 §6(f)-(g): the events file holds the rule; the engine derives the payoff and the balance.

The example book records each application once (``events/proceeds-applications-1996.csv``):
the sum received, the note, ``full`` or an amount, the revolving account, the clause.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.engine.events import EventKind
from loanbook.errors import ValidationError
from loanbook.ledger.lines import LineKind
from loanbook.loader import read_book
from tests.conftest import EXAMPLE

DAY = date(1996, 3, 14)
APPLICATIONS = "events/proceeds-applications-1996.csv"


def book_folder(tmp_path: Path, extra: str = "", edit: tuple[str, str] | None = None) -> Path:
    folder = tmp_path / "book"
    shutil.copytree(EXAMPLE, folder)
    if extra:
        (folder / "events" / "zz-extra.csv").write_text(
            "date,loan,kind,amount,reference,key\n" + extra
        )
    if edit is not None:
        path = folder / APPLICATIONS
        path.write_text(path.read_text().replace(*edit))
    return folder


def test_the_events_file_holds_the_rule_not_the_amounts() -> None:
    text = (EXAMPLE / APPLICATIONS).read_text()
    assert "full" in text and "1140000" not in text and "360000" not in text
    revolver = (EXAMPLE / "events" / "congress-revolver-1996-2002.csv").read_text()
    assert "002 §6(f)" not in revolver and "002 §6(g)" not in revolver
    book = read_book(EXAMPLE)
    kinds = {e.kind for e in book.events if e.date == DAY}
    assert kinds == {EventKind.APPLICATION}


def test_the_example_payoff_and_balance() -> None:
    book = read_book(EXAMPLE)
    derived = {
        (e.loan, e.kind): (e.amount, e.get("cite")) for e in book.applied_events() if e.date == DAY
    }
    # 002 §6(f): the LCI Ohio loan's principal on 1996-03-14 is its 1,140,000.00 (nothing
    # paid before its first installment, 1996-03-31): payoff 1,140,000.00;
    # balance 1,500,000.00 - 1,140,000.00 = 360,000.00 to LCI's revolving account.
    # 002 §6(g): 418,118.00 stated; balance 1,000,000.00 - 418,118.00 = 581,882.00 to LPC's.
    assert derived == {
        ("lci-ohio-real-estate-loan", EventKind.PREPAYMENT): (D("1140000.00"), "002 §6(f)"),
        ("congress-revolver-lrg", EventKind.PAYMENT): (D("360000.00"), "002 §6(f)"),
        ("lpc-second-restated-note", EventKind.PREPAYMENT): (D("418118.00"), "002 §6(g)"),
        ("congress-revolver-lpc", EventKind.PAYMENT): (D("581882.00"), "002 §6(g)"),
    }
    # 418,118 in inverse order of maturity of the $50,000 installments: 48..41 in full
    # (8 x 50,000 = 400,000), 18,118 of installment 40; every line cites 002 §6(g).
    lines = book.run("lpc-second-restated-note", DAY).lines
    prepaid = [(x.amount, x.cite) for x in lines if x.kind is LineKind.PREPAYMENT_APPLIED]
    assert prepaid == [(D("50000.00"), "002 §6(g)")] * 8 + [(D("18118.00"), "002 §6(g)")]
    assert "installment 48" in next(x.memo for x in lines if x.kind is LineKind.PREPAYMENT_APPLIED)


def test_the_payoff_is_the_principal_outstanding_on_the_day(tmp_path: Path) -> None:
    # A prepayment of 100,000.00 on 1996-02-15 (recorded beside the rule): on 1996-03-14
    # the payoff is 1,140,000.00 - 100,000.00 = 1,040,000.00, and the balance to LCI's
    # revolving account 1,500,000.00 - 1,040,000.00 = 460,000.00.
    folder = book_folder(
        tmp_path, "1996-02-15,lci-ohio-real-estate-loan,prepayment,100000.00,early,pp-ohio\n"
    )
    book = read_book(folder)
    note = book.run("lci-ohio-real-estate-loan", DAY)
    on_day = [x for x in note.lines if x.kind is LineKind.PREPAYMENT_APPLIED and x.date == DAY]
    assert sum(x.amount for x in on_day) == D("1040000.00")
    assert {x.cite for x in on_day} == {"002 §6(f)"}
    assert note.position.principal_outstanding == D("0.00")
    lrg = book.run("congress-revolver-lrg", date(1996, 3, 15)).lines
    assert [
        (x.amount, x.cite) for x in lrg if x.kind is LineKind.PAYMENT_APPLIED and x.date == DAY
    ] == [(D("460000.00"), "002 §6(f)")]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("1500000.00", "1000000.00"),
            "amount: 1000000.00 cannot cover 1140000.00 for lci-ohio-real-estate-loan "
            "(outstanding 1140000.00; 002 §6(f))",
        ),
        (
            ("congress-revolver-lrg", "cit-note"),
            "account: 'cit-note' is not a revolving loan account",
        ),
        (("418118.00", "a lot"), "prepay: 'full' or an amount"),
    ],
)
def test_a_rule_that_cannot_apply_is_refused(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        read_book(book_folder(tmp_path, edit=edit))
    assert any(expected in str(i) for i in refused.value.issues), refused.value.issues


def call(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_the_store_derives_the_same_and_check_replays_it(tmp_path: Path) -> None:
    folder = book_folder(
        tmp_path, "1996-02-15,lci-ohio-real-estate-loan,prepayment,100000.00,early,pp-ohio\n"
    )
    db = f"sqlite:///{tmp_path / 'book.db'}"
    call("init", "--db", db)
    call("import", str(folder), "--db", db)
    call("run", "--to", "1996-04-30", "--db", db)
    checked = call("check", "--db", db)
    assert checked["ok"] is True and checked["replay_mismatches"] == {}
    status = call("status", "--db", db, "--as-of", "1996-03-15")
    by_loan = {x["loan"]: x for x in status["loans"]}  # type: ignore[attr-defined]
    assert by_loan["lci-ohio-real-estate-loan"]["principal_outstanding"] == "0.00"
