"""The Congress facility in the example book (seeds 002 and 004, assumed base terms)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loanbook import services
from loanbook.book import Book
from loanbook.cli.main import app
from loanbook.errors import ValidationError
from loanbook.ledger import LineKind
from loanbook.loader import read_book
from tests.conftest import EXAMPLE

LPC = "congress-revolver-lpc"


def test_002_6g_prepays_the_last_installments_and_the_balance_goes_to_the_revolver(
    example_book: Book,
) -> None:
    result = example_book.run("lpc-second-restated-note", date(1996, 3, 14))
    amounts = [i.amount for i in result.installments]
    # $418,118 in inverse order of maturity: installments 48..41 (8 x 50,000 = 400,000) go,
    # and 18,118 comes off installment 40.
    assert amounts[-8:] == [D("0.00")] * 8
    assert amounts[-9] == D("31882.00")
    assert amounts[-10] == D("50000.00")
    prepaid = [ln for ln in result.lines if ln.kind is LineKind.PREPAYMENT_APPLIED]
    assert sum(ln.amount for ln in prepaid) == D("418118.00")
    revolver = example_book.run(LPC, date(1996, 3, 15))
    applied = [ln for ln in revolver.lines if ln.cite == "002 §6(g)"]
    assert [ln.amount for ln in applied] == [D("581882.00")]  # $1,000,000 - $418,118


def test_002_6f_prepays_the_ohio_loan_in_full(example_book: Book) -> None:
    result = example_book.run("lci-ohio-real-estate-loan", date(1996, 3, 14))
    assert result.position.principal_outstanding == D("0.00")
    lrg = example_book.run("congress-revolver-lrg", date(1996, 3, 15))
    assert [ln.amount for ln in lrg.lines if ln.cite == "002 §6(f)"] == [D("360000.00")]


def test_north_canton_inventory_is_excluded_from_002_on(example_book: Book) -> None:
    def north_canton(day: date, known_on: date | None = None) -> dict[str, object]:
        report = services.availability(example_book, "congress-revolver", day, known_on)
        return next(i for i in report.as_json()["items"] if i["location"] == "north-canton-oh")

    before = north_canton(date(1996, 3, 13))
    after = north_canton(date(1996, 3, 14))
    assert before["eligible"] is True and before["certified_eligible"] is True
    assert after["eligible"] is False and after["certified_eligible"] is True
    assert after["cite"] == "002 §4" and after["lendable"] == "0.00"
    assert "north-canton-oh is not eligible" in str(after["rule"])


def test_overadvance_of_january_2002(example_book: Book) -> None:
    report = services.availability(example_book, "congress-revolver", date(2002, 1, 15))
    data = report.as_json()
    # The certificate of 2001-12-31 (recorded 2002-01-10), by 002 §4 and the assumed terms:
    #   accounts: LPC 5,299,200 x 85% = 4,504,320 (its 271,600 over 90 days out)
    #             + LRG 2,080,000 x 85% = 1,768,000                          = 6,272,320.00
    #   inventory: Rochester 2,496,000 + Casa Grande 932,800 + Vienna 1,131,200 = 4,560,000
    #             x 50% = 2,280,000.00 (North Canton's 979,200 out; under the 5M sublimit)
    #   borrowing base 8,552,320.00; min(15,000,000, base) - reserves 250,000 = 8,302,320.00
    assert data["borrowing_base"] == "8552320.00"
    assert [(c["collateral"], c["lendable"]) for c in data["by_collateral"]] == [
        ("accounts", "6272320.00"),
        ("inventory", "2280000.00"),
    ]
    outstanding = D(data["outstanding"])
    assert outstanding == sum(D(v) for v in data["outstanding_by_account"].values())
    assert D(data["overadvance"]) == outstanding - D("8302320.00") > 0
    assert D(data["availability"]) == -D(data["overadvance"])
    assert (
        "notice of 2002-01-07; Prime + 2% on any excess from 2002-01-11"
        in (data["overadvance_rate"])
    )
    statement = services.statement(example_book, LPC, date(2002, 2, 1)).as_json()
    charged = [r for r in statement["rates"] if "overadvance" in r["basis"]]
    assert charged[0]["from"] == "2002-01-11"
    assert charged[-1]["to"] <= "2002-01-26"  # cured by the repayment of 2002-01-25


def test_rates_after_the_2002_amendment(example_book: Book) -> None:
    data = services.statement(example_book, LPC, date(2002, 12, 31)).as_json()
    november = [r for r in data["rates"] if r["from"] >= "2002-11-01" and "Prime" in r["basis"]]
    # 004 §1(a): Prime (4.75% until 11-06, then 4.25%) + 1%
    assert november[0]["cite"] == "004 §1(a)" and november[0]["rate"] == "0.0575"
    assert any(r["rate"] == "0.0525" and r["from"] == "2002-11-07" for r in november)
    eurodollar = next(
        r
        for r in data["rates"]
        if "for its Interest Period" in r["basis"] and r["from"] == "2002-09-16"
    )
    assert eurodollar["to"] == "2002-12-16"  # runs to the end of its Interest Period
    fee = next(ln for ln in data["lines"] if ln["kind"] == "fee")
    assert (fee["date"], fee["amount"], fee["cite"]) == ("2002-10-31", "80000.00", "004 §6")


def test_availability_cli_json() -> None:
    result = CliRunner().invoke(
        app,
        [
            "availability",
            str(EXAMPLE),
            "--facility",
            "congress-revolver",
            "--as-of",
            "2002-10-31",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in (
        "maximum_credit",
        "borrowing_base",
        "reserves",
        "outstanding",
        "availability",
        "overadvance",
        "items",
    ):
        assert key in data
    for key in ("description", "location", "value", "eligible", "advance_rate", "rule", "cite"):
        assert key in data["items"][0]
    assert data["maximum_credit"] == "15000000.00"
    # Every item's lendable value is its value x its advance rate when eligible, else 0;
    # the classes add up to the borrowing base (none is over its sublimit on this date).
    lendable = D(0)
    for item in data["items"]:
        expected = (D(item["value"]) * D(item["advance_rate"])).quantize(D("0.01"), ROUND_HALF_UP)
        assert D(item["lendable"]) == (expected if item["eligible"] else D(0)), item
        lendable += D(item["lendable"])
    assert D(data["borrowing_base"]) == lendable
    room = min(D(data["maximum_credit"]), lendable) - D(data["reserves"])
    assert D(data["availability"]) == room - D(data["outstanding"])
    assert D(data["overadvance"]) == max(D(data["outstanding"]) - room, D(0))


def test_a_bad_certificate_file_is_refused_with_file_and_field(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(EXAMPLE, book)
    cert = book / "certificates" / "bbc-2002-09-30.yaml"
    text = cert.read_text()
    cert.write_text(text.replace("location: vienna-oh", "location: atlantis", 1))
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    issue = exc.value.issues[0]
    assert issue.file == "certificates/bbc-2002-09-30.yaml"
    assert issue.field.endswith(".location") and "unknown location 'atlantis'" in issue.reason
    cert.write_text(text.replace("value: ", "value: -", 1))
    with pytest.raises(ValidationError, match="negative value"):
        read_book(book)
