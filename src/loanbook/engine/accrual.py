"""Accrual of interest and late charges between steps, posted cumulatively to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from loanbook.engine.rate import pct
from loanbook.engine.state import RunState, _Due
from loanbook.ledger.lines import Account, LineKind
from loanbook.time import year_fraction


def _product(balance: Decimal, rate: Decimal, yf: Fraction) -> Fraction:
    """balance x rate x yf exactly, as one fraction of integers (not three ``Fraction``s
    multiplied, each normalised: accrual runs at every step)."""
    bn, bd = balance.as_integer_ratio()
    rn, rd = rate.as_integer_ratio()
    return Fraction(bn * rn * yf.numerator, bd * rd * yf.denominator)


class Accrual(RunState):
    """Interest and late charges accrued between steps."""

    def _accrue(self, to: date, event: str) -> None:
        """Accrue interest and late charges from ``accrued_to`` to ``to`` and post them."""
        start = self.accrued_to
        if start is None or to <= start:
            return
        terms = self.history.at(start)
        balance = self._interest_base()
        if self.rate is not None and balance:
            yf = year_fraction(terms.day_count, start, to)
            self.accrued += _product(balance, self.rate.rate, yf)
            cap = terms.usury_max_rate
            if cap is not None and self.rate.rate > cap:
                self.usury_excess += _product(balance, self.rate.rate - cap, yf)
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
                self.late += _product(
                    due.remaining, lc.rate, year_fraction(lc.day_count, since, to)
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
