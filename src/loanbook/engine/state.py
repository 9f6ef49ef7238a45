"""The working state of one run, and the helpers every step uses (posting, rounding).

The engine is one class built in layers, each a module: state -> accrual -> contract events
-> dues -> servicing -> the run loop (``run.py``). Each layer may call the ones below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from loanbook.engine.history import TermsHistory
from loanbook.engine.installments import (
    build_installments,
)
from loanbook.engine.rate import RateQuote
from loanbook.engine.result import StepState
from loanbook.ledger.lines import Account, LedgerLine, LineKind
from loanbook.money import ZERO, frac, to_cents, to_decimal
from loanbook.rates import Market
from loanbook.terms.model import AmortizationKind, InterestBase

_DUE_ACCOUNT = {
    "principal": Account.PRINCIPAL_DUE,
    "interest": Account.INTEREST_DUE,
    "late_charge": Account.LATE_CHARGE_RECEIVABLE,
    "fee": Account.FEE_RECEIVABLE,
    "indexation": Account.INDEXATION_RECEIVABLE,
}
_DEFAULT_ORDER = ("late_charge", "fee", "interest", "principal", "indexation")
_LEVEL = (AmortizationKind.LEVEL_PAYMENT, AmortizationKind.NEGATIVE)


@dataclass
class _Due:
    """Working record of an amount due (mutable inside one run only)."""

    component: str
    due_date: date
    remaining: Decimal
    event: str
    cite: str
    term: str


class RunState:
    """Everything a run keeps between steps (mutable inside one run only)."""

    def __init__(
        self,
        history: TermsHistory,
        market: Market,
        *,
        daily: bool,
        assume_paid: bool,
        rounding: bool,
    ) -> None:
        self.history = history
        self.terms = history.latest
        self.market = market
        self.daily = daily
        self.assume_paid = assume_paid
        self.rounding = rounding
        self.lines: list[LedgerLine] = []
        self.principal_not_due = ZERO
        self.dues: list[_Due] = []
        self.accrued = Fraction(0)  # interest accrued since the last interest date, exact
        self.accrued_posted = ZERO
        self.usury_excess = Fraction(0)
        self.late = Fraction(0)
        self.late_posted = ZERO
        self.unapplied = ZERO
        self.rate: RateQuote | None = None
        self.rate_cite = ""
        self.segments: list[tuple[date, RateQuote]] = []
        self.accrued_to: date | None = None
        self.accelerated: date | None = None
        self.scheduled = build_installments(self.terms, rounding=rounding)
        self.amounts: list[Decimal | None] = [i.amount for i in self.scheduled]
        self.next_installment = 0
        amort = self.terms.amortization
        self.payment = amort.installment if amort.kind in _LEVEL else None
        self.base = ZERO  # the interest base when it is not the principal outstanding
        scaling = self.terms.scaling
        # scaling of interest and principal payments
        self.interest_multiplier = frac(scaling.initial_interest) if scaling else Fraction(1)
        self.principal_multiplier = frac(scaling.initial_principal) if scaling else Fraction(1)
        self.closed = False  # terminated: nothing happens after
        self.principal_done: date | None = None  # the date of the last installment reached
        self.states: list[StepState] = []
        self.keep_states = True  # off when the caller wants figures only (no snapshots)

    def _round(self, value: Fraction) -> Decimal:
        return to_cents(value) if self.rounding else to_decimal(value)

    def _post(
        self,
        day: date,
        kind: LineKind,
        amount: Decimal,
        debit: Account,
        credit: Account,
        event: str,
        term: str,
        cite: str,
        component: str = "",
        memo: str = "",
    ) -> None:
        if amount == 0:
            return
        if amount < 0:  # a negative posting is the reverse posting of the positive amount
            amount, debit, credit = -amount, credit, debit
        self.lines.append(
            LedgerLine(
                day, self.terms.id, kind, amount, debit, credit, event, term, cite, component, memo
            )
        )

    def _principal_outstanding(self) -> Decimal:
        due = sum((d.remaining for d in self.dues if d.component == "principal"), ZERO)
        return self.principal_not_due + due

    def _interest_base(self) -> Decimal:
        """What interest accrues on: the principal outstanding, or a base kept apart."""
        if self.terms.interest_base is InterestBase.OUTSTANDING:
            return self._principal_outstanding()
        return self.base

    def _add_due(
        self, component: str, day: date, amount: Decimal, event: str, cite: str, term: str
    ) -> None:
        """An amount due; a negative one is owed to the borrower (negative interest, the
        shortfall of a negative-amortization payment)."""
        if amount != 0:
            self.dues.append(_Due(component, day, amount, event, cite, term))
