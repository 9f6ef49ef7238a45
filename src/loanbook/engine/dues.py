"""What falls due: the advance, installments of principal, interest, fees."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from loanbook.engine.contract import ContractEvents
from loanbook.engine.rate import RateQuote, pct
from loanbook.engine.steps import Step, StepKind
from loanbook.ledger.lines import Account, LineKind
from loanbook.money import ZERO, frac
from loanbook.terms.model import AmortizationKind, InterestBase


class Dues(ContractEvents):
    """Steps that make amounts due."""

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
        cite = ev.get("cite") or self.history.at(step.date).cite("loan")
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
