"""The engine: terms + events + market data -> dated, clause-cited ledger lines.

One pass over the timeline (``steps.build_steps``). Between steps nothing changes, so interest
for a span is balance x rate x day-count fraction, accrued exactly (``Fraction``); what is
posted is rounded by one rule (``money.to_cents``) on the cumulative total, so posted accruals
always add up to the interest that falls due. ``assume_paid`` settles every amount the day it
falls due (the ACTUS view); ``rounding=False`` posts exact values (ACTUS comparison).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from loanbook.engine.events import LoanEvent
from loanbook.engine.history import TermsHistory
from loanbook.engine.installments import (
    Installment,
    apply_prepayment,
    build_installments,
    schedule_dates,
)
from loanbook.engine.rate import RateQuote, pct, quote
from loanbook.engine.result import DueItem, LoanResult, Position, RateSegment, StepState
from loanbook.engine.steps import Step, StepKind, build_steps
from loanbook.errors import Issue, RefusedError
from loanbook.ledger.lines import Account, LedgerLine, LineKind
from loanbook.money import ZERO, frac, to_cents, to_decimal
from loanbook.rates import Market
from loanbook.terms.model import AmortizationKind, InterestBase, RateReset
from loanbook.time import year_fraction

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


def run_loan(
    history: TermsHistory,
    events: tuple[LoanEvent, ...],
    market: Market,
    until: date,
    *,
    daily: bool = False,
    assume_paid: bool = False,
    rounding: bool = True,
) -> LoanResult:
    """Run one loan from its start to ``until`` (inclusive: events dated ``until`` apply and
    interest is accrued up to, not including, ``until``)."""
    return _Run(history, market, daily=daily, assume_paid=assume_paid, rounding=rounding).go(
        events, until
    )


class _Run:
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

    # -- helpers -------------------------------------------------------------------------
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

    # -- accrual -------------------------------------------------------------------------
    def _accrue(self, to: date, event: str) -> None:
        """Accrue interest and late charges from ``accrued_to`` to ``to`` and post them."""
        start = self.accrued_to
        if start is None or to <= start:
            return
        terms = self.history.at(start)
        balance = self._interest_base()
        if self.rate is not None and balance:
            yf = year_fraction(terms.day_count, start, to)
            self.accrued += frac(balance) * frac(self.rate.rate) * yf
            cap = terms.usury_max_rate
            if cap is not None and self.rate.rate > cap:
                self.usury_excess += frac(balance) * frac(self.rate.rate - cap) * yf
            amount = self._round(self.accrued) - self.accrued_posted
            self.accrued_posted += amount
            last = to - timedelta(days=1)
            self._post(
                to,
                LineKind.ACCRUAL,
                amount,
                Account.INTEREST_ACCRUED,
                Account.INTEREST_INCOME,
                event,
                terms.term("rate"),
                self.rate_cite,
                "interest",
                f"{start.isoformat()}..{last.isoformat()} on {balance} at {pct(self.rate.rate)}"
                f" ({self.rate.basis}), {terms.day_count.value}",
            )
        if terms.late_charge is not None:
            lc = terms.late_charge
            for due in self.dues:
                if due.component == "late_charge" or due.remaining <= 0 or due.due_date >= to:
                    continue
                since = max(start, due.due_date)
                self.late += (
                    frac(due.remaining) * frac(lc.rate) * year_fraction(lc.day_count, since, to)
                )
        self.accrued_to = to

    def _post_late(self, day: date, event: str) -> None:
        terms = self.history.at(day)
        amount = self._round(self.late) - self.late_posted
        if amount <= 0 or terms.late_charge is None:
            return
        self.late_posted += amount
        cite, term = terms.cite("late_charge"), terms.term("late_charge")
        self._post(
            day,
            LineKind.LATE_CHARGE,
            amount,
            Account.LATE_CHARGE_RECEIVABLE,
            Account.LATE_CHARGE_INCOME,
            event,
            term,
            cite,
            "late_charge",
            f"at {pct(terms.late_charge.rate)} a year on amounts unpaid from their due dates",
        )
        self.dues.append(_Due("late_charge", day, amount, event, cite, term))

    def _accrue_daily(self, to: date) -> None:
        assert self.accrued_to is not None
        day = self.accrued_to + timedelta(days=1)
        while day <= to:
            self._accrue(day, f"{self.terms.id}/accrual/{day.isoformat()}")
            self._post_late(day, f"{self.terms.id}/accrual/{day.isoformat()}")
            day += timedelta(days=1)

    # -- the run -------------------------------------------------------------------------
    def go(self, events: tuple[LoanEvent, ...], until: date) -> LoanResult:
        extra = self.history.change_dates()
        steps = build_steps(self.terms, self.scheduled, events, self.market, until, extra)
        for step in steps:
            if self.closed:
                break
            if self.accrued_to is not None:
                if self.daily:
                    self._accrue_daily(step.date)
                self._accrue(step.calc, step.event_id)
            self._apply(step)
            self._settle(step.date, step.event_id)
            self._record(step)
        if self.accrued_to is not None and not self.closed:
            if self.daily:
                self._accrue_daily(until)
            end_id = f"{self.terms.id}/as-of/{until.isoformat()}"
            self._accrue(until, end_id)
            self._post_late(until, end_id)
            self._settle(until, end_id)
        return self._result(until)

    def _apply(self, step: Step) -> None:
        handler = {
            StepKind.ADVANCE: self._advance,
            StepKind.PRINCIPAL_DUE: self._principal_due,
            StepKind.INTEREST_DUE: self._interest_due,
            StepKind.FEE: self._fee,
            StepKind.PAYMENT: self._payment,
            StepKind.PREPAYMENT: self._prepayment,
            StepKind.ACCELERATION: self._acceleration,
            StepKind.RATE_RESET: self._rate_reset,
            StepKind.RATE_SET: self._rate_set,
            StepKind.PAYMENT_RECALC: self._payment_recalc,
            StepKind.CAPITALIZATION: self._capitalize,
            StepKind.PURCHASE: self._purchase,
            StepKind.TERMINATION: self._terminate,
            StepKind.SCALING: self._rescale,
            StepKind.INTEREST_BASE: self._reset_base,
            StepKind.MATURITY: self._principal_due,
        }.get(step.kind)
        if handler is not None:
            handler(step)

    def _advance(self, step: Step) -> None:
        terms = self.terms
        amount = step.event.amount if step.event and step.event.amount else terms.principal
        first = self.accrued_to is None
        if first:
            self.accrued_to = step.calc
        self.principal_not_due += amount
        self._post(
            step.date,
            LineKind.ADVANCE,
            amount,
            Account.PRINCIPAL_RECEIVABLE,
            Account.CASH,
            step.event_id,
            terms.term("principal"),
            terms.cite("principal"),
            "principal",
            "Advance",
        )
        if terms.interest_base is InterestBase.AT_ADVANCE:
            self.base += amount
        if not first:
            return
        if terms.interest_base is InterestBase.LAGGED:
            self.base = terms.interest_base_amount or amount
        if terms.premium_discount:
            self._post(
                step.date,
                LineKind.PREMIUM_DISCOUNT,
                terms.premium_discount,
                Account.TRADING,
                Account.CASH,
                step.event_id,
                terms.term("premium_discount"),
                terms.cite("premium_discount"),
                "price",
                "premium paid with the advance" if terms.premium_discount > 0 else "discount",
            )
        if terms.accrued_at_start:
            self.accrued += frac(terms.accrued_at_start)
            posted = self._round(self.accrued) - self.accrued_posted
            self.accrued_posted += posted
            self._post(
                step.date,
                LineKind.ACCRUAL,
                posted,
                Account.INTEREST_ACCRUED,
                Account.INTEREST_INCOME,
                step.event_id,
                terms.term("accrued_at_start"),
                terms.cite("accrued_at_start"),
                "interest",
                "interest accrued before the start",
            )
        if self.rate is None:
            spec = terms.rate
            if spec.initial is not None and spec.index is not None:
                q = RateQuote(spec.initial, f"initial {pct(spec.initial)}", terms.cite("rate"))
                self._set_rate(step.date, q)
            else:
                self._rate_reset(replace(step, kind=StepKind.RATE_RESET))

    def _principal_due(self, step: Step) -> None:
        inst = step.installment
        assert inst is not None
        index = inst.number - 1
        self.next_installment = index + 1
        if self.accelerated is not None or self.principal_not_due <= 0:
            self.principal_done = step.date
            return
        amount = self.amounts[index]
        if amount is None:  # level payment: the payment less the interest then accrued
            if self.payment is None:
                self._payment_recalc(step)
            amount = (self.payment or ZERO) - self._round(self.accrued)
            if self.terms.amortization.kind is not AmortizationKind.NEGATIVE:
                amount = max(amount, ZERO)  # negative amortization adds the shortfall
        if index == len(self.scheduled) - 1 or amount > self.principal_not_due:
            amount = self.principal_not_due  # the last installment takes what is left
        self.amounts[index] = amount
        self.principal_done = step.date
        self.principal_not_due -= amount
        self._post(
            step.date,
            LineKind.INSTALLMENT_DUE,
            amount,
            Account.PRINCIPAL_DUE,
            Account.PRINCIPAL_RECEIVABLE,
            step.event_id,
            inst.term,
            inst.cite,
            "principal",
            f"Installment {inst.number} of {len(self.scheduled)}",
        )
        self._add_due("principal", step.date, amount, step.event_id, inst.cite, inst.term)
        if self.terms.scaling is not None and self.terms.scaling.principal:
            self._index(step, amount, self.principal_multiplier, "principal")

    def _interest_due(self, step: Step) -> None:
        terms = self.history.at(step.date)
        amount = self._round(self.accrued)
        if terms.scaling is not None and terms.scaling.interest:
            self._index(step, amount, self.interest_multiplier, "interest")
        excess = self._round(self.usury_excess) if self.usury_excess else ZERO
        cite, term = terms.cite("interest_schedule"), terms.term("interest_schedule")
        self._post(
            step.date,
            LineKind.INTEREST_DUE,
            amount,
            Account.INTEREST_DUE,
            Account.INTEREST_ACCRUED,
            step.event_id,
            term,
            cite,
            "interest",
            "interest payable for the days up to the day before",
        )
        if excess:
            self._post(
                step.date,
                LineKind.USURY_CREDIT,
                excess,
                Account.INTEREST_INCOME,
                Account.INTEREST_DUE,
                step.event_id,
                terms.term("usury_max_rate"),
                terms.cite("usury_max_rate"),
                "interest",
                f"interest above the maximum lawful rate {pct(terms.usury_max_rate or ZERO)}"
                " credited to the borrower",
            )
        self._add_due("interest", step.date, amount - excess, step.event_id, cite, term)
        self.accrued, self.accrued_posted, self.usury_excess = Fraction(0), ZERO, Fraction(0)

    def _fee(self, step: Step) -> None:
        ev = step.event
        assert ev is not None and ev.amount is not None
        cite = ev.get("cite") or self.terms.cite("loan")
        self._post(
            step.date,
            LineKind.FEE,
            ev.amount,
            Account.FEE_RECEIVABLE,
            Account.FEE_INCOME,
            step.event_id,
            ev.get("term") or self.terms.term("fees"),
            cite,
            "fee",
            ev.reference,
        )
        self._add_due("fee", step.date, ev.amount, step.event_id, cite, self.terms.term("fees"))

    def _add_due(
        self, component: str, day: date, amount: Decimal, event: str, cite: str, term: str
    ) -> None:
        """An amount due; a negative one is owed to the borrower (negative interest, the
        shortfall of a negative-amortization payment)."""
        if amount != 0:
            self.dues.append(_Due(component, day, amount, event, cite, term))

    def _payment(self, step: Step) -> None:
        ev = step.event
        assert ev is not None and ev.amount is not None
        self._post_late(step.date, step.event_id)
        self._apply_funds(step.date, ev.amount, step.event_id, Account.CASH)

    def _apply_funds(self, day: date, amount: Decimal, event: str, source: Account) -> Decimal:
        """Apply ``amount`` by the waterfall; what is left goes to unapplied funds."""
        wf = self.history.at(day).waterfall
        overdue = any(
            d.component == "principal" and d.remaining > 0 and d.due_date < day for d in self.dues
        )
        order = wf.after_maturity if overdue else wf.before_maturity
        order = (*order, *(c for c in _DEFAULT_ORDER if c not in order))
        wf_cite, wf_term = self.terms.cite("waterfall"), self.terms.term("waterfall")
        left = amount
        for component in order:
            for due in sorted(self.dues, key=lambda d: d.due_date):
                if left <= 0:
                    break
                if due.component != component or due.remaining <= 0:
                    continue
                paid = min(due.remaining, left)
                due.remaining -= paid
                left -= paid
                self._post(
                    day,
                    LineKind.PAYMENT_APPLIED,
                    paid,
                    source,
                    _DUE_ACCOUNT[component],
                    event,
                    wf_term,
                    wf_cite,
                    component,
                    f"applied to {component} due {due.due_date.isoformat()} ({due.event})"
                    + (" after maturity of an installment" if overdue else ""),
                )
        self.dues = [d for d in self.dues if d.remaining > 0]
        if source is Account.CASH and left > 0:
            self.unapplied += left
            self._post(
                day,
                LineKind.UNAPPLIED,
                left,
                Account.CASH,
                Account.UNAPPLIED_FUNDS,
                event,
                wf_term,
                wf_cite,
                "",
                "received beyond amounts due; held to apply when due",
            )
            return ZERO
        return left

    def _settle(self, day: date, event: str) -> None:
        """Pay what is due from unapplied funds, or (ACTUS view) as it falls due. What is
        owed to the borrower is paid out (ACTUS view) or held for them as unapplied funds."""
        if not self.dues:
            return
        owed = [d for d in self.dues if d.remaining < 0]
        for due in owed:
            source = Account.CASH if self.assume_paid else Account.UNAPPLIED_FUNDS
            self._post(
                day,
                LineKind.PAYMENT_APPLIED,
                due.remaining,
                source,
                _DUE_ACCOUNT[due.component],
                event,
                self.terms.term("waterfall"),
                self.terms.cite("waterfall"),
                due.component,
                f"{due.component} due {due.due_date.isoformat()} ({due.event}),"
                " owed to the borrower",
            )
            if not self.assume_paid:
                self.unapplied -= due.remaining
            due.remaining = ZERO
        if owed:
            self.dues = [d for d in self.dues if d.remaining != 0]
        if not self.dues:
            return
        if self.assume_paid:
            total = sum((d.remaining for d in self.dues), ZERO)
            self._apply_funds(day, total, event, Account.CASH)
        elif self.unapplied > 0:
            before = self.unapplied
            left = self._apply_funds(day, before, event, Account.UNAPPLIED_FUNDS)
            self.unapplied = left

    def _prepayment(self, step: Step) -> None:
        ev = step.event
        assert ev is not None and ev.amount is not None
        if ev.amount > self.principal_not_due:
            raise RefusedError(
                Issue(
                    ev.reference or ev.event_id,
                    "amount",
                    f"prepayment {ev.amount} exceeds the principal not yet due "
                    f"{self.principal_not_due} of loan {self.terms.id}",
                )
            )
        amounts = [a if a is not None else ZERO for a in self.amounts]
        taken = apply_prepayment(
            amounts, self.next_installment, ev.amount, self.terms.prepayment_order
        )
        for i, cut in taken:
            if self.amounts[i] is not None:
                self.amounts[i] = amounts[i]
            inst = self.scheduled[i]
            self._post(
                step.date,
                LineKind.PREPAYMENT_APPLIED,
                cut,
                Account.CASH,
                Account.PRINCIPAL_RECEIVABLE,
                step.event_id,
                self.terms.term("prepayment_order"),
                self.terms.cite("prepayment_order"),
                "principal",
                f"installment {inst.number} due {inst.due_date.isoformat()} reduced by {cut}"
                f" to {amounts[i]} ({self.terms.prepayment_order.value} order of maturity)",
            )
        applied = sum((c for _, c in taken), ZERO)
        rest = ev.amount - applied  # level-payment loans: reduce the balance directly
        if rest > 0:
            self._post(
                step.date,
                LineKind.PREPAYMENT_APPLIED,
                rest,
                Account.CASH,
                Account.PRINCIPAL_RECEIVABLE,
                step.event_id,
                self.terms.term("prepayment_order"),
                self.terms.cite("prepayment_order"),
                "principal",
                "prepayment of principal",
            )
        self.principal_not_due -= ev.amount

    def _acceleration(self, step: Step) -> None:
        if self.accelerated is not None:
            return
        self.accelerated = step.date
        cite, term = self.terms.cite("acceleration"), self.terms.term("acceleration")
        amount = self.principal_not_due
        self.principal_not_due = ZERO
        self._post(
            step.date,
            LineKind.ACCELERATION,
            amount,
            Account.PRINCIPAL_DUE,
            Account.PRINCIPAL_RECEIVABLE,
            step.event_id,
            term,
            cite,
            "principal",
            "all unpaid principal declared immediately due and payable",
        )
        self._add_due("principal", step.date, amount, step.event_id, cite, term)
        self._interest_due(step)
        if self.history.at(step.date).default_margin:
            self._rate_reset(step)

    def _rate_reset(self, step: Step) -> None:
        terms = self.history.at(step.date)
        extra = terms.default_margin if (self.accelerated and terms.default_margin) else ZERO
        previous = self.rate.rate if self.rate is not None and step.date > terms.start else None
        q = quote(terms, terms.rate, self.market, step.date, extra or ZERO, previous)
        self._set_rate(step.date, q)

    def _rate_set(self, step: Step) -> None:
        """A reset to the rate agreed in advance for it (ACTUS RRF)."""
        terms = self.history.at(step.date)
        agreed = terms.rate.next_reset_rate
        if agreed is None:
            self._rate_reset(step)
            return
        self._set_rate(step.date, RateQuote(agreed, f"agreed {pct(agreed)}", terms.cite("rate")))

    def _set_rate(self, day: date, q: RateQuote) -> None:
        terms = self.history.at(day)
        self.rate = q
        irp = terms.rate.reset is RateReset.PERIOD_START and terms.interest_rate_period
        self.rate_cite = q.cite + (f"; {terms.cite('interest_rate_period')}" if irp else "")
        cited = replace(q, cite=self.rate_cite)
        if self.segments and self.segments[-1][0] == day:
            self.segments.pop()  # a later reset the same day replaces the earlier one
        if not self.segments or self.segments[-1][1] != cited:
            self.segments.append((day, cited))

    # -- capitalisation, level payments, scaling, the interest base -------------------------
    def _capitalize(self, step: Step) -> None:
        """Interest accrued is added to principal instead of falling due (ACTUS IPCI)."""
        terms = self.history.at(step.date)
        amount = self._round(self.accrued)
        self._post(
            step.date,
            LineKind.CAPITALIZATION,
            amount,
            Account.PRINCIPAL_RECEIVABLE,
            Account.INTEREST_ACCRUED,
            step.event_id,
            terms.term("capitalize_until"),
            terms.cite("capitalize_until"),
            "interest",
            "interest added to principal",
        )
        self.principal_not_due += amount
        self.accrued, self.accrued_posted, self.usury_excess = Fraction(0), ZERO, Fraction(0)

    def _payment_recalc(self, step: Step) -> None:
        """The level payment that repays the principal outstanding and the interest accrued
        to the next principal date in equal payments on the remaining principal dates up to
        the horizon, at the rate in force (ACTUS annuity formula, PRF)."""
        terms = self.history.at(step.date)
        amort = terms.amortization
        horizon = amort.horizon or terms.maturity
        if amort.schedule is None or horizon is None or self.rate is None:
            return
        done = self.principal_done
        dates = [
            c
            for d, c in schedule_dates(amort.schedule, horizon)
            if d >= step.date and (done is None or d > done)
        ]
        if terms.maturity_end_of_day and dates and dates[-1] == terms.maturity:
            dates[-1] = dates[-1] + timedelta(days=1)
        balance = frac(self._principal_outstanding())
        rate = frac(self.rate.rate)
        if not dates:
            self.payment = self._round(balance + self.accrued)
            return
        since = self.accrued_to or step.calc
        accrued = self.accrued + frac(self._interest_base()) * rate * year_fraction(
            terms.day_count, since, dates[0]
        )
        factors = [1 + rate * year_fraction(terms.day_count, a, b) for a, b in pairwise(dates)]
        total, running = Fraction(0), Fraction(1)
        for f in reversed(factors):
            running *= f
            total += running
        self.payment = self._round((balance + accrued) * running / (1 + total))

    def _index(self, step: Step, amount: Decimal, multiplier: Fraction, component: str) -> None:
        """The indexed part of a scaled payment: ``amount`` x (multiplier - 1), due with it."""
        extra = self._round(frac(amount) * multiplier) - amount
        if not extra:
            return
        scaling = self.terms.scaling
        assert scaling is not None
        cite, term = self.terms.cite("scaling"), self.terms.term("scaling")
        self._post(
            step.date,
            LineKind.INDEXATION,
            extra,
            Account.INDEXATION_RECEIVABLE,
            Account.INDEXATION_INCOME,
            step.event_id,
            term,
            cite,
            "indexation",
            f"{component} {amount} scaled by {scaling.index} x {to_decimal(multiplier)}",
        )
        self._add_due("indexation", step.date, extra, step.event_id, cite, term)

    def _rescale(self, step: Step) -> None:
        """Read the scaling index: multipliers are its value over the base (ACTUS SC)."""
        scaling = self.terms.scaling
        if scaling is None:
            return
        value = self.market.index(scaling.index).in_force(step.date).rate
        multiplier = frac(value) / frac(scaling.base)
        if scaling.interest:
            self.interest_multiplier = multiplier
        if scaling.principal:
            self.principal_multiplier = multiplier

    def _reset_base(self, step: Step) -> None:
        """A lagged interest base catches up with the principal outstanding (ACTUS IPCB)."""
        self.base = self._principal_outstanding()

    # -- purchase and termination ----------------------------------------------------------
    def _trade_lines(self, step: Step, kind: LineKind, sign: int) -> None:
        """Price and accrued interest exchanged when the loan is bought (sign -1: paid) or
        sold (+1: received); the accrued interest goes with the loan."""
        ev = step.event
        assert ev is not None
        price = ev.amount or ZERO
        cite, term = ev.get("cite") or self.terms.cite("loan"), ev.get("term") or ""
        accrued = self.accrued_posted
        for amount, component, memo in (
            (price, "price", "clean price"),
            (accrued, "interest", "interest accrued to the date"),
        ):
            debit, credit = (
                (Account.CASH, Account.TRADING) if sign > 0 else (Account.TRADING, Account.CASH)
            )
            if component == "interest" and sign > 0:
                credit = Account.INTEREST_ACCRUED
            self._post(
                step.date, kind, amount, debit, credit, step.event_id, term, cite, component, memo
            )

    def _purchase(self, step: Step) -> None:
        """The holder buys the loan at a clean price plus the interest accrued (ACTUS PRD)."""
        self._trade_lines(step, LineKind.PURCHASE, -1)

    def _terminate(self, step: Step) -> None:
        """The holder sells (or closes) the loan at a clean price plus the interest accrued;
        the principal leaves the book and nothing happens after (ACTUS TD)."""
        self._trade_lines(step, LineKind.TERMINATION, 1)
        ev = step.event
        assert ev is not None
        self._post(
            step.date,
            LineKind.TERMINATION,
            self.principal_not_due,
            Account.TRADING,
            Account.PRINCIPAL_RECEIVABLE,
            step.event_id,
            ev.get("term") or "",
            ev.get("cite") or self.terms.cite("loan"),
            "principal",
            "principal outstanding delivered",
        )
        self.principal_not_due = ZERO
        self.accrued, self.accrued_posted, self.usury_excess = Fraction(0), ZERO, Fraction(0)
        self.closed = True

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
                to_decimal(self.interest_multiplier),
                to_decimal(self.principal_multiplier),
            )
        )

    # -- result --------------------------------------------------------------------------
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
        segments = tuple(
            RateSegment(start, self.segments[i + 1][0] if i + 1 < len(self.segments) else until, q)
            for i, (start, q) in enumerate(self.segments)
        )
        current: list[Installment] = []
        for inst, amount in zip(self.scheduled, self.amounts, strict=True):
            current.append(replace(inst, amount=amount))
        if self.terms.amortization.kind is AmortizationKind.LEVEL_PAYMENT:
            pass  # amounts not yet reached stay None: they depend on interest at their date
        return LoanResult(
            self.terms.id,
            tuple(self.lines),
            tuple(current),
            self.scheduled,
            position,
            segments,
            tuple(self.states),
        )
