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

import os
import sys
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import LoanbookError
from loanbook.ledger.lines import Account, LineKind
from loanbook.storage.close import DAYS, RunReport, close_of_business, closed_through
from loanbook.storage.importer import import_folder
from loanbook.storage.postings import active
from loanbook.storage.record import record_event
from loanbook.storage.reports import ledger
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import dump, writers
from tests.storage.test_record_checks import revolver_folder

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
LPC = "congress-revolver-lpc"
# What `loanbook run` prints for a note on an index the book has no fixings of (the CIT
# book's rates files hold LIBOR-1M and PRIME).
FAILURE = "rates: LIBOR-6M: unknown index 'LIBOR-6M' (known: LIBOR-1M, PRIME)"


# SQLite unless a test says otherwise: the code under test is the same on both databases;
# the tests where the database's own behaviour matters (timestamps, sequence numbers read
# back with SQL, a conflicting insert by another run) run on PostgreSQL too.
@pytest.fixture
def db_kind() -> str:
    return "sqlite"


BOTH = pytest.mark.parametrize("db_kind", ["sqlite", "postgresql"])


@pytest.fixture
def book(store: Store, tmp_path: Path) -> Store:
    import_folder(store, CIT_BOOK, IMPORTED)
    return store


def postings(store: Store) -> list[tuple[date, int, LineKind, D, tuple[date, int] | None]]:
    return [
        (p.posted_on, p.seq, p.line.kind, p.line.amount, p.reverses)
        for p in ledger(store, "cit-note").postings
    ]


@BOTH
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
    assert got["seconds"] >= got["write_seconds"] >= 0  # the writes are part of the run
    assert got["write_cpu_seconds"] >= 0
    del got["seconds"], got["write_seconds"], got["write_cpu_seconds"]
    assert got == {
        "to": "1996-01-20",
        "loans": 1,
        "loan_days": 4,
        "postings": 4,
        "reversals": 0,
        "corrected_loans": [],
        "failures": [],
    }
    # the four days in one transaction (up to ``DAYS`` a transaction): progress after it
    assert DAYS >= 4
    assert calls == [(0, 4), (4, 4)]
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
    # one transaction per loan (batch=1) and its two days: progress after each
    assert calls == [(0, 4), (2, 4), (4, 4)]
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


@BOTH
@pytest.mark.parametrize("process_from", [None, 0], ids=["thread", "process"])
def test_another_run_closing_the_same_day_meanwhile_is_reported(
    book: Store, process_from: int | None
) -> None:
    # The other run closes 01-17..01-18 after this one planned and before it writes: this
    # run's first transaction (the two days) is refused as a whole, nothing of it posted twice;
    # the same one line from the writer thread (a small run's) and the writer process.
    def other_run(done: int, total: int) -> None:
        if done == 0:
            close_of_business(book, date(1996, 1, 18))

    with pytest.raises(LoanbookError) as exc:
        close_of_business(book, date(1996, 1, 18), on_progress=other_run, process_from=process_from)
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        book.name,
        "run",
        "another run closed 1996-01-17 to 1996-01-18 for some of these loans meanwhile; nothing "
        "of this batch was posted; run again to continue",
    )
    assert [row[:2] for row in postings(book)] == [(date(1996, 1, 17), 0), (date(1996, 1, 18), 0)]
    assert len(dump(book)["closes"]) == 2  # the other run's
    if sys.platform.startswith("linux"):
        assert writers(os.getpid()) == []


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


def test_the_report_as_json_rounds_seconds_to_the_millisecond() -> None:
    report = RunReport(date(1996, 1, 20), 0, 0, 0, 0, (), (), 1.23456)
    assert report.as_json()["seconds"] == 1.235


def note_copy(folder: Path, doc: str, loan: str) -> Path:
    """The CIT note as another standalone note (no facility)."""
    text = (CIT_BOOK / "003-cit-promissory-note.yaml").read_text()
    text = text.replace('id: "003"', f'id: "{doc}"').replace("cit-note:", f"{loan}:")
    text = text.replace("    facility:\n      value: cit-facility\n      cite: 003 ¶2\n", "")
    folder.mkdir(parents=True)
    (folder / f"{doc}.yaml").write_text(text)
    return folder


def test_a_failing_loan_in_the_report_as_json(book: Store, tmp_path: Path) -> None:
    # A note on LIBOR-6M, an index with no fixings in the book: its run fails, the CIT note
    # is posted (01-17, 01-18).
    text = (CIT_BOOK / "003-cit-promissory-note.yaml").read_text()
    text = text.replace('id: "003"', 'id: "T01"').replace("cit-note:", "early-note:")
    text = text.replace("value: 1996-01-17", "value: 1995-06-01").replace("LIBOR-1M", "LIBOR-6M")
    text = text.replace("    facility:\n      value: cit-facility\n      cite: 003 ¶2\n", "")
    (tmp_path / "early").mkdir()
    (tmp_path / "early" / "t01.yaml").write_text(text)
    import_folder(book, tmp_path / "early")
    # the failing loan asked for first: the loans after it are still closed
    got = close_of_business(book, date(1996, 1, 18), loans=["early-note", "cit-note"]).as_json()
    assert (got["loans"], got["loan_days"], got["postings"]) == (1, 2, 2)
    assert got["failures"] == [{"loan": "early-note", "errors": [FAILURE]}]


