"""What a payment beyond what is due does is a term of the note (`excess_payment`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.ledger import LineKind
from loanbook.loader import read_book
from tests.terms.test_validation import book

TERM = """    excess_payment:
      value: {order}
      cite: 003 ¶1
      note: every payment is applied first to interest and then to principal
"""


def lines_after_payment(tmp_path: Path, order: str | None) -> list[tuple[str, str, D, str]]:
    edits = (
        {"    acceleration:\n": TERM.format(order=order) + "    acceleration:\n"} if order else {}
    )
    loaded = read_book(book(tmp_path, edits))
    # Due on 1996-04-30: interest 110,874.46 (tests/terms/test_terms.py) + the first
    # installment 94,893.75 = 205,768.21; paid 305,768.21, i.e. 100,000.00 beyond it.
    pay = LoanEvent(date(1996, 4, 30), "cit-note", EventKind.PAYMENT, D("305768.21"), "p", "p")
    result = loaded.with_events((pay,)).run("cit-note", date(1996, 5, 1))
    return [
        (ln.kind.value, ln.term, ln.amount, ln.memo)
        for ln in result.lines
        if ln.event == "p" and ln.kind in (LineKind.PREPAYMENT_APPLIED, LineKind.UNAPPLIED)
    ]


def test_default_holds_the_excess_as_unapplied(tmp_path: Path) -> None:
    ((kind, _, amount, _),) = lines_after_payment(tmp_path, None)
    assert (kind, amount) == ("unapplied", D("100000.00"))


@pytest.mark.parametrize(
    ("order", "first", "second"),
    [
        # inverse: the last installment (48th, 2000-03-31) first, then 5,106.25 of the 47th.
        ("inverse", "installment 48 due 2000-03-31", "installment 47 due 2000-02-29"),
        # direct: the next installments (2nd, 1996-05-31) first.
        ("direct", "installment 2 due 1996-05-31", "installment 3 due 1996-06-30"),
    ],
)
def test_excess_applied_to_principal_in_the_order_the_note_says(
    tmp_path: Path, order: str, first: str, second: str
) -> None:
    found = lines_after_payment(tmp_path, order)
    assert [(k, t, a) for k, t, a, _ in found] == [
        ("prepayment_applied", "loans.cit-note.excess_payment", D("94893.75")),
        ("prepayment_applied", "loans.cit-note.excess_payment", D("5106.25")),
    ]
    assert found[0][3].startswith(first) and found[1][3].startswith(second)


AMENDMENT = """document: {id: "005", title: Waterfall amendment, kind: amendment, date: 1996-06-01}
changes:
  - op: replace
    path: loans.cit-note.waterfall
    value:
      before_maturity: [interest, principal]
      after_maturity: [interest, late_charge, principal]
    effective: 1996-06-01
    cite: 005 §1
"""


def test_a_payment_cites_the_waterfall_in_force_on_its_date(tmp_path: Path) -> None:
    # design note: the order AND its citation come from the terms in force on the payment date.
    loaded = read_book(book(tmp_path, files={"005.yaml": AMENDMENT}))
    april = LoanEvent(date(1996, 4, 30), "cit-note", EventKind.PAYMENT, D("205768.21"), "a", "a")
    june = LoanEvent(date(1996, 6, 30), "cit-note", EventKind.PAYMENT, D("1000.00"), "j", "j")
    result = loaded.with_events((april, june)).run("cit-note", date(1996, 7, 1))
    cites = {ln.event: ln.cite for ln in result.lines if ln.kind is LineKind.PAYMENT_APPLIED}
    assert cites["a"] == "003 ¶1"
    assert "005 §1" in cites["j"]
