"""Close of business over a few days (fast enough to run against every mutant of
``storage/close.py``): what a run reports, progress, a chosen set of loans, batches, a loan
not started yet, what the book learned about another loan (no correction), a correction on a
day already closed (its sequence numbers and what each reversal names), and another run
closing the same day meanwhile. Amounts worked by hand in the comments.

The CIT note starts 1996-01-17 at LIBOR-1M 5.62891% + 3% = 8.62891%, actual/360, on
4,554,900.00: 4,554,900 x 0.0862891 / 360 = 1,091.7728... a day, posted the next day on the
running total: 1,091.77 (01-18), 2,183.5457 -> 2,183.55: 1,091.78 (01-19), 3,275.3185 ->
3,275.32: 1,091.77 (01-20)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import LoanbookError
from loanbook.ledger.lines import Account, LineKind
from loanbook.storage.close import close_of_business, closed_through
from loanbook.storage.importer import import_folder
from loanbook.storage.postings import active
from loanbook.storage.record import record_event
from loanbook.storage.reports import ledger
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.test_record_checks import revolver_folder

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
LPC = "congress-revolver-lpc"


@pytest.fixture
def book(store: Store, tmp_path: Path) -> Store:
    import_folder(store, CIT_BOOK, IMPORTED)
    return store


def postings(store: Store) -> list[tuple[date, int, LineKind, D, tuple[date, int] | None]]:
    return [
        (p.posted_on, p.seq, p.line.kind, p.line.amount, p.reverses)
        for p in ledger(store, "cit-note").postings
    ]


def test_a_first_close_of_four_days(book: Store) -> None:
    calls: list[tuple[int, int]] = []
    report = close_of_business(
        book, date(1996, 1, 20), on_progress=lambda d, t: calls.append((d, t))
    )
    # 01-17..01-20: four loan-days; the advance (01-17) and three accruals
    assert postings(book) == [
        (date(1996, 1, 17), 0, LineKind.ADVANCE, D("4554900.00"), None),
        (date(1996, 1, 18), 0, LineKind.ACCRUAL, D("1091.77"), None),
        (date(1996, 1, 19), 0, LineKind.ACCRUAL, D("1091.78"), None),
        (date(1996, 1, 20), 0, LineKind.ACCRUAL, D("1091.77"), None),
    ]
    got = report.as_json()
    assert got["seconds"] >= 0
    del got["seconds"]
    assert got == {
        "to": "1996-01-20",
        "loans": 1,
        "loan_days": 4,
        "postings": 4,
        "reversals": 0,
        "corrected_loans": [],
        "failures": [],
    }
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert closed_through(book) == {"cit-note": date(1996, 1, 20)}


def test_the_next_close_starts_the_day_after_the_last(book: Store) -> None:
    close_of_business(book, date(1996, 1, 18))
    again = close_of_business(book, date(1996, 1, 18))
    assert (again.loans, again.loan_days, again.postings) == (0, 0, 0)
    later = close_of_business(book, date(1996, 1, 20))
    assert (later.loans, later.loan_days, later.postings) == (1, 2, 2)  # 01-19, 01-20
    assert [row[:4] for row in postings(book)][1:] == [
        (date(1996, 1, 18), 0, LineKind.ACCRUAL, D("1091.77")),
        (date(1996, 1, 19), 0, LineKind.ACCRUAL, D("1091.78")),
        (date(1996, 1, 20), 0, LineKind.ACCRUAL, D("1091.77")),
    ]
    # closing an earlier day than the last closed posts nothing
    assert close_of_business(book, date(1996, 1, 19)).loans == 0


def test_before_its_start_a_loan_is_not_closed(book: Store) -> None:
    report = close_of_business(book, date(1996, 1, 16))
    assert (report.loans, report.loan_days) == (0, 0)
    assert closed_through(book) == {}


def test_only_the_loans_asked_for(book: Store, tmp_path: Path) -> None:
    # The revolver (opened 2002-09-01 here) beside the note: closing to 2002-09-02 asks for
    # its two accounts only (2 days each); the note is left alone.
    import_folder(book, revolver_folder(tmp_path), IMPORTED)
    accounts = [LPC, "congress-revolver-lrg"]
    calls: list[tuple[int, int]] = []
    report = close_of_business(
        book,
        date(2002, 9, 2),
        loans=accounts,
        batch=1,
        on_progress=lambda d, t: calls.append((d, t)),
    )
    assert (report.loans, report.loan_days, report.postings) == (2, 4, 0)
    # one transaction per loan and day (batch=1): progress after each
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]
    assert closed_through(book) == {
        LPC: date(2002, 9, 2),
        "congress-revolver-lrg": date(2002, 9, 2),
    }


def test_an_event_of_another_loan_does_not_reopen_a_closed_one(book: Store, tmp_path: Path) -> None:
    import_folder(book, revolver_folder(tmp_path), IMPORTED)
    close_of_business(book, date(1996, 1, 20), loans=["cit-note"])
    advance = LoanEvent(date(2002, 10, 15), LPC, EventKind.ADVANCE, D("1000"), "adv", "adv-1")
    record_event(book, advance)
    report = close_of_business(book, date(1996, 1, 20), loans=["cit-note"])
    assert (report.loans, report.postings, report.corrected_loans) == (0, 0, ())


def test_a_late_event_corrects_a_day_already_closed(book: Store) -> None:
    close_of_business(book, date(1996, 1, 20))
    # Learned later: 100,000 prepaid on 01-18. From 01-18 the interest is on 4,454,900:
    # 4,454,900 x 0.0862891 / 360 = 1,067.8036... a day. Running totals: 1,091.7728 +
    # 1,067.8036 = 2,159.5764 -> 2,159.58: 1,067.81 (01-19); 3,227.3800 -> 3,227.38: 1,067.80
    # (01-20). The two accruals posted are reversed on 01-20 (after the one posting of that
    # day, seq 0) and the new lines posted after them.
    prepay = LoanEvent(
        date(1996, 1, 18), "cit-note", EventKind.PREPAYMENT, D("100000"), "pp", "pp-1"
    )
    record_event(book, prepay)
    report = close_of_business(book, date(1996, 1, 20))
    assert (report.loans, report.loan_days, report.reversals) == (1, 1, 2)
    assert report.corrected_loans == ("cit-note",)
    corrections = [row for row in postings(book) if row[0] == date(1996, 1, 20) and row[1] > 0]
    assert [(seq, reverses) for _, seq, _, _, reverses in corrections[:2]] == [
        (1, (date(1996, 1, 19), 0)),
        (2, (date(1996, 1, 20), 0)),
    ]
    assert [seq for _, seq, _, _, _ in corrections] == list(range(1, len(corrections) + 1))
    assert report.postings == len(corrections)
    accruals = [
        (p.line.date, p.line.amount)
        for p in active(ledger(book, "cit-note").postings)
        if p.line.kind is LineKind.ACCRUAL
    ]
    assert accruals == [
        (date(1996, 1, 18), D("1091.77")),
        (date(1996, 1, 19), D("1067.81")),
        (date(1996, 1, 20), D("1067.80")),
    ]
    # a reversal swaps the accounts of the line it reverses
    rev = ledger(book, "cit-note").postings[4]
    assert (rev.line.debit, rev.line.credit) == (Account.INTEREST_INCOME, Account.INTEREST_ACCRUED)
    # closing again: nothing left to correct
    assert close_of_business(book, date(1996, 1, 20)).loans == 0


def test_another_run_closing_the_same_day_meanwhile_is_reported(book: Store) -> None:
    # The other run closes 01-17..01-18 after this one planned and before it writes: this
    # run's first day is refused as a whole, nothing of it posted twice.
    def other_run(done: int, total: int) -> None:
        if done == 0:
            close_of_business(book, date(1996, 1, 18))

    with pytest.raises(LoanbookError) as exc:
        close_of_business(book, date(1996, 1, 18), on_progress=other_run)
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        book.name,
        "run",
        "another run closed 1996-01-17 for some of these loans meanwhile; nothing of this "
        "batch was posted; run again to continue",
    )
    assert [row[:2] for row in postings(book)] == [(date(1996, 1, 17), 0), (date(1996, 1, 18), 0)]


# A LIBOR-1M fixing of 1996-01-17 at 5.5%, learned after 01-17..01-20 were closed: the first
# Interest Rate Period bears 5.5% + 3% = 8.5% from 01-17. 4,554,900 x 0.085 / 360
# = 1,075.4625 a day; running totals 1,075.46 (01-18), 2,150.925 -> 2,150.93: 1,075.47
# (01-19), 3,226.3875 -> 3,226.39: 1,075.46 (01-20). Every accrual posted is reversed.
NEW_RATE = [
    (date(1996, 1, 18), D("1075.46")),
    (date(1996, 1, 19), D("1075.47")),
    (date(1996, 1, 20), D("1075.46")),
]


def accruals(store: Store) -> list[tuple[date, D]]:
    return [
        (p.line.date, p.line.amount)
        for p in active(ledger(store, "cit-note").postings)
        if p.line.kind is LineKind.ACCRUAL
    ]


def test_a_fixing_recorded_as_an_event_corrects_every_loan(book: Store) -> None:
    close_of_business(book, date(1996, 1, 20))
    fixing = LoanEvent(
        date(1996, 1, 17), "", EventKind.FIXING, D("5.5"), "late", "fx-1", (("index", "LIBOR-1M"),)
    )
    record_event(book, fixing)
    report = close_of_business(book, date(1996, 1, 20))
    assert (report.corrected_loans, report.reversals) == (("cit-note",), 3)
    assert accruals(book) == NEW_RATE


def test_a_rates_file_imported_later_corrects_every_loan(book: Store, tmp_path: Path) -> None:
    close_of_business(book, date(1996, 1, 20))
    folder = tmp_path / "late-rates"
    (folder / "rates").mkdir(parents=True)
    (folder / "rates" / "libor-late.csv").write_text(
        "index,date,rate_percent\nLIBOR-1M,1996-01-17,5.5\n"
    )
    import_folder(book, folder)
    report = close_of_business(book, date(1996, 1, 20))
    assert (report.corrected_loans, report.reversals) == (("cit-note",), 3)
    assert accruals(book) == NEW_RATE


def test_an_amendment_imported_later_corrects_the_loan(book: Store, tmp_path: Path) -> None:
    # The margin raised to 4% from the start, recorded after the close: 5.62891% + 4%
    # = 9.62891%. 4,554,900 x 0.0962891 / 360 = 1,218.2978... a day: running totals
    # 1,218.30 (01-18), 2,436.5957 -> 2,436.60: 1,218.30 (01-19), 3,654.8935 -> 3,654.89:
    # 1,218.29 (01-20).
    close_of_business(book, date(1996, 1, 20))
    folder = tmp_path / "amendment"
    folder.mkdir()
    (folder / "901.yaml").write_text(
        "document: {id: '901', title: Margin, kind: amendment, date: 1996-01-25}\n"
        "changes:\n"
        "  - {op: replace, path: loans.cit-note.rate.margin, value: 4%, effective: 1996-01-17,"
        " cite: 901 §1}\n"
    )
    import_folder(book, folder)
    report = close_of_business(book, date(1996, 1, 20))
    assert report.corrected_loans == ("cit-note",)
    assert accruals(book) == [
        (date(1996, 1, 18), D("1218.30")),
        (date(1996, 1, 19), D("1218.30")),
        (date(1996, 1, 20), D("1218.29")),
    ]
