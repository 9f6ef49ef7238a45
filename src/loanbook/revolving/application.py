"""Applying proceeds across loans by rule (002 §6(f)-(g)).

A sum received is split: first a prepayment of a term note (a stated amount, or the note's
whole outstanding principal on the day, "fully prepay the outstanding principal amount"),
applied by the engine to its installments in inverse order of maturity; the balance to a
revolving loan account.

The book records the rule once, as one ``application`` event on the note (amount: the sum
received; details ``account``: the revolving loan account that takes the balance, ``prepay``:
``full`` or an amount, ``cite``: the clause). The engines never see it: ``derive`` replaces it
by the two events the rule yields, computed from the note's own history (its payoff on the
day), so the figures follow from the rule and every run, folder or store, derives the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, RefusedError
from loanbook.parse import InputError, parse_amount

FULL = "full"


@dataclass(frozen=True)
class ApplicationRule:
    note: str  # the term note prepaid first
    account: str  # the revolving loan account that receives the balance
    cite: str
    note_amount: Decimal | None = None  # None: prepay the note in full


def parse_prepay(text: str) -> Decimal | None:
    """``full`` (None: the note's whole outstanding principal) or an amount (strict)."""
    if text.strip().lower() == FULL:
        return None
    try:
        return parse_amount(text)
    except InputError as exc:
        raise InputError(f"{FULL!r} or an amount: {exc}") from None


def rule_of(event: LoanEvent) -> ApplicationRule:
    """The rule an ``application`` event names (its note is the event's loan)."""
    return ApplicationRule(
        event.loan,
        event.get("account"),
        event.get("cite"),
        parse_prepay(event.get("prepay") or FULL),
    )


def application_issues(event: LoanEvent, source: str) -> list[Issue]:
    """What an ``application`` event must name, checked alone (the account's kind is
    checked against the book by the caller)."""
    out = []
    if not event.get("account"):
        out.append(Issue(source, "account", "an application names the revolving loan account"))
    if not event.get("cite"):
        out.append(Issue(source, "cite", "an application names the clause that sets its rule"))
    return out


def apply_proceeds(
    rule: ApplicationRule,
    day: date,
    amount: Decimal,
    note_outstanding: Decimal,
    reference: str,
    key: str,
) -> tuple[LoanEvent, LoanEvent]:
    """The prepayment of the note and the payment to the revolving account."""
    first = note_outstanding if rule.note_amount is None else rule.note_amount
    if amount <= 0 or first > amount or first > note_outstanding:
        raise RefusedError(
            Issue(
                reference,
                "amount",
                f"{amount} cannot cover {first} for {rule.note} "
                f"(outstanding {note_outstanding}; {rule.cite})",
            )
        )
    detail = (("cite", rule.cite),)
    return (
        LoanEvent(day, rule.note, EventKind.PREPAYMENT, first, reference, f"{key}-note", detail),
        LoanEvent(
            day,
            rule.account,
            EventKind.PAYMENT,
            amount - first,
            f"{reference} (balance)",
            f"{key}-revolver",
            detail,
        ),
    )


def derive(
    events: tuple[LoanEvent, ...],
    outstanding: Callable[[str, date, tuple[LoanEvent, ...]], Decimal],
) -> tuple[LoanEvent, ...]:
    """``events`` with each ``application`` replaced, in place, by its prepayment and its
    payment. ``outstanding(note, day, events)`` is the note's principal outstanding on
    ``day`` given ``events`` (none of them an application); applications are derived in
    date order, each seeing the prepayments derived before it."""
    apps = [e for e in events if e.kind is EventKind.APPLICATION]
    if not apps:
        return events
    known = tuple(e for e in events if e.kind is not EventKind.APPLICATION)
    derived: dict[int, tuple[LoanEvent, LoanEvent]] = {}
    for app in sorted(apps, key=lambda e: e.date):
        assert app.amount is not None  # refused by the checks before any run
        rule = rule_of(app)
        owed = outstanding(rule.note, app.date, known)
        pair = apply_proceeds(rule, app.date, app.amount, owed, app.reference, app.event_id)
        derived[id(app)] = pair
        known += pair
    out: list[LoanEvent] = []
    for ev in events:
        out.extend(derived.get(id(ev), (ev,)))
    return tuple(out)
