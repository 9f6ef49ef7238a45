"""Ledger lines: the engine's only output.

Every line is one balanced posting (one amount, a debit account and a credit account), so
debits equal credits by construction, and every line names the event that caused it and the
term and clause (``cite``) that produced its amount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Account(StrEnum):
    CASH = "cash"
    PRINCIPAL_RECEIVABLE = "principal_receivable"  # advanced, not yet due
    PRINCIPAL_DUE = "principal_due"  # installments due and unpaid
    INTEREST_ACCRUED = "interest_accrued"  # earned, not yet payable
    INTEREST_DUE = "interest_due"  # payable and unpaid
    INTEREST_INCOME = "interest_income"
    LATE_CHARGE_RECEIVABLE = "late_charge_receivable"
    LATE_CHARGE_INCOME = "late_charge_income"
    FEE_RECEIVABLE = "fee_receivable"
    FEE_INCOME = "fee_income"
    UNAPPLIED_FUNDS = "unapplied_funds"  # received, not yet applied (owed to the borrower)
    INDEXATION_RECEIVABLE = "indexation_receivable"  # indexed part of payments, due and unpaid
    INDEXATION_INCOME = "indexation_income"
    TRADING = "loan_trading"  # prices paid and received when the loan is bought or sold


class LineKind(StrEnum):
    ADVANCE = "advance"
    ACCRUAL = "accrual"
    INTEREST_DUE = "interest_due"
    INSTALLMENT_DUE = "installment_due"
    PAYMENT_APPLIED = "payment_applied"
    PREPAYMENT_APPLIED = "prepayment_applied"
    LATE_CHARGE = "late_charge"
    USURY_CREDIT = "usury_credit"
    ACCELERATION = "acceleration"
    FEE = "fee"
    CAPITALIZATION = "capitalization"
    UNAPPLIED = "unapplied"
    PURCHASE = "purchase"
    TERMINATION = "termination"
    PREMIUM_DISCOUNT = "premium_discount"
    INDEXATION = "indexation"


@dataclass(frozen=True)
class LedgerLine:
    """One posting: ``amount`` debited to ``debit`` and credited to ``credit`` on ``date``."""

    date: date
    loan: str
    kind: LineKind
    amount: Decimal
    debit: Account
    credit: Account
    event: str  # the event that caused it (scheduled-event id or input event id)
    term: str  # the term that produced the amount, e.g. "loans.cit-note.rate"
    cite: str  # the clause: "003 ¶1", "000 §2(c)"
    component: str = ""  # principal | interest | late_charge | fee
    memo: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "date": self.date.isoformat(),
            "loan": self.loan,
            "kind": self.kind.value,
            "amount": format(self.amount, "f"),
            "debit": self.debit.value,
            "credit": self.credit.value,
            "event": self.event,
            "term": self.term,
            "cite": self.cite,
            "component": self.component,
            "memo": self.memo,
        }


def balances(lines: Iterable[LedgerLine]) -> dict[Account, Decimal]:
    """Debit-positive balance of every account touched by ``lines``."""
    out: dict[Account, Decimal] = defaultdict(lambda: Decimal(0))
    for line in lines:
        out[line.debit] += line.amount
        out[line.credit] -= line.amount
    return dict(out)
