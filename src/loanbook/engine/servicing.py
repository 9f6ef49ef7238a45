"""Servicing: payments by the waterfall, unapplied funds, prepayment in the agreed order of
maturity, acceleration."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanbook.engine.dues import Dues
from loanbook.engine.installments import (
    apply_prepayment,
)
from loanbook.engine.state import _DEFAULT_ORDER, _DUE_ACCOUNT
from loanbook.engine.steps import Step
from loanbook.errors import Issue, RefusedError
from loanbook.ledger.lines import Account, LineKind
from loanbook.money import ZERO
from loanbook.terms.model import ExcessPayment, PrepaymentOrder

_FULL_ORDERS: dict[tuple[str, ...], tuple[str, ...]] = {}


def _full_order(order: tuple[str, ...]) -> tuple[str, ...]:
    """A waterfall's order followed by the components it leaves out, in the default order
    (made once per order: every payment and settlement applies one)."""
    full = _FULL_ORDERS.get(order)
    if full is None:
        full = (*order, *(c for c in _DEFAULT_ORDER if c not in order))
        if len(_FULL_ORDERS) < 1024:
            _FULL_ORDERS[order] = full
    return full


class Servicing(Dues):
    """Steps that apply money received."""

    def _payment(self, step: Step) -> None:
        ev = step.event
        assert ev is not None and ev.amount is not None
        self._post_late(step.date, step.event_id)
        self._apply_funds(step.date, ev.amount, step.event_id, Account.CASH)

    def _apply_funds(self, day: date, amount: Decimal, event: str, source: Account) -> Decimal:
        """Apply ``amount`` by the waterfall; what is left goes to unapplied funds.

        The order and its citation both come from the terms in force on ``day``: a figure
        cites the clause that governed it when it was computed, not a later amendment."""
        in_force = self.history.at(day)
        wf = in_force.waterfall
        overdue = any(
            d.component == "principal" and d.remaining > 0 and d.due_date < day for d in self.dues
        )
        order = _full_order(wf.after_maturity if overdue else wf.before_maturity)
        wf_cite, wf_term = in_force.cite("waterfall"), in_force.term("waterfall")
        left = amount
        by_date = sorted(self.dues, key=lambda d: d.due_date)  # stable: one order for all
        for component in order:
            for due in by_date:
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
            left = self._excess_to_principal(day, left, event)
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
        in_force = self.history.at(day)
        for due in owed:
            source = Account.CASH if self.assume_paid else Account.UNAPPLIED_FUNDS
            self._post(
                day,
                LineKind.PAYMENT_APPLIED,
                due.remaining,
                source,
                _DUE_ACCOUNT[due.component],
                event,
                in_force.term("waterfall"),
                in_force.cite("waterfall"),
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

    def _excess_to_principal(self, day: date, left: Decimal, event: str) -> Decimal:
        """A payment beyond what is due, applied to principal not yet due when the note says
        so (``excess_payment``: inverse or direct order of maturity); returns what is left."""
        terms = self.history.at(day)
        if terms.excess_payment is ExcessPayment.HOLD or self.principal_not_due <= 0:
            return left
        amount = min(left, self.principal_not_due)
        order = PrepaymentOrder(terms.excess_payment.value)
        self._reduce_principal(
            day, amount, event, order, "excess_payment", "payment beyond the amounts due"
        )
        return left - amount

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
        # the order in force on the prepayment's date, as its lines cite it (an amendment
        # taking effect later does not reorder an earlier prepayment)
        self._reduce_principal(
            step.date,
            ev.amount,
            step.event_id,
            self.history.at(step.date).prepayment_order,
            "prepayment_order",
            "prepayment of principal",
        )

    def _reduce_principal(
        self, day: date, amount: Decimal, event: str, order: PrepaymentOrder, name: str, what: str
    ) -> None:
        """Principal not yet due reduced by ``amount``, installment by installment in
        ``order``, each line citing the term ``name`` (prepayment_order, excess_payment)."""
        amounts = [a if a is not None else ZERO for a in self.amounts]
        taken = apply_prepayment(amounts, self.next_installment, amount, order)
        for i, cut in taken:
            if self.amounts[i] is not None:
                self.amounts[i] = amounts[i]
            inst = self.scheduled[i]
            self._post(
                day,
                LineKind.PREPAYMENT_APPLIED,
                cut,
                Account.CASH,
                Account.PRINCIPAL_RECEIVABLE,
                event,
                self.terms.term(name),
                self.history.at(day).cite(name),
                "principal",
                f"installment {inst.number} due {inst.due_date.isoformat()} reduced by {cut}"
                f" to {amounts[i]} ({order.value} order of maturity)",
            )
        applied = sum((c for _, c in taken), ZERO)
        rest = amount - applied  # level-payment loans: reduce the balance directly
        if rest > 0:
            self._post(
                day,
                LineKind.PREPAYMENT_APPLIED,
                rest,
                Account.CASH,
                Account.PRINCIPAL_RECEIVABLE,
                event,
                self.terms.term(name),
                self.history.at(day).cite(name),
                "principal",
                what,
            )
        self.principal_not_due -= amount

    def _acceleration(self, step: Step) -> None:
        if self.accelerated is not None:
            return
        self.accelerated = step.date
        in_force = self.history.at(step.date)  # the clause that governed it on its date
        cite, term = in_force.cite("acceleration"), in_force.term("acceleration")
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