def seqs(store: Store, loan: str, day: date) -> list[int]:
    return [p.seq for p in ledger(store, loan).postings if p.posted_on == day]


def prepay(loan: str, day: date, key: str) -> LoanEvent:
    return LoanEvent(day, loan, EventKind.PREPAYMENT, D("100000"), "pp", key)


@BOTH
def test_corrections_number_their_postings_per_loan_and_day(book: Store, tmp_path: Path) -> None:
    # A second note, the CIT note's twin. Both closed to 01-20 (one posting a day, seq 0).
    # The twin corrected on 01-20 first: its postings there are numbered 0, 1, 2, ...; the
    # CIT note's correction on the same day then starts at 1 (after its own posting), not
    # after the twin's. Closed to 01-21 and corrected again there: from 1 again.
    import_folder(book, note_copy(tmp_path / "twin", "T02", "twin-note"))
    close_of_business(book, date(1996, 1, 20))
    record_event(book, prepay("twin-note", date(1996, 1, 18), "pp-twin"))
    close_of_business(book, date(1996, 1, 20))
    twin = seqs(book, "twin-note", date(1996, 1, 20))
    assert twin == list(range(len(twin))) and len(twin) > 2
    record_event(book, prepay("cit-note", date(1996, 1, 18), "pp-1"))
    # the two accruals of 01-19 and 01-20 reversed, the twin's postings left alone
    assert close_of_business(book, date(1996, 1, 20)).reversals == 2
    assert seqs(book, "twin-note", date(1996, 1, 20)) == twin
    cit = seqs(book, "cit-note", date(1996, 1, 20))
    assert cit == list(range(len(cit))) and len(cit) > 2
    close_of_business(book, date(1996, 1, 21))
    assert seqs(book, "cit-note", date(1996, 1, 21)) == [0]
    record_event(book, prepay("cit-note", date(1996, 1, 19), "pp-2"))
    close_of_business(book, date(1996, 1, 21))
    again = seqs(book, "cit-note", date(1996, 1, 21))
    assert again == list(range(len(again))) and len(again) > 1


def test_a_correction_on_a_day_with_no_posting_starts_at_zero(book: Store, tmp_path: Path) -> None:
    # The revolving account closed to 2002-09-05 with nothing outstanding (no postings).
    # Learned later: 1,000 advanced 09-02, at Prime 4.75% + 1.5% = 6.25% (the assumed
    # pre-004 margin): 1,000 x 6.25% / 360 = 0.173611... a day; running totals 0.17, 0.35
    # (0.347222...), 0.52 (0.520833...): 0.17, 0.18, 0.17, posted on 09-05 from seq 0.
    import_folder(book, revolver_folder(tmp_path), IMPORTED)
    close_of_business(book, date(2002, 9, 5), loans=[LPC])
    assert ledger(book, LPC).postings == ()
    record_event(book, LoanEvent(date(2002, 9, 2), LPC, EventKind.ADVANCE, D("1000"), "a", "a-1"))
    close_of_business(book, date(2002, 9, 5), loans=[LPC])
    assert [
        (p.posted_on, p.seq, p.line.date, p.line.kind, p.line.amount)
        for p in ledger(book, LPC).postings
    ] == [
        (date(2002, 9, 5), 0, date(2002, 9, 2), LineKind.ADVANCE, D("1000.00")),
        (date(2002, 9, 5), 1, date(2002, 9, 3), LineKind.ACCRUAL, D("0.17")),
        (date(2002, 9, 5), 2, date(2002, 9, 4), LineKind.ACCRUAL, D("0.18")),
        (date(2002, 9, 5), 3, date(2002, 9, 5), LineKind.ACCRUAL, D("0.17")),
    ]


def test_reversals_add_up_over_the_batches_of_a_run(book: Store, tmp_path: Path) -> None:
    # Both notes learn of a prepayment on 01-18 after 01-20 was closed: two accruals each
    # reversed, in two transactions (one loan each): 4 reversals in the run.
    import_folder(book, note_copy(tmp_path / "twin", "T02", "twin-note"))
    close_of_business(book, date(1996, 1, 20))
    record_event(book, prepay("twin-note", date(1996, 1, 18), "pp-twin"))
    record_event(book, prepay("cit-note", date(1996, 1, 18), "pp-1"))
    report = close_of_business(book, date(1996, 1, 20), batch=1)
    assert (report.loans, report.reversals) == (2, 4)


def test_a_loan_closed_on_its_first_day(book: Store) -> None:
    report = close_of_business(book, date(1996, 1, 17))
    assert (report.loans, report.loan_days, report.postings) == (1, 1, 1)  # the advance
