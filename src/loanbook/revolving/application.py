"""Applying proceeds across loans by rule (002 §6(f)-(g)).

A sum received is split: first a prepayment of a term note (a stated amount, or the note's
whole outstanding principal), applied by the engine to its installments in inverse order of
maturity; the balance to a revolving loan account. The result is two events citing the clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, RefusedError


@dataclass(frozen=True)
class ApplicationRule:
    note: str  # the term note prepaid first
    account: str  # the revolving loan account that receives the balance
    cite: str
    note_amount: Decimal | None = None  # None: prepay the note in full


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
