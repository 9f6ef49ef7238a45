"""Recording events: the paths the first checks left to the example book, on small books.

Compliance refusing an election and an advance (the whole book's events judged), a proceeds
application paying into a revolving account, stored applications counted in a later check,
a correction refused by the facility run, a correction naming another loan's key, two
corrections in one input, the smallest positive amount on an account, and ``record_event``
with its own time. The book: the CIT note (1996 payments) and the Congress revolver of the
golden case opened 1996-09-01 (so that each facility run is a few weeks long).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, ValidationError
from loanbook.storage.importer import import_folder
from loanbook.storage.record import Incoming, insert_events, log, record_event, record_events
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.golden.test_golden import CASES, parse_case

LPC = "congress-revolver-lpc"
LRG = "congress-revolver-lrg"
IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)

# A deadline missed (an Event of Default of the revolver from the day after it) and the
# representation "no Event of Default" made on each advance on LPC's account.
CONDITION = """\
document:
  id: cp-test
  title: Deadline and representation of the revolving loans (test)
  kind: amendment
  date: 1996-09-01
compliance:
  conditions:
    audit-letter:
      what: the auditors' letter on LPC's 1995 statements
      from_party: LPC
      due: 1996-09-30
      default_on_miss: true
      facility: congress-revolver
      cite: cp-test §1
  representations:
    no-default:
      loan: congress-revolver-lpc
      facility: congress-revolver
      cite: cp-test §2
