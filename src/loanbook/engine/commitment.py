"""Commitments: how much may be lent under a facility, and whether an advance may be made.

000 §2(c): the aggregate principal of all Loans may not exceed the lesser of a fixed amount
and a formula over collateral values; each Loan at least a minimum; at most N Loans; no
Loan after the commitment terminates. Each refusal names the rule and its clause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.errors import Issue
from loanbook.money import ZERO, to_cents


@dataclass(frozen=True)
class CommitmentPart:
    name: str
    description: str
    amount: Decimal
    cite: str
    assumption: str = ""


@dataclass(frozen=True)
class LoanMade:
    loan: str
    date: date
    principal: Decimal
    cite: str


@dataclass(frozen=True)
class Commitment:
    """A facility's commitment terms, as in force on a date."""

    facility: str
    fixed_cap: Decimal
    parts: tuple[CommitmentPart, ...]
    minimum_loan: Decimal | None
    maximum_loans: int | None
    termination: date | None
    cite: str

    @property
    def formula_total(self) -> Decimal:
        return sum((p.amount for p in self.parts), ZERO)

    @property
    def cap(self) -> Decimal:
        """The lesser of the fixed amount and the formula (the fixed amount if no formula)."""
        return min(self.fixed_cap, self.formula_total) if self.parts else self.fixed_cap


@dataclass(frozen=True)
class CommitmentReport:
    commitment: Commitment
    as_of: date
    loans_made: tuple[LoanMade, ...]

    @property
    def used(self) -> Decimal:
        return sum((loan.principal for loan in self.loans_made), ZERO)

    @property
    def room(self) -> Decimal:
        if self.terminated:
            return ZERO
        room = max(self.commitment.cap - self.used, ZERO)
        if self.commitment.maximum_loans is not None and self.loans_left == 0:
            return ZERO
        return room

    @property
    def loans_left(self) -> int | None:
        if self.commitment.maximum_loans is None:
            return None
        return max(self.commitment.maximum_loans - len(self.loans_made), 0)

    @property
    def terminated(self) -> bool:
        end = self.commitment.termination
        return end is not None and self.as_of > end


def part_amount(
    basis: str, amount: Decimal | None, percent: Decimal | None, value: Decimal | None
) -> Decimal:
    """A formula part: a fixed amount, or a percentage of a collateral value (to the cent)."""
    if basis == "fixed":
        return amount or ZERO
    return to_cents((percent or ZERO) * (value or ZERO))


def check_advance(report: CommitmentReport, amount: Decimal, day: date) -> list[Issue]:
    """Every rule of the commitment that an advance of ``amount`` on ``day`` would break."""
    c = report.commitment
    where = f"facility {c.facility}"
    out: list[Issue] = []
    if amount <= 0:
        out.append(Issue(where, "amount", f"an advance must be positive, got {amount}"))
    if c.termination is not None and day > c.termination:
        out.append(
            Issue(where, "termination", f"the commitment terminated on {c.termination} ({c.cite})")
        )
    if c.minimum_loan is not None and amount < c.minimum_loan:
        out.append(
            Issue(
                where,
                "minimum_loan",
                f"each Loan must be at least {c.minimum_loan} ({c.cite}); got {amount}",
            )
        )
    if c.maximum_loans is not None and len(report.loans_made) >= c.maximum_loans:
        out.append(
            Issue(
                where,
                "maximum_loans",
                f"at most {c.maximum_loans} Loans ({c.cite}); {len(report.loans_made)} made",
            )
        )
    if report.used + amount > c.cap:
        out.append(
            Issue(
                where,
                "cap",
                f"aggregate Loans {report.used + amount} would exceed the commitment "
                f"{c.cap} (lesser of {c.fixed_cap} and the formula "
                f"{c.formula_total}, {c.cite})",
            )
        )
    return out
