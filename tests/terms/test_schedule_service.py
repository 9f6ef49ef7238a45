"""`schedule` agrees with `run`: balances net of prepayments and proceeds applications, and
interest net of the usury credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

from loanbook import services
from loanbook.book import Book
from loanbook.ledger import LineKind
from loanbook.loader import read_book
from tests.terms.test_validation import book


def test_balance_after_reflects_the_002_6g_prepayment(example_book: Book) -> None:
    rows = services.schedule(example_book, "lpc-second-restated-note").rows
    # 002 §6(g) prepays 418,118.00 of the 2,400,000.00 note on 1996-03-14 (inverse order of
    # maturity); the first installment of 50,000 on 1996-03-31 leaves
    # 2,400,000 - 418,118 - 50,000 = 1,931,882.00, the next 1,881,882.00, the last 0.00.
    assert (rows[0].due_date, rows[0].balance_after) == (date(1996, 3, 31), D("1931882.00"))
    assert rows[1].balance_after == D("1881882.00")
    assert rows[-1].balance_after == D("0.00")


def test_schedule_applies_the_usury_cap_as_run_does(tmp_path: Path) -> None:
    loaded = read_book(book(tmp_path, {"margin: 3%": "margin: 900%"}))
    first = services.schedule(loaded, "cit-note").rows[0]
    # LIBOR + 900% is above the 25% maximum of 003 ¶8: 104 days (1996-01-17 .. 04-29) at
    # 25%: 4,554,900 x 0.25 x 104 / 360 = 328,965.00.
    assert first.interest == D("328965.00")
    lines = loaded.run("cit-note", date(1996, 4, 30)).lines
    due = sum(ln.amount for ln in lines if ln.kind is LineKind.INTEREST_DUE)
    credit = sum(ln.amount for ln in lines if ln.kind is LineKind.USURY_CREDIT)
    assert due - credit == first.interest


def test_recorded_payments_do_not_count_twice_in_the_schedule(tmp_path: Path) -> None:
    # With excess_payment: inverse a recorded payment would reduce principal on top of the
    # schedule's own "paid when due": the schedule is the contract, payments are left out.
    edits = {
        "    acceleration:\n": "    excess_payment: {value: inverse, cite: 003 ¶1}\n"
        "    acceleration:\n"
    }
    plain = services.schedule(read_book(book(tmp_path / "a", edits)), "cit-note").rows
    pay = "date,loan,kind,amount,reference\n1996-04-30,cit-note,payment,205768.21,april\n"
    paid = read_book(book(tmp_path / "b", edits, files={"events/p.csv": pay}))
    assert services.schedule(paid, "cit-note").rows == plain
    assert plain[0].balance_after == D("4460006.25")  # 4,554,900.00 - 94,893.75
