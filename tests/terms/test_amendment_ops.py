"""Amendments: ``delete``, changes below a term (nested paths), record time at its edge
(an amendment known on the very day it was recorded), and the citations that follow from
them through the engine. The book is the CIT fixture book plus one amendment written here."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.book import Book
from loanbook.ledger import LineKind
from loanbook.loader import read_book
from tests.conftest import CIT_BOOK

AMENDMENT = """\
document:
  id: AMD-9
  title: Amendment No. 2 (written for this test)
  kind: amendment
  date: 1996-06-01
  recorded: 1996-06-10
  amends: [cit-lsa]

changes:
  - op: delete
    path: loans.cit-note.late_charge
    effective: 1996-06-01
    cite: AMD-9 §1
  - op: replace
    path: loans.cit-note.rate.margin
    value: 2.5%
    effective: 1996-06-01
    cite: AMD-9 §2
  - op: replace
    path: loans.cit-note.waterfall.before_maturity
    value: [principal, interest]
    effective: 1996-06-01
    cite: AMD-9 §3
"""


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    folder = tmp_path_factory.mktemp("amended") / "book"
    shutil.copytree(CIT_BOOK, folder)
    (folder / "amd-9.yaml").write_text(AMENDMENT)
    return read_book(Path(folder))


def test_delete_removes_the_term_from_its_effective_date(book: Book) -> None:
    assert book.loan_terms("cit-note", date(1996, 5, 31)).late_charge is not None
    assert book.loan_terms("cit-note", date(1996, 6, 1)).late_charge is None
    # Known before it was recorded, the late charge is still there.
    assert (
        book.loan_terms("cit-note", date(1996, 6, 1), known_on=date(1996, 6, 9)).late_charge
        is not None
    )


def test_a_nested_change_replaces_only_that_part_and_cites_both_documents(book: Book) -> None:
    before = book.loan_terms("cit-note", date(1996, 5, 31))
    after = book.loan_terms("cit-note", date(1996, 6, 1))
    assert (before.rate.margin, after.rate.margin) == (D("0.03"), D("0.025"))
    assert after.rate.index == "LIBOR-1M"  # the rest of the rate term is untouched
    assert before.cite("rate") == "003 ¶1"
    assert after.cite("rate") == "003 ¶1; as amended by AMD-9 §2"
    assert after.waterfall.before_maturity == ("principal", "interest")
    assert after.waterfall.after_maturity == ("late_charge", "interest", "principal")


def test_an_amendment_is_known_on_the_day_it_is_recorded(book: Book) -> None:
    on_the_day = book.loan_terms("cit-note", date(1996, 7, 1), known_on=date(1996, 6, 10))
    day_before = book.loan_terms("cit-note", date(1996, 7, 1), known_on=date(1996, 6, 9))
    assert on_the_day.rate.margin == D("0.025")
    assert day_before.rate.margin == D("0.03")


def test_payments_cite_the_waterfall_in_force_when_they_were_applied(book: Book) -> None:
    # The 1996-05-31 remittance was applied under 003 ¶1 (interest, then principal), the
    # 1996-06-30 one under the amendment (principal, then interest): each cites its own.
    result = book.run("cit-note", date(1996, 6, 30))
    cites = [
        (ln.date, ln.component, ln.cite)
        for ln in result.lines
        if ln.kind is LineKind.PAYMENT_APPLIED and ln.date >= date(1996, 5, 31)
    ]
    assert cites == [
        (date(1996, 5, 31), "interest", "003 ¶1"),
        (date(1996, 5, 31), "principal", "003 ¶1"),
        (date(1996, 6, 30), "principal", "003 ¶1; as amended by AMD-9 §3"),
        (date(1996, 6, 30), "interest", "003 ¶1; as amended by AMD-9 §3"),
    ]


def test_june_interest_at_the_amended_margin(book: Book) -> None:
    # June accrues at LIBOR + 2.5% (from 06-01) instead of + 3%: the amended run's June
    # interest is lower by exactly principal x 0.5% x 29/360 (06-01..06-29), the Interest Rate
    # Period having started on 05-31 at + 3% for one day. Both runs have the same principal
    # (the same remittances applied in the same order up to 05-31).
    # The original: the book without AMD-9 (not the book as known on 1996-06-09, which
    # would not know the 1996-06-30 remittance either).
    amended = book.run("cit-note", date(1996, 6, 30))
    without = replace(book, documents=tuple(d for d in book.documents if d.id != "AMD-9"))
    original = without.run("cit-note", date(1996, 6, 30))

    def june(result) -> D:  # type: ignore[no-untyped-def]
        return next(
            ln.amount
            for ln in result.lines
            if ln.kind is LineKind.INTEREST_DUE and ln.date == date(1996, 6, 30)
        )

    balance = original.position.principal_outstanding + D("94893.75")  # before 06-30's due
    assert balance == D("4365112.50")  # 4,554,900 - 2 x 94,893.75
    # 4,365,112.50 x 0.5% x 29/360 = 632,941.3125 / 360 = 1,758.1703... -> 1,758.17
    assert june(original) - june(amended) == D("1758.17")
