"""Borrowing-base certificates with every kind of collateral, the rules that exclude items
(002 §4 North Canton, certificate-ineligible, aged receivables), sublimits and reserves, and
the default rate of 004 §1(a). Every figure is worked by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from types import MappingProxyType

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.ledger import LineKind
from loanbook.revolving.account import overadvance, run_facility
from loanbook.revolving.borrowing_base import Certificate, CertificateItem, borrowing_base
from tests.revolving.conftest import certificate, facility, history, prime

LPC = "congress-revolver-lpc"

RATES = MappingProxyType({"accounts": D("0.85"), "inventory": D("0.50"), "equipment": D("0.70")})
TERMS = facility(
    advance_rates=RATES,
    sublimits=MappingProxyType({"inventory": D("3000000"), "equipment": D("500000")}),
    reserves=D("250000"),
)
CERT = Certificate(
    "congress-revolver",
    date(2002, 9, 30),
    (
        # accounts: 1,000,000 x 85% = 850,000.00
        CertificateItem("ar", "Receivables", "accounts", "rochester", D("1000000"), age_days=20),
        # marked ineligible on the certificate (e.g. a disputed invoice): 0, not 170,000
        CertificateItem(
            "ar-disp", "Disputed", "accounts", "rochester", D("200000"), False, age_days=10
        ),
        # older than 90 days: 0, not 85,000
        CertificateItem("ar-old", "Aged", "accounts", "rochester", D("100000"), age_days=91),
        # exactly 90 days old: still eligible, 10,000 x 85% = 8,500.00
        CertificateItem("ar-90", "Aged 90", "accounts", "rochester", D("10000"), age_days=90),
        # inventory: 7,000,000 x 50% = 3,500,000, above the 3,000,000 sublimit -> 3,000,000
        CertificateItem("inv", "Finished goods", "inventory", "rochester", D("7000000")),
        # 002 §4: inventory AND equipment at North Canton never count, whatever is certified
        CertificateItem("inv-nc", "Raw materials", "inventory", "north-canton", D("800000")),
        CertificateItem("eq-nc", "Presses", "equipment", "north-canton", D("400000")),
        # equipment: 100,000.15 x 70% = 70,000.105 -> 70,000.11 (half-up; half-even .10)
        CertificateItem("eq", "Lathes", "equipment", "rochester", D("100000.15")),
    ),
)


def test_each_item_and_the_rule_that_decided_it() -> None:
    bb = borrowing_base(CERT, TERMS)
    verdict = {r.item.id: (r.eligible, r.lendable) for r in bb.items}
    assert verdict == {
        "ar": (True, D("850000.00")),
        "ar-disp": (False, D("0")),
        "ar-old": (False, D("0")),
        "ar-90": (True, D("8500.00")),
        "inv": (True, D("3500000.00")),
        "inv-nc": (False, D("0")),
        "eq-nc": (False, D("0")),
        "eq": (True, D("70000.11")),
    }
    why = {r.item.id: (r.rule, r.cite) for r in bb.items}
    assert why["eq-nc"] == ("equipment at north-canton is not eligible", "002 §4")
    assert why["inv-nc"] == ("inventory at north-canton is not eligible", "002 §4")
    assert why["ar-disp"] == ("marked ineligible on the certificate", "certificate")
    assert why["ar-old"] == ("receivable 91 days old, more than 90", "assumed")


def test_sublimits_cap_each_class_and_the_total_adds_the_classes() -> None:
    bb = borrowing_base(CERT, TERMS)
    by_class = {kind: amount for kind, amount, _ in bb.by_collateral}
    # accounts 850,000 + 8,500 = 858,500.00; inventory capped 3,000,000; equipment 70,000.11
    # (under its 500,000 sublimit)
    assert by_class == {
        "accounts": D("858500.00"),
        "inventory": D("3000000"),
        "equipment": D("70000.11"),
    }
    capped = {kind: why for kind, _, why in bb.by_collateral if why}
    assert list(capped) == ["inventory"]
    assert bb.total == D("3928500.11")  # 858,500.00 + 3,000,000 + 70,000.11


def test_reserves_come_off_availability_to_the_cent() -> None:
    # availability = min(maximum credit 10,000,000, base 3,928,500.11) - reserves 250,000
    #              = 3,678,500.11
    # outstanding 3,700,000: availability 3,678,500.11 - 3,700,000 = -21,499.89, the
    # overadvance 21,499.89; outstanding 3,000,000: room 678,500.11, no overadvance.
    assert overadvance(TERMS, (CERT,), date(2002, 10, 1), D("3700000")) == (
        D("-21499.89"),
        D("21499.89"),
    )
    assert overadvance(TERMS, (CERT,), date(2002, 10, 1), D("3000000")) == (
        D("678500.11"),
        D("0"),
    )
    # The maximum credit caps a larger base: min(2,000,000, 3,928,500.11) - 250,000.
    small = facility(
        advance_rates=RATES,
        sublimits=TERMS.sublimits,
        reserves=D("250000"),
        maximum_credit=D("2000000"),
    )
    assert overadvance(small, (CERT,), date(2002, 10, 1), D("1800000")) == (
        D("-50000"),
        D("50000"),
    )


def ev(day: date, what: EventKind, amount: str | None = None, **detail: str) -> LoanEvent:
    return LoanEvent(
        day,
        LPC,
        what,
        D(amount) if amount else None,
        f"{what.value}-{day}",
        detail=tuple(detail.items()),
    )


def _september(result) -> D:  # type: ignore[no-untyped-def]
    return sum(
        (
            ln.amount
            for ln in result.lines
            if ln.kind is LineKind.CAPITALIZATION and "September 2002" in ln.memo
        ),
        D(0),
    )


def test_default_rate_of_004_1a_is_prime_plus_2_from_its_election() -> None:
    # 1,000,000 advanced 2002-09-02; Congress elects the default rate from 2002-09-16.
    # Prime 4.75%. 09-02..09-15 (14 days) at Prime + 1% = 5.75%: 1,000,000 x 5.75% x 14/360
    # = 2,236.111...; 09-16..09-30 (15 days) at Prime + 2% = 6.75%: 1,000,000 x 6.75% x 15/360
    # = 2,812.50. September: 5,048.611... -> 5,048.61 (without it, 29 days at 5.75%: 4,631.94).
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000000"),
        ev(date(2002, 9, 16), EventKind.NOTICE, subject="default_rate"),
    )
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 10, 1))[LPC]
    assert _september(out) == D("5048.61")
    default = [s for s in out.rates if "default rate" in s.quote.basis]
    assert [(s.start, s.quote.rate, s.quote.cite) for s in default] == [
        (date(2002, 9, 16), D("0.0675"), "004 §1(a)")
    ]


def test_default_rate_ends_when_congress_stops_charging_it() -> None:
    # Default rate 09-16..09-20 (5 days), regular from 09-21 again:
    # 1,000,000 x (5.75% x 24 + 6.75% x 5) / 360 = (1,380,000 + 337,500) / 360 = 4,770.833...
    # -> 4,770.83
    events = (
        ev(date(2002, 9, 2), EventKind.ADVANCE, "1000000"),
        ev(date(2002, 9, 16), EventKind.NOTICE, subject="default_rate"),
        ev(date(2002, 9, 21), EventKind.NOTICE, subject="default_rate_end"),
    )
    out = run_facility(history(), (certificate(),), events, prime(), date(2002, 10, 1))[LPC]
    assert _september(out) == D("4770.83")


def test_the_example_books_002_rule_excludes_north_canton_equipment_too(
    example_book: object,
) -> None:
    # 002 §4 as written in examples/lexington/002-congress-amendment-1996-03-14.yaml: from
    # 1996-03-14 inventory AND equipment at the North Canton Property are not eligible.
    from loanbook.book import Book

    assert isinstance(example_book, Book)
    terms = example_book.revolver_terms("congress-revolver", date(1996, 3, 14))
    cert = Certificate(
        "congress-revolver",
        date(1996, 3, 31),
        (
            CertificateItem("eq-nc", "Presses", "equipment", "north-canton-oh", D("400000")),
            CertificateItem("inv-nc", "Raw", "inventory", "north-canton-oh", D("100000")),
            CertificateItem("inv-v", "Finished", "inventory", "vienna-oh", D("100000")),
        ),
    )
    verdict = {r.item.id: (r.eligible, r.cite) for r in borrowing_base(cert, terms).items}
    assert verdict["eq-nc"] == (False, "002 §4")
    assert verdict["inv-nc"] == (False, "002 §4")
    assert verdict["inv-v"][0] is True
    # the day before 002, North Canton counted (the certificate marks it eligible)
    before = example_book.revolver_terms("congress-revolver", date(1996, 3, 13))
    assert {r.item.id: r.eligible for r in borrowing_base(cert, before).items}["inv-nc"] is True
