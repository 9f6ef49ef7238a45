"""The parts of 002 §6(f)-(g) (``loanbook.revolving.application``) on small inputs: reading
the rule from an ``application`` event, its refusals at their edges, the two events it
yields, and ``derive`` replacing each application in place, in date order, each seeing the
prepayments derived before it. Figures worked by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import RefusedError
from loanbook.parse import InputError
from loanbook.revolving.application import (
    ApplicationRule,
    application_issues,
    apply_proceeds,
    derive,
    parse_prepay,
    rule_of,
)

NOTE, ACCOUNT = "lpc-note", "congress-revolver-lpc"


def app(day: date, amount: str, ref: str, **detail: str) -> LoanEvent:
    detail = {"account": ACCOUNT, "cite": "002 §6(g)", **detail}
    return LoanEvent(
        day, NOTE, EventKind.APPLICATION, D(amount), ref, f"k-{ref}", tuple(detail.items())
    )


def test_prepay_is_full_or_an_amount() -> None:
    assert parse_prepay("full") is None
    assert parse_prepay(" FULL ") is None
    assert parse_prepay("418118.00") == D("418118.00")
    with pytest.raises(InputError) as exc:
        parse_prepay("all")
    assert str(exc.value) == (
        "'full' or an amount: 'all' is not a decimal amount (ASCII digits and at most one "
        "decimal point, e.g. 1234.56; no separators, spaces, signs or exponents)"
    )


def test_the_rule_an_application_names() -> None:
    assert rule_of(app(date(1996, 3, 14), "1000000", "A", prepay="418118.00")) == ApplicationRule(
        NOTE, ACCOUNT, "002 §6(g)", D("418118.00")
    )
    # no prepay: the note in full
    assert rule_of(app(date(1996, 3, 14), "1000000", "A")) == ApplicationRule(
        NOTE, ACCOUNT, "002 §6(g)", None
    )


def test_an_application_names_its_account_and_clause() -> None:
    bare = LoanEvent(date(1996, 3, 14), NOTE, EventKind.APPLICATION, D("1"), "A")
    assert [(i.file, i.field, i.reason) for i in application_issues(bare, "apps.csv")] == [
        ("apps.csv", "account", "an application names the revolving loan account"),
        ("apps.csv", "cite", "an application names the clause that sets its rule"),
    ]
    assert application_issues(app(date(1996, 3, 14), "1", "A"), "apps.csv") == []


RULE = ApplicationRule(NOTE, ACCOUNT, "002 §6(g)", D("400000"))
FULL = ApplicationRule(NOTE, ACCOUNT, "002 §6(f)")


def test_the_prepayment_and_the_balance() -> None:
    # 1,000,000 received, 400,000 stated for the note: 600,000 to the revolving account.
    note, rest = apply_proceeds(RULE, date(1996, 3, 14), D("1000000"), D("900000"), "wire", "w1")
    detail = (("cite", "002 §6(g)"),)
    assert note == LoanEvent(
        date(1996, 3, 14), NOTE, EventKind.PREPAYMENT, D("400000"), "wire", "w1-note", detail
    )
    assert rest == LoanEvent(
        date(1996, 3, 14),
        ACCOUNT,
        EventKind.PAYMENT,
        D("600000"),
        "wire (balance)",
        "w1-revolver",
        detail,
    )
    # in full: the note's whole outstanding 900,000; 100,000 to the account
    note, rest = apply_proceeds(FULL, date(1996, 3, 14), D("1000000"), D("900000"), "wire", "w1")
    assert (note.amount, rest.amount) == (D("900000"), D("100000"))


def test_at_the_edges_the_rule_still_applies() -> None:
    # the sum exactly the stated amount: nothing left for the account
    _, rest = apply_proceeds(RULE, date(1996, 3, 14), D("400000"), D("900000"), "w", "k")
    assert rest.amount == D("0")
    # exactly 1.00 received, the note owing 1.00
    note, rest = apply_proceeds(FULL, date(1996, 3, 14), D("1.00"), D("1.00"), "w", "k")
    assert (note.amount, rest.amount) == (D("1.00"), D("0"))
    # the stated amount exactly the note's outstanding principal
    note, _ = apply_proceeds(RULE, date(1996, 3, 14), D("500000"), D("400000"), "w", "k")
    assert note.amount == D("400000")


@pytest.mark.parametrize(
    ("rule", "amount", "outstanding", "reason"),
    [
        # more stated for the note than received
        (RULE, "399999.99", "900000", "399999.99 cannot cover 400000 for lpc-note"),
        # more stated than the note owes
        (RULE, "1000000", "399999.99", "1000000 cannot cover 400000 for lpc-note"),
        # nothing received
        (FULL, "0", "0", "0 cannot cover 0 for lpc-note"),
        # the note in full is more than received
        (FULL, "100", "100.01", "100 cannot cover 100.01 for lpc-note"),
    ],
)
def test_a_rule_that_cannot_apply_is_refused(
    rule: ApplicationRule, amount: str, outstanding: str, reason: str
) -> None:
    with pytest.raises(RefusedError) as exc:
        apply_proceeds(rule, date(1996, 3, 14), D(amount), D(outstanding), "wire", "w1")
    (issue,) = exc.value.issues
    assert (issue.file, issue.field, issue.reason) == (
        "wire",
        "amount",
        f"{reason} (outstanding {outstanding}; {rule.cite})",
    )


def owed(note: str, day: date, events: tuple[LoanEvent, ...]) -> D:
    """A note of 1,000,000 less the prepayments on or before ``day`` (an independent
    stand-in for the engine's payoff)."""
    assert all(e.kind is not EventKind.APPLICATION for e in events)
    return D("1000000") - sum(
        (
            e.amount or D(0)
            for e in events
            if e.loan == note and e.kind is EventKind.PREPAYMENT and e.date <= day
        ),
        D(0),
    )


def test_derive_replaces_each_application_in_place_in_date_order() -> None:
    # A prepayment of 50,000 on 01-31 (not an application). Listed first but later: 03-01,
    # the note in full, 1,200,000 received. Listed second but earlier: 02-01, 100,000
    # stated, 500,000 received -> 100,000 to the note, 400,000 to the account. On 03-01 the
    # note owes 1,000,000 - 50,000 - 100,000 = 850,000: 850,000 to the note,
    # 1,200,000 - 850,000 = 350,000 to the account.
    other = LoanEvent(date(1996, 1, 31), NOTE, EventKind.PREPAYMENT, D("50000"), "p")
    later = app(date(1996, 3, 1), "1200000", "L")
    earlier = app(date(1996, 2, 1), "500000", "E", prepay="100000")
    out = derive((later, other, earlier), owed)
    assert [(e.date, e.loan, e.kind, e.amount, e.reference, e.key) for e in out] == [
        (date(1996, 3, 1), NOTE, EventKind.PREPAYMENT, D("850000"), "L", "k-L-note"),
        (date(1996, 3, 1), ACCOUNT, EventKind.PAYMENT, D("350000"), "L (balance)", "k-L-revolver"),
        (date(1996, 1, 31), NOTE, EventKind.PREPAYMENT, D("50000"), "p", ""),
        (date(1996, 2, 1), NOTE, EventKind.PREPAYMENT, D("100000"), "E", "k-E-note"),
        (date(1996, 2, 1), ACCOUNT, EventKind.PAYMENT, D("400000"), "E (balance)", "k-E-revolver"),
    ]


def test_without_applications_the_events_are_returned_as_they_are() -> None:
    events = (LoanEvent(date(1996, 1, 31), NOTE, EventKind.PAYMENT, D("5"), "p"),)
    assert derive(events, owed) is events
