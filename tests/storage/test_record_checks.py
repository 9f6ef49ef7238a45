"""Recording events: the checks as a user sees them (file:row, field, reason, event key) for
repeated keys, unknown loans, applications, revolving accounts and corrections; the
derived key, the ``recorded`` column and where a stored event came from. The book: the CIT
note and a small Congress revolver (the golden case's terms, opened 2002-09-01)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import ValidationError
from loanbook.storage.importer import import_folder
from loanbook.storage.record import (
    Incoming,
    derive_key,
    describe_event,
    log,
    parse_events_file,
    record_events,
    same_content,
)
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.golden.test_golden import CASES, parse_case

LPC = "congress-revolver-lpc"
IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)


def revolver_folder(tmp_path: Path) -> Path:
    files, _ = parse_case((CASES / "congress-revolver-004-default-rate.case").read_text())
    folder = tmp_path / "revolver"
    for name, text in files.items():
        if name.startswith("events/"):
            continue
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        # open the facility on 2002-09-01 (not 1996) so that each check runs two months
        path.write_text(text.replace("value: 1996-01-01\n", "value: 2002-09-01\n"))
    return folder


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
    import_folder(store, revolver_folder(tmp_path), IMPORTED)
    return store


def pay(day: date, amount: str, key: str = "", loan: str = "cit-note", ref: str = "r") -> LoanEvent:
    return LoanEvent(day, loan, EventKind.PAYMENT, D(amount), ref, key)


def refused(store: Store, *items: Incoming) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        record_events(store, list(items))
    return [str(i) for i in exc.value.issues]


# -- keys and content (no store) ---------------------------------------------------------
def test_the_derived_key_spells_out_the_event() -> None:
    ev = LoanEvent(
        date(1997, 1, 31),
        "cit-note",
        EventKind.PAYMENT,
        D("1000.50"),
        "wire",
        "",
        (("z", "1"), ("a", "2")),
    )
    # loan/kind/date/amount (normalized)/reference, then the details sorted by name
    assert derive_key(ev) == "cit-note/payment/1997-01-31/1000.5/wire/a=2/z=1"
    assert derive_key(ev, 1) == derive_key(ev)
    assert derive_key(ev, 2) == "cit-note/payment/1997-01-31/1000.5/wire/a=2/z=1#2"
    bare = LoanEvent(date(1997, 1, 31), "cit-note", EventKind.ACCELERATION, None, "")
    assert derive_key(bare) == "cit-note/acceleration/1997-01-31//"
    # 1E+3 is written 1000 (normalized, fixed-point)
    assert derive_key(pay(date(1997, 1, 31), "1E+3")) == "cit-note/payment/1997-01-31/1000/r"


def test_a_long_key_is_the_loan_the_kind_and_a_hash() -> None:
    # "cit-note/payment/1997-01-31/5/" is 30 characters: a reference of 170 makes 200 (kept),
    # of 171 makes 201 (hashed: sha256 of the text, first 32 hex digits).
    at_most = pay(date(1997, 1, 31), "5", ref="x" * 170)
    assert derive_key(at_most) == "cit-note/payment/1997-01-31/5/" + "x" * 170
    over = pay(date(1997, 1, 31), "5", ref="x" * 171)
    text = "cit-note/payment/1997-01-31/5/" + "x" * 171
    assert derive_key(over) == "cit-note/payment/" + hashlib.sha256(text.encode()).hexdigest()[:32]
    long_loan = LoanEvent(date(1997, 1, 31), "L" * 250, EventKind.FEE, D("1"), "")
    text = "L" * 250 + "/fee/1997-01-31/1/"
    assert derive_key(long_loan) == (
        "L" * 80 + "/fee/" + hashlib.sha256(text.encode()).hexdigest()[:32]
    )


def test_same_content_is_every_field_but_the_key_details_in_any_order() -> None:
    a = LoanEvent(
        date(1997, 1, 31), "n", EventKind.FEE, D("5"), "r", "k1", (("a", "1"), ("b", "2"))
    )
    assert same_content(
        a, LoanEvent(a.date, "n", EventKind.FEE, D("5.00"), "r", "k2", (("b", "2"), ("a", "1")))
    )
    for other in (
        LoanEvent(date(1997, 2, 1), "n", EventKind.FEE, D("5"), "r", "k1", a.detail),
        LoanEvent(a.date, "m", EventKind.FEE, D("5"), "r", "k1", a.detail),
        LoanEvent(a.date, "n", EventKind.PAYMENT, D("5"), "r", "k1", a.detail),
        LoanEvent(a.date, "n", EventKind.FEE, D("6"), "r", "k1", a.detail),
        LoanEvent(a.date, "n", EventKind.FEE, D("5"), "s", "k1", a.detail),
        LoanEvent(a.date, "n", EventKind.FEE, D("5"), "r", "k1", (("a", "1"),)),
    ):
        assert not same_content(a, other)


def test_an_event_described_as_the_refusals_name_it() -> None:
    assert describe_event(pay(date(1997, 1, 31), "5")) == "payment 5 on 1997-01-31 for cit-note"
    nothing = LoanEvent(date(1997, 1, 31), "", EventKind.FIXING, None, "")
    assert describe_event(nothing) == "fixing on 1997-01-31 for -"


# -- the events file ----------------------------------------------------------------------
def test_every_bad_recorded_date_is_named_by_its_row() -> None:
    text = (
        "date,loan,kind,amount,reference,key,recorded\n"
        "1997-01-31,cit-note,payment,5,r,k1,1997-02-30\n"
        "\n"
        "1997-01-31,cit-note,payment,5,r,k2,yesterday\n"
        "1997-01-31,cit-note,payment,5,r,k3,1997-02-03\n"
    )
    with pytest.raises(ValidationError) as exc:
        parse_events_file(text, "e.csv")
    assert [(i.file, i.field, i.line) for i in exc.value.issues] == [
        ("e.csv", "recorded", 2),
        ("e.csv", "recorded", 4),  # the blank row 3 is counted
    ]
    assert "'yesterday'" in exc.value.issues[1].reason


def test_rows_after_a_blank_one_keep_their_numbers_and_identical_rows_are_told_apart() -> None:
    text = (
        "date,loan,kind,amount,reference\n"
        "1997-01-31,cit-note,payment,5,r\n"
        ",,,,\n"
        "1997-01-31,cit-note,payment,5,r\n"
        "1997-01-31,cit-note,payment,5,r\n"
        "1997-01-31,cit-note,payment,6,r\n"
    )
    items = parse_events_file(text, "e.csv")
    base = "cit-note/payment/1997-01-31/5/r"
    assert [(i.line, i.event.key) for i in items] == [
        (2, ""),
        (4, base + "#2"),
        (5, base + "#3"),
        (6, ""),
    ]
    assert [i.source for i in items] == ["e.csv"] * 4
    assert [i.recorded_at for i in items] == [None] * 4


# -- checks against the book --------------------------------------------------------------
def test_a_key_given_twice_in_one_input_is_refused_naming_the_first(book: Store) -> None:
    first = Incoming(pay(date(1997, 1, 31), "5", "k"), "e.csv", 2)
    second = Incoming(pay(date(1997, 2, 28), "6", "k"), "e.csv", 3)
    assert refused(book, first, second) == [
        "e.csv:3: key: 'k' is also the key of e.csv:2 (payment 5 on 1997-01-31 for cit-note);"
        " a key names one event (event k)"
    ]
    from_cli = Incoming(pay(date(1997, 2, 28), "6", "k"))
    assert refused(book, Incoming(pay(date(1997, 1, 31), "5", "k")), from_cli) == [
        "cli: key: 'k' is also the key of cli (payment 5 on 1997-01-31 for cit-note);"
        " a key names one event (event k)"
    ]


def test_the_same_row_twice_without_a_key_is_one_event(book: Store) -> None:
    ev = pay(date(1997, 1, 31), "5")
    done = record_events(book, [Incoming(ev, "e.csv", 2), Incoming(ev, "f.csv", 2)])
    key = "cit-note/payment/1997-01-31/5/r"
    assert (done.added, done.existing) == ((key,), (key,))


def test_an_unknown_loan_in_an_empty_book(store: Store) -> None:
    assert refused(store, Incoming(pay(date(1997, 1, 31), "0", "k", loan="x"))) == [
        "cli: loan: unknown loan 'x' (known: none) (event k)",
        "cli: amount: must be positive, got 0 (event k)",
    ]


def application(loan: str, account: str, key: str = "a1") -> Incoming:
    detail = (("account", account), ("cite", "002 §6(g)"), ("prepay", "full"))
    ev = LoanEvent(
        date(1997, 1, 31), loan, EventKind.APPLICATION, D("5000000"), "wire", key, detail
    )
    return Incoming(ev, "apps.csv", 2)


def test_an_application_is_on_a_note_and_pays_into_a_revolving_account(book: Store) -> None:
    assert refused(book, application(LPC, "cit-note")) == [
        f"apps.csv:2: loan: '{LPC}' is a revolving account, not a note (event a1)",
        "apps.csv:2: account: 'cit-note' is not a revolving loan account (event a1)",
    ]


def test_a_revolving_account_event_needs_a_positive_amount(book: Store) -> None:
    zero = Incoming(pay(date(2002, 10, 20), "0", "z", loan=LPC), "r.csv", 5)
    assert refused(book, zero) == ["r.csv:5: amount: must be positive, got 0 (event z)"]


@BOTH
def test_a_revolving_refusal_names_the_row_that_caused_it(book: Store) -> None:
    # 1,000,000.00 advanced 2002-10-15, 1,000,000.01 repaid 10-20 (interest is charged to the
    # account only on 11-01): the repayment exceeds the balance.
    advance = LoanEvent(date(2002, 10, 15), LPC, EventKind.ADVANCE, D("1000000.00"), "adv", "adv-1")
    repay = pay(date(2002, 10, 20), "1000000.01", "rep-1", loan=LPC, ref="rep")
    assert refused(book, Incoming(advance, "r.csv", 2), Incoming(repay, "r.csv", 3)) == [
        "r.csv:3: amount: repayment 1000000.01 exceeds the balance 1000000.00 (event rep-1)"
    ]
    # recorded one at a time, the stored advance counts: the same refusal for the repayment
    record_events(book, [Incoming(advance, "r.csv", 2)])
    assert refused(book, Incoming(repay, "s.csv", 7)) == [
        "s.csv:7: amount: repayment 1000000.01 exceeds the balance 1000000.00 (event rep-1)"
    ]
    ok = pay(date(2002, 10, 20), "1000000.00", "rep-2", loan=LPC, ref="rep")
    assert record_events(book, [Incoming(ok, "s.csv", 8)]).added == ("rep-2",)


def correction(target: str, key: str) -> LoanEvent:
    detail = (("reverses", target),) if target else ()
    return LoanEvent(date(1997, 1, 31), "cit-note", EventKind.CORRECTION, None, "fix", key, detail)


def test_corrections_name_what_they_reverse(book: Store) -> None:
    assert refused(book, Incoming(correction("", "c0"), "c.csv", 2)) == [
        "c.csv:2: reverses: a correction names the key of the event it reverses (event c0)"
    ]
    assert refused(book, Incoming(correction("zz", "c1"), "c.csv", 2)) == [
        "c.csv:2: reverses: no event with key 'zz' for loan cit-note (event c1)"
    ]
    # an event and its correction in one input: accepted
    wrong = Incoming(pay(date(1997, 1, 31), "5", "wrong"), "c.csv", 2)
    fix = Incoming(correction("wrong", "c2"), "c.csv", 3)
    assert record_events(book, [wrong, fix]).added == ("wrong", "c2")
    assert refused(book, Incoming(correction("c2", "c3"), "c.csv", 4)) == [
        "c.csv:4: reverses: 'c2' is itself a correction (event c3)"
    ]
    # a second correction of one event, in the same input as the first
    other = Incoming(pay(date(1997, 1, 31), "6", "other"), "d.csv", 2)
    first, second = correction("other", "c4"), correction("other", "c5")
    assert refused(book, other, Incoming(first, "d.csv", 3), Incoming(second, "d.csv", 4)) == [
        "d.csv:4: reverses: 'other' is already reversed by 'c4' (event c5)"
    ]


@BOTH
def test_where_and_when_a_stored_event_came_from(book: Store) -> None:
    stamp = datetime(2026, 3, 1, 12, tzinfo=UTC)
    own = datetime(1997, 2, 3, tzinfo=UTC)
    record_events(
        book,
        [
            Incoming(pay(date(1997, 1, 31), "5", "a"), "e.csv", 2),
            Incoming(pay(date(1997, 1, 31), "6", "b"), "cli", None, own),
        ],
        stamp,
    )
    got = [(s.event.key, s.source, s.recorded_at) for s in log(book, "cit-note")[-2:]]
    assert got == [("a", "e.csv:2", stamp), ("b", "cli", own)]
    assert [s.event.key for s in log(book, LPC)] == []
