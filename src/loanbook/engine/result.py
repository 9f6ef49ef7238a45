"""What a run produces: ledger lines, the installment schedule and the position at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from loanbook.engine.installments import Installment
from loanbook.engine.rate import RateQuote
from loanbook.engine.steps import StepKind
from loanbook.ledger.lines import Account, LedgerLine, LineKind


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


def rate_segments(starts: list[tuple[date, RateQuote]], until: date) -> tuple[RateSegment, ...]:
    """Each rate from its start to the next one's (the last to ``until``)."""
    return tuple(
        RateSegment(start, starts[i + 1][0] if i + 1 < len(starts) else until, q)
        for i, (start, q) in enumerate(starts)
    )


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


class CashFlow(NamedTuple):
    """An amount falling due (or, negative, credited against what is due): the figure a
    cash-flow caller needs from a ledger line, without its accounts, memo or citation.
    (A named tuple: a run may make hundreds, and it is immutable all the same.)"""

    date: date
    kind: LineKind  # the ledger line it stands for
    component: str  # principal, interest, late_charge, fee, indexation
    amount: Decimal  # negative: owed to the borrower (negative interest, a usury credit)


#: The ledger lines that make an amount fall due, with the account a positive amount debits
#: (``_post`` writes a negative amount as the reverse posting) and the sign of the flow.
_FLOW_LINES: dict[LineKind, tuple[Account, int]] = {
    LineKind.INSTALLMENT_DUE: (Account.PRINCIPAL_DUE, 1),
    LineKind.ACCELERATION: (Account.PRINCIPAL_DUE, 1),
    LineKind.INTEREST_DUE: (Account.INTEREST_DUE, 1),
    LineKind.USURY_CREDIT: (Account.INTEREST_INCOME, -1),
    LineKind.LATE_CHARGE: (Account.LATE_CHARGE_RECEIVABLE, 1),
    LineKind.FEE: (Account.FEE_RECEIVABLE, 1),
    LineKind.INDEXATION: (Account.INDEXATION_RECEIVABLE, 1),
}


_COMPONENT = {
    LineKind.INSTALLMENT_DUE: "principal",
    LineKind.ACCELERATION: "principal",
    LineKind.INTEREST_DUE: "interest",
    LineKind.USURY_CREDIT: "interest",
    LineKind.LATE_CHARGE: "late_charge",
    LineKind.FEE: "fee",
    LineKind.INDEXATION: "indexation",
}


@dataclass(frozen=True)
class FlowCents:
    """Cash flows as plain (date, line kind, whole cents) tuples, as a run without lines
    makes them: no object per flow until a caller asks for ``rows``."""

    items: tuple[tuple[date, LineKind, int], ...]

    def __len__(self) -> int:
        return len(self.items)

    def rows(self) -> tuple[CashFlow, ...]:
        return tuple(CashFlow(d, k, _COMPONENT[k], Decimal(c).scaleb(-2)) for d, k, c in self.items)

    @classmethod
    def of(cls, flows: tuple[CashFlow, ...]) -> FlowCents:
        """The cents of ``flows``, which must be whole cents (a rounded run's are)."""
        items: list[tuple[date, LineKind, int]] = []
        for f in flows:
            num, den = (f.amount * 100).as_integer_ratio()
            if den != 1:
                raise ValueError(f"{f.kind} of {f.date} is not whole cents: {f.amount}")
            items.append((f.date, f.kind, num))
        return cls(tuple(items))


def flows_of(lines: tuple[LedgerLine, ...]) -> tuple[CashFlow, ...]:
    """The cash flows the ledger lines of a run make fall due, in posting order."""
    out: list[CashFlow] = []
    for ln in lines:
        spec = _FLOW_LINES.get(ln.kind)
        if spec is not None:
            debit, sign = spec
            amount = ln.amount * sign if ln.debit is debit else -ln.amount * sign
            out.append(CashFlow(ln.date, ln.kind, ln.component, amount))
    return tuple(out)


@dataclass(frozen=True)
class LoanResult:
    loan: str
    # The three below are empty when the run was asked for figures only (``lines=False``):
    lines: tuple[LedgerLine, ...]
    installments: tuple[Installment, ...]  # as scheduled, amounts after prepayments
    scheduled: tuple[Installment, ...]  # as first scheduled
    position: Position
    rates: tuple[RateSegment, ...]
    states: tuple[StepState, ...] = ()  # the state after each step, in order
    cash_flows: FlowCents | None = None  # set by a run without lines

    @property
    def flows(self) -> tuple[CashFlow, ...]:
        """Every amount that fell due, in order (from the lines when the run kept them)."""
        if self.cash_flows is not None:
            return self.cash_flows.rows()
        return flows_of(self.lines)
