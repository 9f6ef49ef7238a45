"""Close of business: posting day by day, idempotent reruns, corrections for what the book
learns late, and the earlier view kept (``known_on``). Figures checked by hand."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.ledger.lines import Account, LineKind
from loanbook.storage.audit import check
from loanbook.storage.close import close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.postings import active
from loanbook.storage.record import record_event
from loanbook.storage.reports import ledger, status
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK as EXAMPLE
from tests.storage.conftest import dump

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
LEARNED = datetime(2026, 2, 1, tzinfo=UTC)
END = date(1996, 12, 31)


@pytest.fixture
def book(store: Store) -> Store:
    import_folder(store, EXAMPLE, IMPORTED)
    return store


def _lines(store: Store, kind: LineKind, day: date) -> list[Decimal]:
    return [
        p.line.amount
        for p in active(ledger(store, "cit-note").postings)
        if p.line.kind is kind and p.line.date == day
    ]


def test_run_posts_every_day_as_the_engine_says(book: Store) -> None:
    report = close_of_business(book, END)
    assert (report.loans, report.loan_days, report.reversals) == (1, 350, 0)
    # 1996-01-17 .. 1996-12-31 is 350 days; the first accrual, for 1996-01-17, posted on the
    # 18th: 4,554,900.00 x (LIBOR 5.62891% + 3%) / 360 = 1,091.7733... -> 1,091.77
    assert _lines(book, LineKind.ACCRUAL, date(1996, 1, 18)) == [Decimal("1091.77")]
    # interest payable 1996-04-30 (the CIT remittance 205,768.21 = 94,893.75 + 110,874.46)
    assert _lines(book, LineKind.INTEREST_DUE, date(1996, 4, 30)) == [Decimal("110874.46")]
    now = status(book, END).loans[0]
    assert now.position is not None and now.source == "postings"  # closed through END
    # nine installments paid: 4,554,900.00 - 9 x 94,893.75
    assert now.position.principal_outstanding == Decimal("3700856.25")
    bal = ledger(book, "cit-note").balances
    assert bal[Account.PRINCIPAL_RECEIVABLE] + bal.get(Account.PRINCIPAL_DUE, Decimal(0)) == (
        Decimal("3700856.25")
    )
    replay = book.book().run("cit-note", END, daily=True).lines
    assert [p.line for p in ledger(book, "cit-note").postings] == list(replay)
    assert check(book).ok


def test_running_again_posts_nothing(book: Store) -> None:
    close_of_business(book, date(1996, 6, 30))
    close_of_business(book, END)
    once = dump(book)
    again = close_of_business(book, END)
    assert (again.loans, again.postings) == (0, 0)
    assert dump(book) == once
    # closing in two steps gives the same ledger as in one
    lines = [(p.posted_on, p.seq, p.line) for p in ledger(book, "cit-note").postings]
    replay = book.book().run("cit-note", END, daily=True).lines
    assert [line for _, _, line in lines] == list(replay)


def test_a_backdated_prepayment_is_corrected_and_the_old_view_kept(book: Store) -> None:
    close_of_business(book, END)
    before_learning = datetime.now(UTC)
    old_june = _lines(book, LineKind.INTEREST_DUE, date(1996, 6, 30))
    prepay = LoanEvent(
        date(1996, 6, 15),
        "cit-note",
        EventKind.PREPAYMENT,
        Decimal("100000"),
        "late notice",
        "pp-1",
    )
    record_event(book, prepay, LEARNED)
    assert check(book).pending == ["cit-note"] and check(book).ok
    report = close_of_business(book, END)
    assert report.corrected_loans == ("cit-note",) and report.reversals > 0
    assert report.loan_days == 1  # the corrections are posted on the last day closed
    new_june = _lines(book, LineKind.INTEREST_DUE, date(1996, 6, 30))
    # June's Interest Rate Period (05-31..06-29, 30 days) at LIBOR 5.4375% (the fixing in
    # force on 1996-05-31, the period start) + 3% = 8.4375%, actual/360, on 4,365,112.50
    # (4,554,900 - 2 x 94,893.75): 4,365,112.50 x 0.084375 x 30/360 = 30,692.197265625
    # -> 30,692.20. With 100,000 less principal for 15 days (06-15..06-29):
    # 100,000 x 0.084375 x 15/360 = 351.5625 less, 30,340.634765625 -> 30,340.63.
    assert (old_june, new_june) == ([Decimal("30692.20")], [Decimal("30340.63")])
    full = ledger(book, "cit-note")
    assert Counter(p.line for p in active(full.postings)) == Counter(
        book.book().run("cit-note", END, daily=True).lines
    )
    result = check(book)
    assert result.ok and result.pending == [] and not result.replay_mismatches
    # The view before the book learned of it: status and ledger as known on that day
    now_st = status(book, END).loans[0].position
    old_st = status(book, END, known_on=date(2026, 1, 15)).loans[0].position
    assert now_st is not None and old_st is not None
    assert old_st.principal_outstanding == Decimal("3700856.25")
    assert now_st.principal_outstanding == Decimal("3600856.25")
    old_ledger = ledger(book, "cit-note", known_on=before_learning)
    # 410 postings by 1996-12-31, derived in tests/storage/test_cli_store.py
    assert len(old_ledger.postings) == 410 and len(full.postings) > 410
    assert all(p.reverses is None for p in old_ledger.postings)


AMENDMENT = """\
document:
  id: "900"
  title: Amendment raising the margin (invented for a test)
  kind: amendment
  date: 1996-12-15