"""


def revolver_folder(tmp_path: Path, condition: bool = False) -> Path:
    files, _ = parse_case((CASES / "congress-revolver-004-default-rate.case").read_text())
    folder = tmp_path / "revolver"
    for name, text in files.items():
        if name.startswith("events/"):
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("value: 1996-01-01\n", "value: 1996-09-01\n"))
    if condition:
        (folder / "cp-test.yaml").write_text(CONDITION)
    return folder


@pytest.fixture
def db_kind() -> str:
    return "sqlite"


@pytest.fixture
def book(store: Store, tmp_path: Path) -> Store:
    import_folder(store, CIT_BOOK, IMPORTED)
    import_folder(store, revolver_folder(tmp_path), IMPORTED)
    return store


def ev(
    day: date,
    loan: str,
    kind: EventKind,
    amount: str | None,
    key: str,
    ref: str = "",
    detail: tuple[tuple[str, str], ...] = (),
) -> LoanEvent:
    return LoanEvent(day, loan, kind, None if amount is None else D(amount), ref, key, detail)


def refused(store: Store, *items: Incoming) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        record_events(store, list(items))
    return [str(i) for i in exc.value.issues]


def keys(store: Store, loan: str) -> list[str]:
    return [s.event.key for s in log(store, loan)]


# -- compliance ---------------------------------------------------------------------------
def test_an_election_compliance_refuses_is_named_by_its_row(book: Store) -> None:
    """CIT's October 1996 installment (due 10-31) was paid on 11-12; with 10 days' grace
    (cit-lsa §7.1(a)) the Event of Default occurs on 11-11 (10-31 + 11 days), so CIT may
    accelerate (003 ¶5) from 11-11, not on 11-05. Judged with the stored payments: without
    them every installment since April would be unpaid and the acceleration allowed."""
    early = ev(date(1996, 11, 5), "cit-note", EventKind.ACCELERATION, None, "acc-1", "notice")
    advance = ev(date(1996, 11, 5), LPC, EventKind.ADVANCE, "1000.00", "adv-0", "adv")
    got = refused(book, Incoming(advance, "e.csv", 2), Incoming(early, "e.csv", 3))
    assert got == [
        "e.csv:3: date: acceleration on cit-note refused on 1996-11-05: no Event of Default "
        "continues unwaived and the term has not ended (003 ¶5)"
    ]
    on_time = ev(date(1996, 11, 11), "cit-note", EventKind.ACCELERATION, None, "acc-2", "notice")
    assert record_events(book, [Incoming(on_time, "e.csv", 4)]).added == ("acc-2",)


def test_an_advance_is_refused_while_its_representation_would_be_false(
    store: Store, tmp_path: Path
) -> None:
    # The letter was due 1996-09-30 and never came: the Event of Default
    # "deadline:audit-letter" occurs on 10-01 and continues, unwaived, on 10-15, so an advance
    # on LPC's account would make the representation false (the fee on the note is not gated).
    import_folder(store, CIT_BOOK, IMPORTED)
    import_folder(store, revolver_folder(tmp_path, condition=True), IMPORTED)
    note_payment = ev(date(1996, 10, 1), "cit-note", EventKind.FEE, "25.00", "fee-1", "fee")
    advance = ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, "1000.00", "adv-1", "adv")
    assert refused(store, Incoming(note_payment, "a.csv", 2), Incoming(advance, "a.csv", 3)) == [
        "a.csv:3: date: advance on congress-revolver-lpc refused on 1996-10-15: the "
        "representation 'no Event of Default' (cp-test §2) would be false: "
        "deadline:audit-letter"
    ]
    assert keys(store, LPC) == []
    # no representation is made on the other account's advances
    other = ev(date(1996, 10, 15), LRG, EventKind.ADVANCE, "1000.00", "adv-2", "adv")
    assert record_events(store, [Incoming(other, "a.csv", 4)]).added == ("adv-2",)


# -- revolving accounts -------------------------------------------------------------------
def application(day: date, amount: str, prepay: str, key: str) -> LoanEvent:
    detail = (("account", LPC), ("cite", "002 §6(g)"), ("prepay", prepay))
    return ev(day, "cit-note", EventKind.APPLICATION, amount, key, "wire", detail)


def test_an_application_pays_its_balance_into_the_account(book: Store) -> None:
    # 5,000.00 received: 1,000.00 prepays the note, the balance 4,000.00 goes to LPC's
    # account, which owes nothing (0.00): refused, named by the balance's reference (not a
    # row of the input: the derived payment is reported as the account's run names it).
    app = application(date(1996, 10, 16), "5000.00", "1000.00", "app-1")
    assert refused(book, Incoming(app, "p.csv", 2)) == [
        "wire (balance): amount: repayment 4000.00 exceeds the balance 0.00"
    ]


def test_a_stored_application_counts_in_a_later_repayment(book: Store) -> None:
    # 10,000.00 advanced 10-15; 10-16 an application pays 5,000.00 - 1,000.00 = 4,000.00 to
    # the account: 6,000.00 owed (interest is charged to the account only on 11-01).
    advance = ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, "10000.00", "adv-1", "adv")
    record_events(book, [Incoming(advance, "r.csv", 2)])
    app = application(date(1996, 10, 16), "5000.00", "1000.00", "app-1")
    assert record_events(book, [Incoming(app, "p.csv", 2)]).added == ("app-1",)
    over = ev(date(1996, 10, 20), LPC, EventKind.PAYMENT, "6000.01", "rep-1", "rep")
    # a note event first in the input: the account's check is not skipped after it
    fee = ev(date(1996, 10, 20), "cit-note", EventKind.FEE, "25.00", "fee-1", "fee")
    assert refused(book, Incoming(fee, "s.csv", 2), Incoming(over, "s.csv", 3)) == [
        "s.csv:3: amount: repayment 6000.01 exceeds the balance 6000.00 (event rep-1)"
    ]
    ok = ev(date(1996, 10, 20), LPC, EventKind.PAYMENT, "6000.00", "rep-2", "rep")
    assert record_events(book, [Incoming(ok, "s.csv", 4)]).added == ("rep-2",)


def test_a_correction_the_facility_refuses_names_the_stored_event(book: Store) -> None:
    # 10,000.00 advanced, 6,000.00 repaid: reversing the advance leaves a repayment of
    # 6,000.00 against a balance of 0; the refusal names the stored repayment (its reference).
    advance = ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, "10000.00", "adv-1", "adv")
    repay = ev(date(1996, 10, 20), LPC, EventKind.PAYMENT, "6000.00", "rep-1", "stored rep")
    record_events(book, [Incoming(advance, "r.csv", 2), Incoming(repay, "r.csv", 3)])
    undo = ev(
        date(1996, 10, 21), LPC, EventKind.CORRECTION, None, "c-1", "fix", (("reverses", "adv-1"),)
    )
    assert refused(book, Incoming(undo, "c.csv", 2)) == [
        "stored rep: amount: repayment 6000.00 exceeds the balance 0.00"
    ]


def test_the_smallest_amount_on_an_account_is_one_cent_and_one_dollar_is_fine(
    book: Store,
) -> None:
    one = ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, "1.00", "adv-1", "adv")
    cent = ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, "0.01", "adv-2", "adv")
    assert record_events(book, [Incoming(one, "r.csv", 2), Incoming(cent, "r.csv", 3)]).added == (
        "adv-1",
        "adv-2",
    )


# -- corrections --------------------------------------------------------------------------
def correction(target: str, key: str, loan: str = "cit-note") -> LoanEvent:
    return ev(
        date(1996, 12, 31), loan, EventKind.CORRECTION, None, key, "fix", (("reverses", target),)
    )


def test_a_correction_reverses_an_event_of_its_own_loan_only(book: Store) -> None:
    advance = ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, "1000.00", "adv-1", "adv")
    record_events(book, [Incoming(advance, "r.csv", 2)])
    assert refused(book, Incoming(correction("adv-1", "c-1"), "c.csv", 2)) == [
        "c.csv:2: reverses: no event with key 'adv-1' for loan cit-note (event c-1)"
    ]


def test_two_corrections_of_different_events_in_one_input(book: Store) -> None:
    a = ev(date(1996, 12, 31), "cit-note", EventKind.FEE, "25.00", "fee-a", "a")
    b = ev(date(1996, 12, 31), "cit-note", EventKind.FEE, "30.00", "fee-b", "b")
    record_events(book, [Incoming(a), Incoming(b)])
    done = record_events(
        book, [Incoming(correction("fee-a", "c-a")), Incoming(correction("fee-b", "c-b"))]
    )
    assert done.added == ("c-a", "c-b")


# -- record_event ---------------------------------------------------------------------------
def test_record_event_keeps_the_time_given(book: Store) -> None:
    stamp = datetime(1996, 11, 2, 9, 30, tzinfo=UTC)
    fee = ev(date(1996, 10, 31), "cit-note", EventKind.FEE, "25.00", "fee-1", "fee")
    assert record_event(book, fee, stamp).added == ("fee-1",)
    (stored,) = [s for s in log(book, "cit-note") if s.event.key == "fee-1"]
    assert (stored.source, stored.recorded_at) == ("cli", stamp)


# -- a note's history: stored events and earlier rows of the same input -------------------
def prepayment(amount: str, key: str = "", day: date = date(1996, 12, 16)) -> LoanEvent:
    return ev(day, "cit-note", EventKind.PREPAYMENT, amount, key, "prepay")


# The CIT note's principal is 4,554,900.00 and 1996's nine payments total 1,203,473.22
# (205,768.21 + 127,298.48 + 125,585.95 + 126,135.00 + 125,328.39 + 123,584.28
#  + 124,580.78 + 122,312.11 + 122,880.82), so on 1996-12-16 the principal not yet due is
# between 4,554,900.00 - 1,203,473.22 = 3,351,426.78 and 4,554,900.00: one prepayment of
# 2,300,000.00 fits, two (4,600,000.00) do not.
TOO_MUCH = "prepayment 2300000.00 exceeds the principal not yet due "


def test_a_prepayment_is_checked_with_the_earlier_rows_of_the_input(book: Store) -> None:
    first = Incoming(prepayment("2300000.00", "p-1"), "p.csv", 2)
    second = Incoming(prepayment("2300000.00", "p-2"), "p.csv", 3)
    with pytest.raises(ValidationError) as exc:
        record_events(book, [first, second])
    (issue,) = exc.value.issues
    assert (issue.file, issue.line, issue.field, issue.event) == ("p.csv", 3, "amount", "p-2")
    assert issue.reason.startswith(TOO_MUCH) and issue.reason.endswith(" of loan cit-note")


def test_a_prepayment_is_checked_with_the_stored_ones(book: Store) -> None:
    assert record_events(book, [Incoming(prepayment("2300000.00", "p-1"))]).added == ("p-1",)
    with pytest.raises(ValidationError) as exc:
        record_events(book, [Incoming(prepayment("2300000.00", "p-2"), "p.csv", 7)])
    (issue,) = exc.value.issues
    assert (issue.file, issue.line, issue.field, issue.event) == ("p.csv", 7, "amount", "p-2")
    assert issue.reason.startswith(TOO_MUCH)


def test_the_same_prepayment_row_in_two_files_is_one_prepayment(book: Store) -> None:
    # checked once: were the second row checked again, the two would exceed the principal
    row = prepayment("2300000.00")
    done = record_events(book, [Incoming(row, "a.csv", 2), Incoming(row, "b.csv", 2)])
    key = "cit-note/prepayment/1996-12-16/2300000/prepay"
    assert (done.added, done.existing) == ((key,), (key,))


# -- an input's rows: every problem, each once -------------------------------------------
def test_a_key_repeated_after_a_refused_row_and_the_rows_after_it(book: Store) -> None:
    zero = ev(date(1996, 12, 31), "cit-note", EventKind.FEE, "0", "k", "fee")
    again = ev(date(1996, 12, 31), "cit-note", EventKind.FEE, "5.00", "k", "fee")
    stray = ev(date(1996, 12, 31), "nowhere", EventKind.FEE, "1.00", "s", "fee")
    assert refused(
        book, *(Incoming(e, "e.csv", n) for n, e in enumerate((zero, again, stray), 2))
    ) == [
        "e.csv:2: amount: must be positive, got 0 (event k)",
        "e.csv:3: key: 'k' is also the key of e.csv:2 (fee 0 on 1996-12-31 for cit-note); "
        "a key names one event (event k)",
        # 1.00 is a positive amount: only the loan is wrong
        "e.csv:4: loan: unknown loan 'nowhere' (known: cit-note, congress-revolver-lpc, "
        "congress-revolver-lrg) (event s)",
    ]


def test_rows_after_one_already_recorded_are_recorded(book: Store) -> None:
    a = ev(date(1996, 12, 31), "cit-note", EventKind.FEE, "25.00", "fee-a", "a")
    b = ev(date(1996, 12, 31), "cit-note", EventKind.FEE, "30.00", "fee-b", "b")
    record_events(book, [Incoming(a)])
    done = record_events(book, [Incoming(a), Incoming(b)])
    assert (done.added, done.existing) == (("fee-b",), ("fee-a",))


def test_compliance_is_not_asked_while_a_row_is_refused(book: Store) -> None:
    # the acceleration of 11-05 alone is refused by compliance (see above); with a refused
    # row before it, only that row's problem is reported
    zero = ev(date(1996, 11, 5), "cit-note", EventKind.FEE, "0", "f-0", "fee")
    early = ev(date(1996, 11, 5), "cit-note", EventKind.ACCELERATION, None, "acc-1", "notice")
    assert refused(book, Incoming(zero, "e.csv", 2), Incoming(early, "e.csv", 3)) == [
        "e.csv:2: amount: must be positive, got 0 (event f-0)"
    ]


# -- a book stored before the parser was strict ------------------------------------------
def test_a_stored_event_that_no_longer_runs_is_named_when_its_loan_is_checked(
    book: Store,
) -> None:
    # 10^16 is above the largest amount any input accepts (10^15, "1,000,000,000,000,000"):
    # written straight into the log (as an old book would hold it), each loan's next check
    # names it and says how to undo it.
    huge = "10000000000000000"
    with book.write() as conn:
        insert_events(
            conn,
            [
                Incoming(ev(date(1996, 10, 15), LPC, EventKind.ADVANCE, huge, "big-1", "old")),
                Incoming(ev(date(1996, 10, 15), "cit-note", EventKind.FEE, huge, "big-2", "old")),
            ],
        )
    bound = "is outside the range of an amount (at most 1,000,000,000,000,000): event "
    advance = ev(date(1996, 10, 16), LPC, EventKind.ADVANCE, "1000.00", "adv-1", "adv")
    (issue,) = issues(book, Incoming(advance, "a.csv", 2))
    assert (issue.file, issue.field, issue.line) == ("old", "amount", None)
    assert issue.reason.startswith(huge + " " + bound)
    assert issue.reason.endswith("cannot be run; record a correction with --reverses big-1")
    (issue,) = issues(book, Incoming(prepayment("1000.00", "p-1"), "p.csv", 2))
    assert (issue.file, issue.field, issue.line, issue.event) == ("p.csv", "amount", 2, "p-1")
    assert issue.reason.startswith(huge + " " + bound)
    assert issue.reason.endswith("cannot be run; record a correction with --reverses big-2")
    # an election: compliance runs the note (its payment default) before any check of it
    early = ev(date(1996, 11, 5), "cit-note", EventKind.ACCELERATION, None, "acc-1", "notice")
    (issue,) = issues(book, Incoming(early, "e.csv", 3))
    assert (issue.file, issue.field, issue.line, issue.event) == ("e.csv", "amount", 3, "acc-1")
    assert issue.reason.endswith("cannot be run; record a correction with --reverses big-2")


def issues(store: Store, *items: Incoming) -> list[Issue]:
    with pytest.raises(ValidationError) as exc:
        record_events(store, list(items))
    return list(exc.value.issues)
