"""The engine: terms + events + market data -> dated, clause-cited ledger lines.

One pass over the timeline (``steps.build_steps``). Between steps nothing changes, so interest
for a span is balance x rate x day-count fraction, accrued exactly (``Fraction``); what is
posted is rounded by one rule (``money.to_cents``) on the cumulative total, so posted accruals
always add up to the interest that falls due. ``assume_paid`` settles every amount the day it
falls due (the ACTUS view); ``rounding=False`` posts exact values (ACTUS comparison);
``lines=False`` computes the figures without explaining them (``engine.flows``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar

from loanbook.engine.events import LoanEvent
from loanbook.engine.flows import plain, run_cents
from loanbook.engine.history import TermsHistory
from loanbook.engine.installments import current_installments
from loanbook.engine.result import (
    DueItem,
    FlowCents,
    LoanResult,
    Position,
    StepState,
    flows_of,
    rate_segments,
)
from loanbook.engine.servicing import Servicing
from loanbook.engine.steps import Step, StepKind, build_steps
from loanbook.money import ZERO, to_decimal
from loanbook.rates import Market


def run_loan(
    history: TermsHistory,
    events: tuple[LoanEvent, ...],
    market: Market,
    until: date,
    *,
    daily: bool = False,
    assume_paid: bool = False,
    rounding: bool = True,
    lines: bool = True,
) -> LoanResult:
    """Run one loan from its start to ``until`` (inclusive: events dated ``until`` apply and
    interest is accrued up to, not including, ``until``).

    ``lines=False``: the caller wants the figures only (``LoanResult.flows``, the position,
    and the rates), not the ledger lines, memos, installment records or state snapshots; a
    plain loan is then computed in integer cents (``engine.flows``), any other by the full
    run."""
    if not lines:
        if not rounding:
            raise ValueError("a run without lines computes whole cents: rounding=False needs them")
        if plain(history, events, daily=daily, assume_paid=assume_paid):
            fast = run_cents(history, market, until)
            if fast is not None:
                return fast
        run = _Run(history, market, daily=daily, assume_paid=assume_paid, rounding=rounding)
        run.keep_states = False
        full = run.go(events, until)
        cents = FlowCents.of(flows_of(full.lines))
        return replace(full, lines=(), installments=(), scheduled=(), cash_flows=cents)
    return _Run(history, market, daily=daily, assume_paid=assume_paid, rounding=rounding).go(
        events, until
    )


_ONE = Decimal(1)


def _decimal(multiplier: Fraction) -> Decimal:
    """``to_decimal`` of a scaling multiplier, 1 (no scaling) without a division per step."""
    return _ONE if multiplier == 1 else to_decimal(multiplier)


class _Run(Servicing):
    """One run: the timeline loop, the dispatch of each step, and the result."""

    def go(self, events: tuple[LoanEvent, ...], until: date) -> LoanResult:
        extra = self.history.change_dates()
        steps = build_steps(self.terms, self.scheduled, events, self.market, until, extra)
        for i, step in enumerate(steps):
            if self.closed:
                break
            if self.accrued_to is not None:
                if self.daily:
                    self._accrue_daily(step.date)
                self._accrue(step.calc, step.event_id)
            self._apply(step)
            # Funds held are applied once everything falling due on the day has fallen due,
            # so the waterfall orders the day's dues (interest before principal) rather than
            # the order of the steps; and before money received that day is applied. (The
            # ACTUS view pays every event as it falls due, one by one.)
            after = steps[i + 1] if i + 1 < len(steps) else None
            last_due = after is None or after.date != step.date or after.kind >= StepKind.PAYMENT
            if self.assume_paid or last_due:
                self._settle(step.date, step.event_id)
            if self.keep_states:
                self._record(step)
        if self.accrued_to is not None and not self.closed:
            if self.daily:
                self._accrue_daily(until)
            end_id = f"{self.terms.id}/as-of/{until.isoformat()}"
            self._accrue(until, end_id)
            self._post_late(until, end_id)
            self._settle(until, end_id)
        return self._result(until)

    #: The handler of each step kind, by method name (looked up once per class, not per step).
    _HANDLERS: ClassVar[dict[StepKind, str]] = {
        StepKind.ADVANCE: "_advance",
        StepKind.PRINCIPAL_DUE: "_principal_due",
        StepKind.INTEREST_DUE: "_interest_due",
        StepKind.FEE: "_fee",
        StepKind.PAYMENT: "_payment",
        StepKind.PREPAYMENT: "_prepayment",
        StepKind.ACCELERATION: "_acceleration",
        StepKind.RATE_RESET: "_rate_reset",
        StepKind.RATE_SET: "_rate_set",
        StepKind.PAYMENT_RECALC: "_payment_recalc",
        StepKind.CAPITALIZATION: "_capitalize",
        StepKind.PURCHASE: "_purchase",
        StepKind.TERMINATION: "_terminate",
        StepKind.SCALING: "_rescale",
        StepKind.INTEREST_BASE: "_reset_base",
        StepKind.MATURITY: "_principal_due",
    }

    def _apply(self, step: Step) -> None:
        name = self._HANDLERS.get(step.kind)
        if name is not None:
            getattr(self, name)(step)

    def _record(self, step: Step) -> None:
        self.states.append(
            StepState(
                step.date,
                step.kind,
                step.event_id,
                self._principal_outstanding(),
                self.rate.rate if self.rate is not None else ZERO,
                self._round(self.accrued),
                self._interest_base(),
                self.payment,
                _decimal(self.interest_multiplier),
                _decimal(self.principal_multiplier),
            )
        )

    def _result(self, until: date) -> LoanResult:
        def total(component: str) -> Decimal:
            return sum((d.remaining for d in self.dues if d.component == component), ZERO)

        position = Position(
            as_of=until,
            principal_not_due=self.principal_not_due,
            principal_due=total("principal"),
            interest_accrued=self.accrued_posted,
            interest_due=total("interest"),
            late_charges=total("late_charge"),
            fees=total("fee"),
            unapplied=self.unapplied,
            dues=tuple(
                DueItem(d.component, d.due_date, d.remaining, d.event, d.cite) for d in self.dues
            ),
        )
        segments = rate_segments(self.segments, until)
        # level payment: amounts not yet reached stay None (they depend on interest then)
        current = current_installments(self.scheduled, self.amounts)
        return LoanResult(
            self.terms.id,
            tuple(self.lines),
            tuple(current),
            self.scheduled,
            position,
            segments,
            tuple(self.states),
        )
