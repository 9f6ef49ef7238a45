"""What a run produces: ledger lines, the installment schedule and the position at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanbook.engine.installments import Installment
from loanbook.engine.rate import RateQuote
from loanbook.engine.steps import StepKind
from loanbook.ledger.lines import LedgerLine


@dataclass(frozen=True)
class DueItem:
    """An amount due and unpaid: ``component`` is principal, interest, late_charge or fee."""

    component: str
    due_date: date
    amount: Decimal
    event: str
    cite: str


@dataclass(frozen=True)
class RateSegment:
    """The rate in force from ``start`` (inclusive) to ``end`` (exclusive) and its clause."""

    start: date
    end: date
    quote: RateQuote


@dataclass(frozen=True)
class Position:
    """The state of a loan at the end of a run (as of ``as_of``, interest accrued to it)."""

    as_of: date
    principal_not_due: Decimal
    principal_due: Decimal
    interest_accrued: Decimal
    interest_due: Decimal
    late_charges: Decimal
    fees: Decimal
    unapplied: Decimal
    dues: tuple[DueItem, ...]

    @property
    def principal_outstanding(self) -> Decimal:
        return self.principal_not_due + self.principal_due

    @property
    def total_due(self) -> Decimal:
        """What is payable now: amounts due, late charges and fees, less unapplied funds."""
        return (
            self.principal_due + self.interest_due + self.late_charges + self.fees - self.unapplied
        )

    @property
    def payoff(self) -> Decimal:
        """What pays the loan in full on ``as_of``."""
        return (
            self.principal_outstanding
            + self.interest_accrued
            + self.interest_due
            + (self.late_charges + self.fees - self.unapplied)
        )


@dataclass(frozen=True)
class StepState:
    """The loan just after one step of the run (ACTUS's post-event state).

    ``principal`` is the principal outstanding, ``accrued`` the interest accrued and not yet
    due (before scaling), ``payment`` the level payment in force (None when there is none).
    Amounts are exact when the run does not round, else as posted.
    """

    date: date
    kind: StepKind
    event: str  # the step's event id, as its ledger lines name it
    principal: Decimal
    rate: Decimal
    accrued: Decimal
    interest_base: Decimal
    payment: Decimal | None = None
    interest_multiplier: Decimal = Decimal(1)
    principal_multiplier: Decimal = Decimal(1)


@dataclass(frozen=True)
class LoanResult:
    loan: str
    lines: tuple[LedgerLine, ...]
    installments: tuple[Installment, ...]  # as scheduled, amounts after prepayments
    scheduled: tuple[Installment, ...]  # as first scheduled
    position: Position
    rates: tuple[RateSegment, ...]
    states: tuple[StepState, ...] = ()  # the state after each step, in order
