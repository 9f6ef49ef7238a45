"""Term files: bitemporal amendments, citations, and precise errors on bad input."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook import services
from loanbook.book import Book
from loanbook.errors import ValidationError
from loanbook.ledger import LineKind
from loanbook.loader import read_book
from loanbook.terms.files import parse_term_file
from loanbook.terms.model import PeriodRule
from tests.conftest import EXAMPLE


def first_interest(book: Book, known_on: date | None) -> D:
    result = book.run("cit-note", date(1996, 4, 30), known_on)
    return next(ln.amount for ln in result.lines if ln.kind is LineKind.INTEREST_DUE)


def test_terms_carry_citations(example_book: Book) -> None:
    terms = example_book.loan_terms("cit-note", date(1996, 6, 1))
    assert terms.principal == D("4554900.00")
    assert terms.rate.margin == D("0.03")
    assert terms.cite("principal") == "003 ¶1"
    assert terms.cite("interest_rate_period").startswith("000 §2(b)")
    assert terms.cite("late_charge") == "003 ¶1 [assumed]"
    assert terms.cite("usury_max_rate") == "003 ¶8 [assumed]"


def test_retroactive_amendment_depends_on_known_on(example_book: Book) -> None:
    """000 §2(b), recorded 1996-02-29, changes the Interest Rate Periods from the loan date."""
    before = example_book.loan_terms("cit-note", date(1996, 1, 20), known_on=date(1996, 2, 1))
    after = example_book.loan_terms("cit-note", date(1996, 1, 20))
    assert before.interest_rate_period is PeriodRule.LOAN_DATE_MONTHLY
    assert after.interest_rate_period is PeriodRule.MONTH_END
    # As amended, real LIBOR: 4,554,900/360 x (14 x 8.62891% + 29 x 8.4375% + 31 x 8.3125%
    # + 30 x 8.4375%) = 12,652.50 x 8.7630474 = 110,874.46 (periods 01-17, 01-31, 02-29, 03-31).
    assert first_interest(example_book, None) == D("110874.46")
    # As known before: one-month periods from the 17th: 31 x 8.62891% + 29 x 8.375%
    # + 31 x 8.3125% + 13 x 8.4375% = 8.7774621 -> 12,652.50 x 8.7774621 = 111,056.84.
    assert first_interest(example_book, date(1996, 2, 28)) == D("111056.84")


def test_commitment_report(example_book: Book) -> None:
    report = services.commitment(example_book, "cit-facility", date(1996, 3, 1))
    data = services.commitment_json(report)
    # lesser of 5,500,000 and 2,600,000 + 1,785,000 + 640,000 = 5,025,000
    assert data["cap"] == "5025000.00"
    assert [p["amount"] for p in data["parts"]] == ["2600000.00", "1785000.00", "640000.00"]
    assert data["loans_made"][0]["loan"] == "cit-note"
    assert data["room"] == "470100.00"


def test_commitment_refusals(example_book: Book) -> None:
    from loanbook.engine.commitment import check_advance

    report = services.commitment(example_book, "cit-facility", date(1996, 3, 1))
    assert check_advance(report, D("400000"), date(1996, 3, 1)) == []
    fields = {i.field for i in check_advance(report, D("250000"), date(1996, 3, 1))}
    assert fields == {"minimum_loan"}
    fields = {i.field for i in check_advance(report, D("500000"), date(1996, 3, 1))}
    assert fields == {"cap"}
    late = services.commitment(example_book, "cit-facility", date(1996, 8, 1))
    issues = check_advance(late, D("400000"), date(1996, 8, 1))
    assert [i.field for i in issues] == ["termination"]
    assert "000 §2(c)" in issues[0].reason


def test_amendment_order_in_folder_does_not_matter(example_book: Book) -> None:
    reordered = Book(tuple(reversed(example_book.documents)), example_book.market)
    for day in (date(1996, 1, 17), date(1996, 3, 1), date(1999, 1, 1)):
        for known in (None, date(1996, 2, 1)):
            a = example_book.state(day, known)
            b = reordered.state(day, known)
            assert a == b


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    book = tmp_path / "book"
    shutil.copytree(EXAMPLE, book)
    path = book / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return book


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    book = _broken_copy(
        tmp_path, "003-cit-promissory-note.yaml", "  cit-note:\n", "  cit-note: [\n"
    )
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    issue = exc.value.issues[0]
    assert issue.file.endswith("003-cit-promissory-note.yaml")
    assert issue.field == "yaml" and issue.line is not None
    assert "malformed YAML" in issue.reason


def test_unknown_field_is_reported_with_line(tmp_path: Path) -> None:
    book = _broken_copy(tmp_path, "003-cit-promissory-note.yaml", "    maturity:", "    maturty:")
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    issue = exc.value.issues[0]
    assert issue.field == "loans.cit-note.maturty"
    assert issue.reason == "unknown field"
    lines = (book / "003-cit-promissory-note.yaml").read_text().splitlines()
    assert issue.line is not None and "maturty" in lines[issue.line - 1]


def test_negative_amount_is_reported(tmp_path: Path) -> None:
    book = _broken_copy(tmp_path, "003-cit-promissory-note.yaml", "4554900.00", "-4554900.00")
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    issue = exc.value.issues[0]
    assert issue.field == "loans.cit-note.principal.value"
    assert "must be more than zero" in issue.reason


def test_float_like_rate_without_percent_is_refused() -> None:
    text = (EXAMPLE / "003-cit-promissory-note.yaml").read_text().replace("margin: 3%", "margin: 3")
    with pytest.raises(ValidationError) as exc:
        parse_term_file(text, "note.yaml")
    assert exc.value.issues[0].field == "loans.cit-note.rate.value.margin"
    assert "percent" in exc.value.issues[0].reason


def test_unknown_index_is_reported(tmp_path: Path) -> None:
    book = _broken_copy(tmp_path, "003-cit-promissory-note.yaml", "index: LIBOR-1M", "index: SOFR")
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    # The events cannot run without SOFR fixings; without events the fixings may come later
    # (tests/terms/test_validation.py), and `validate` warns naming the term.
    assert "unknown index 'SOFR'" in str(exc.value)
    shutil.rmtree(book / "events")
    (warning,) = [w for w in read_book(book).warnings() if "SOFR" in str(w)]
    assert warning.field == "loans.cit-note.rate.index"


def test_event_before_the_loan_is_reported(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(EXAMPLE, book)
    (book / "events" / "bad.csv").write_text(
        "date,loan,kind,amount,reference\n1995-12-01,cit-note,payment,100.00,early\n"
        "1996-05-01,cit-note,payment,0.00,zero\n1996-05-01,nope,payment,5.00,unknown\n"
    )
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    text = str(exc.value)
    assert "early: date: 1995-12-01 is before loan cit-note starts (1996-01-17, 003 ¶1)" in text
    assert "zero: amount: must be positive, got 0.00" in text
    assert "unknown: loan: unknown loan 'nope'" in text


def test_malformed_event_row_names_file_and_line(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(EXAMPLE, book)
    (book / "events" / "bad.csv").write_text(
        "date,loan,kind,amount,reference\n1996-05-01,cit-note,payment,12x,r1\n"
    )
    with pytest.raises(ValidationError) as exc:
        read_book(book)
    issue = exc.value.issues[0]
    assert issue.file.endswith("bad.csv") and issue.line == 2 and issue.field == "amount"


def test_advance_events_replace_the_advance_from_the_terms(example_book: Book) -> None:
    from loanbook.engine import EventKind, LoanEvent

    first = LoanEvent(date(1996, 1, 17), "cit-note", EventKind.ADVANCE, D("4000000.00"), "a1")
    assert example_book.check_event(first) == []
    book = example_book.with_events((first,))
    result = book.run("cit-note", date(1996, 2, 1))
    assert result.position.principal_outstanding == D("4000000.00")
    too_much = LoanEvent(date(1996, 2, 1), "cit-note", EventKind.ADVANCE, D("600000.00"), "a2")
    issues = book.check_event(too_much)
    assert [i.field for i in issues] == ["amount"]
    assert "exceed the principal sum 4554900.00 of loan cit-note (003 ¶1)" in issues[0].reason
    late = LoanEvent(date(1996, 8, 1), "cit-note", EventKind.ADVANCE, D("100000.00"), "a3")
    issues = book.check_event(late)
    assert [i.field for i in issues] == ["date"]
    assert "terminated on 1996-07-31 (000 §2(c))" in issues[0].reason