changes:
  - op: replace
    path: loans.cit-note.rate
    value:
      index: LIBOR-1M
      margin: 4%
      reset: period_start
    effective: 1996-10-31
    cite: 900 §1
"""


def test_a_retroactive_amendment_recomputes_what_follows(book: Store, tmp_path: Path) -> None:
    close_of_business(book, END)
    old_nov = _lines(book, LineKind.INTEREST_DUE, date(1996, 11, 30))
    folder = tmp_path / "amendment"
    folder.mkdir()
    (folder / "900-margin.yaml").write_text(AMENDMENT)
    assert import_folder(book, folder).documents_added == ("900",)
    report = close_of_business(book, date(1997, 1, 2))
    assert report.corrected_loans == ("cit-note",)
    new_nov = _lines(book, LineKind.INTEREST_DUE, date(1996, 11, 30))
    # one more percent from Oct 31: 12 days on 3,985,537.50 (installment 7, due Oct 31, was
    # paid Nov 12) and 18 days on 3,890,643.75: 0.01 x (47,826,450 + 70,031,587.5) / 360
    # = 3,273.834375. In full, (12 x 3,985,537.50 + 18 x 3,890,643.75) = 117,858,037.50 at
    # LIBOR 5.375% (fixing of 1996-10-31) + 3% = 8.375%: / 360 = 27,418.362890625 -> 27,418.36;
    # at + 4% = 9.375%: 30,692.197265625 -> 30,692.20.
    assert (old_nov, new_nov) == ([Decimal("27418.36")], [Decimal("30692.20")])
    # as known on 1996-12-01 (before the amendment was recorded on 1996-12-15): old terms
    old = status(book, END, known_on=date(1996, 12, 1)).loans[0]
    assert old.statement is not None and old.statement.known_on == date(1996, 12, 1)
    assert check(book).ok


def test_a_loan_that_fails_is_reported_and_the_others_posted(book: Store, tmp_path: Path) -> None:
    # A standalone note on an index whose fixings are to be supplied later (validate warns;
    # a note whose index has no fixing at its start is refused at import).
    text = (EXAMPLE / "003-cit-promissory-note.yaml").read_text()
    text = text.replace('id: "003"', 'id: "T01"').replace("cit-note:", "early-note:")
    text = text.replace("value: 1996-01-17", "value: 1995-06-01").replace("LIBOR-1M", "LIBOR-6M")
    text = text.replace("    facility:\n      value: cit-facility\n      cite: 003 ¶2\n", "")
    folder = tmp_path / "early"
    folder.mkdir()
    (folder / "t01.yaml").write_text(text)
    import_folder(book, folder)
    report = close_of_business(book, date(1996, 2, 1))
    ((loan, issues),) = report.failures
    assert loan == "early-note"
    assert "unknown index 'LIBOR-6M'" in str(issues[0])
    assert report.loans == 1 and report.loan_days == 16  # cit-note: Jan 17 .. Feb 1
