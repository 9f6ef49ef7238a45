"""Input events: what happened to a loan, as the book records it.

Scheduled events (installments, interest payment dates, rate resets) come from the terms;
these are the others: advances, payments, prepayments, acceleration, rate fixings, notices,
fees. Each is immutable and carries a ``reference`` (the user's) and an idempotency ``key``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from loanbook.parse import (
    MAX_AMOUNT,
    MAX_PERCENT,
    InputError,
    parse_amount,
    parse_count,
    parse_percent,
    parse_text,
)


class EventKind(StrEnum):
    ADVANCE = "advance"
    PAYMENT = "payment"
    PREPAYMENT = "prepayment"
    ACCELERATION = "acceleration"
    FIXING = "fixing"  # a rate index fixing: detail index=NAME, amount = rate in percent
    NOTICE = "notice"  # e.g. overadvance notice; detail kind=...
    FEE = "fee"  # a fee charged to the loan account
    WAIVER = "waiver"  # a signed writing waiving a right (e.g. the overadvance rate)
    CORRECTION = "correction"  # reverses an earlier event: detail reverses=KEY
    PURCHASE = "purchase"  # the holder buys the loan: amount = clean price (ACTUS PRD)
    TERMINATION = "termination"  # the holder sells or closes it: amount = clean price (ACTUS TD)
    # proceeds applied by a rule (002 §6(f)): amount = the sum received; on the note prepaid
    # first, details account (the revolving loan account for the balance), prepay (full or an
    # amount), cite. ``loanbook.revolving.application`` derives the two events it yields.
    APPLICATION = "application"


#: Kinds whose amount must be positive.
MONEY_KINDS = frozenset(
    {
        EventKind.ADVANCE,
        EventKind.PAYMENT,
        EventKind.PREPAYMENT,
        EventKind.FEE,
        EventKind.FIXING,
        EventKind.APPLICATION,
    }
)


@dataclass(frozen=True)
class LoanEvent:
    """One dated event for one loan (or facility). ``detail`` holds kind-specific fields."""

    date: date
    loan: str
    kind: EventKind
    amount: Decimal | None = None
    reference: str = ""
    key: str = ""
    detail: tuple[tuple[str, str], ...] = field(default=())

    def get(self, name: str, default: str = "") -> str:
        return dict(self.detail).get(name, default)

    @property
    def event_id(self) -> str:
        """The id ledger lines name: the idempotency key, else kind/date/reference."""
        return self.key or f"{self.kind.value}:{self.date.isoformat()}:{self.reference}"


#: Kinds whose amount may be negative (a clean price, ACTUS PRD/TD).
SIGNED_KINDS = frozenset({EventKind.PURCHASE, EventKind.TERMINATION})


def in_force(events: Iterable[LoanEvent]) -> tuple[LoanEvent, ...]:
    """The events in force: each correction removes the event it reverses (its key), and
    itself. The one rule for a stored book and a folder alike, so the same events give the
    same figures however the book is read."""
    items = tuple(events)
    undone = {e.get("reverses") for e in items if e.kind is EventKind.CORRECTION} - {""}
    return tuple(
        e for e in items if e.kind is not EventKind.CORRECTION and e.event_id not in undone
    )


def parse_event_amount(kind: EventKind, text: str) -> Decimal:
    """The amount of an event as typed, by the one strict parser (``loanbook.parse``): a
    fixing's amount is a rate in percent, a price may be negative, any other amount is money
    in whole cents and not negative."""
    if kind is EventKind.FIXING:
        return parse_percent(text, fraction=False)
    return parse_amount(text, negative=kind in SIGNED_KINDS)


def check_detail(name: str, value: str) -> None:
    """A detail the engines read as a number is parsed strictly when it is recorded: ``rate``
    (a Eurodollar Rate Loan's rate, in percent) and ``months`` (its Interest Period); any
    detail is free text of at most ``MAX_TEXT`` printable characters. Raises ``InputError``."""
    parse_text(value, name)
    if name == "rate":
        parse_percent(value)
    elif name == "months":
        parse_count(value, maximum=1200)
    elif name == "prepay" and value.strip().lower() != "full":
        try:
            parse_amount(value)
        except InputError as exc:
            raise InputError(f"'full' or an amount: {exc}") from None


def amount_problem(event: LoanEvent) -> str | None:
    """Why an event's amount cannot be run (outside the range any input accepts), or None.

    Inputs are refused by the parser; this guards the engine against a book written before
    the parser was strict (an amount of 10^30 would lose cents in Decimal arithmetic)."""
    amount = event.amount
    if amount is None:
        return None
    bound = MAX_PERCENT if event.kind is EventKind.FIXING else MAX_AMOUNT
    if amount.is_finite() and -bound <= amount <= bound:
        return None
    what = "a rate in percent" if event.kind is EventKind.FIXING else "an amount"
    return (
        f"{amount} is outside the range of {what} (at most {bound:,}): event "
        f"{event.event_id} cannot be run; record a correction with --reverses "
        f"{event.key or event.event_id}"
    )
