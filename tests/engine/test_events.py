"""Input events (``engine/events.py``): ids, details, the strict reading of amounts and
details, and the guard against amounts recorded before the parser was strict."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from loanbook.engine.events import (
    MONEY_KINDS,
    SIGNED_KINDS,
    EventKind,
    LoanEvent,
    amount_problem,
    check_detail,
    parse_event_amount,
)
from loanbook.parse import InputError

DAY = date(1996, 4, 30)


def test_the_event_id_is_the_key_else_kind_date_and_reference() -> None:
    assert LoanEvent(DAY, "n", EventKind.PAYMENT, key="pay-1").event_id == "pay-1"
    plain = LoanEvent(DAY, "n", EventKind.PAYMENT, reference="CIT remittance")
    assert plain.event_id == "payment:1996-04-30:CIT remittance"


def test_a_detail_by_name_with_a_default() -> None:
    ev = LoanEvent(DAY, "n", EventKind.FEE, detail=(("cite", "N §9"), ("term", "fees.x")))
    assert (ev.get("cite"), ev.get("term"), ev.get("other"), ev.get("other", "z")) == (
        "N §9",
        "fees.x",
        "",
        "z",
    )


def test_which_kinds_carry_money_and_which_may_be_negative() -> None:
    assert EventKind.PAYMENT in MONEY_KINDS and EventKind.ACCELERATION not in MONEY_KINDS
    assert {EventKind.PURCHASE, EventKind.TERMINATION} == SIGNED_KINDS


def test_amounts_are_read_by_kind() -> None:
    # a fixing is a rate in percent, kept in percent (5.4375, not 0.054375)
    assert parse_event_amount(EventKind.FIXING, "5.4375") == D("5.4375")
    # a price may be negative; other amounts may not
    assert parse_event_amount(EventKind.PURCHASE, "-10.50") == D("-10.50")
    assert parse_event_amount(EventKind.TERMINATION, "-1") == D("-1")
    assert parse_event_amount(EventKind.PAYMENT, "206741.85") == D("206741.85")
    with pytest.raises(InputError):
        parse_event_amount(EventKind.PAYMENT, "-1")
    with pytest.raises(InputError):
        parse_event_amount(EventKind.PAYMENT, "1.001")  # money is in whole cents


def test_details_read_as_numbers_are_checked_when_recorded() -> None:
    for name, value in (("rate", "8.5"), ("months", "3"), ("prepay", "full"), ("prepay", "FULL ")):
        check_detail(name, value)
    check_detail("prepay", "1000.00")
    check_detail("cite", "anything printable")
    for name, value in (("rate", "8.5x"), ("months", "1201"), ("months", "-1")):
        with pytest.raises(InputError):
            check_detail(name, value)
    with pytest.raises(InputError) as info:
        check_detail("prepay", "some")
    assert str(info.value).startswith("'full' or an amount: ")
    with pytest.raises(InputError, match=r"^cite is longer than 500 characters$"):
        check_detail("cite", "x" * 501)  # free text of at most 500 characters, named
    check_detail("months", "1200")


def test_an_amount_outside_any_input_range_cannot_be_run() -> None:
    # 10^15 is the largest amount (money) and 1,000 the largest rate in percent (fixing)
    ok = [
        LoanEvent(DAY, "n", EventKind.PAYMENT, D(10) ** 15),
        LoanEvent(DAY, "n", EventKind.PAYMENT, -(D(10) ** 15)),
        LoanEvent(DAY, "n", EventKind.FIXING, D(1000)),
        LoanEvent(DAY, "n", EventKind.ACCELERATION),
    ]
    assert [amount_problem(e) for e in ok] == [None, None, None, None]
    big = LoanEvent(DAY, "n", EventKind.PAYMENT, D(10) ** 15 + 1, key="k1")
    assert amount_problem(big) == (
        "1000000000000001 is outside the range of an amount (at most 1,000,000,000,000,000): "
        "event k1 cannot be run; record a correction with --reverses k1"
    )
    low = LoanEvent(DAY, "n", EventKind.PAYMENT, -(D(10) ** 15) - 1, reference="r")
    assert amount_problem(low) == (
        "-1000000000000001 is outside the range of an amount (at most 1,000,000,000,000,000): "
        "event payment:1996-04-30:r cannot be run; record a correction with --reverses "
        "payment:1996-04-30:r"
    )
    fixing = LoanEvent(DAY, "n", EventKind.FIXING, D("1000.01"), key="f")
    assert amount_problem(fixing) == (
        "1000.01 is outside the range of a rate in percent (at most 1,000): event f cannot be "
        "run; record a correction with --reverses f"
    )
    assert amount_problem(LoanEvent(DAY, "n", EventKind.PAYMENT, D("NaN"), key="x")) is not None
    assert amount_problem(LoanEvent(DAY, "n", EventKind.PAYMENT, D("Infinity"))) is not None
