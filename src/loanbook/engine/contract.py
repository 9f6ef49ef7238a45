"""Contract events: rate resets, capitalisation, payment recalculation, scaling, the
interest base, purchase and termination (the ACTUS events beyond plain servicing)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from loanbook.engine.accrual import Accrual
from loanbook.engine.installments import (
    schedule_dates,
)
from loanbook.engine.rate import RateQuote, add_segment, cited_quote, pct, quote
from loanbook.engine.steps import Step
from loanbook.ledger.lines import Account, LineKind
from loanbook.money import ZERO, frac, to_decimal
from loanbook.time import year_fraction


class ContractEvents(Accrual):
    """Steps that change the contract itself rather than what is owed."""

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
        self.rate = q
        self.rate_cite, cited = cited_quote(self.history.at(day), q)
        add_segment(self.segments, day, cited)

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

    def _trade_lines(self, step: Step, kind: LineKind, sign: int) -> None:
        """Price and accrued interest exchanged when the loan is bought (sign -1: paid) or
        sold (+1: received); the accrued interest goes with the loan."""
        ev = step.event
        assert ev is not None
        price = ev.amount or ZERO
        cite = ev.get("cite") or self.history.at(step.date).cite("loan")  # the one in force
        term = ev.get("term") or ""
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
            ev.get("cite") or self.history.at(step.date).cite("loan"),
            "principal",
            "principal outstanding delivered",
        )
        self.principal_not_due = ZERO
        self.accrued, self.accrued_posted, self.usury_excess = Fraction(0), ZERO, Fraction(0)
        self.closed = True
