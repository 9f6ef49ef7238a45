"""Installments of principal: level principal, level payment, bullet or an explicit list.

A prepayment is applied to installments in inverse order of maturity (the last ones first)
unless the terms say otherwise; ``apply_prepayment`` returns the new amounts and what each
installment lost, so the ledger can say which installments a prepayment removed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from loanbook.money import ZERO, to_cents
from loanbook.terms.model import AmortizationKind, LoanTerms, PrepaymentOrder
from loanbook.time import adjust, generate, generate_count, get_calendar


@dataclass(frozen=True)
class Installment:
    """One scheduled principal payment. ``amount`` is None when it is computed at its date
    (level payment: the payment less the interest then due)."""

    number: int
    due_date: date
    amount: Decimal | None
    cite: str
    term: str


def principal_dates(terms: LoanTerms) -> tuple[date, ...]:
    """The due dates of principal, business-day adjusted."""
    amort = terms.amortization
    if amort.kind is AmortizationKind.BULLET:
        if terms.maturity is None:
            raise ValueError(f"loan {terms.id}: a bullet loan needs a maturity date")
        return (terms.maturity,)
    if amort.kind is AmortizationKind.EXPLICIT:
        return tuple(d for d, _ in amort.explicit)
    sched = amort.schedule
    if sched is None:
        raise ValueError(f"loan {terms.id}: amortization {amort.kind} needs a schedule")
    if sched.count is not None:
        raw = generate_count(sched.anchor, sched.cycle, sched.count, sched.eom)
    else:
        end = sched.end or terms.maturity
        if end is None:
            raise ValueError(f"loan {terms.id}: the principal schedule needs a count or an end")
        raw = generate(sched.anchor, sched.cycle, end, sched.eom)
    cal = get_calendar(sched.calendar)
    return tuple(adjust(d, sched.convention, cal) for d in raw)


def build_installments(terms: LoanTerms) -> tuple[Installment, ...]:
    """The principal schedule; level principal rounds each installment to the cent and puts
    any remainder in the last, so the installments always sum to the principal."""
    amort = terms.amortization
    dates = principal_dates(terms)
    cite, term = terms.cite("amortization"), terms.term("amortization")
    if amort.kind is AmortizationKind.EXPLICIT:
        return tuple(
            Installment(i + 1, d, a, cite, term) for i, (d, a) in enumerate(amort.explicit)
        )
    if amort.kind is AmortizationKind.BULLET:
        return (Installment(1, dates[0], terms.principal, cite, term),)
    if amort.kind is AmortizationKind.LEVEL_PRINCIPAL:
        each = amort.installment or to_cents(terms.principal / len(dates))
        out: list[Installment] = []
        left = terms.principal
        for i, d in enumerate(dates):
            amount = left if i == len(dates) - 1 else min(each, left)
            out.append(Installment(i + 1, d, amount, cite, term))
            left -= amount
        return tuple(out)
    # level payment / negative amortization: principal is the payment less interest, at the date
    return tuple(Installment(i + 1, d, None, cite, term) for i, d in enumerate(dates))


def apply_prepayment(
    amounts: list[Decimal], first_open: int, amount: Decimal, order: PrepaymentOrder
) -> list[tuple[int, Decimal]]:
    """Reduce ``amounts[first_open:]`` by ``amount``; returns (index, reduction) pairs in the
    order applied. ``amounts`` is changed in place (it is the engine's working copy)."""
    indexes = range(len(amounts) - 1, first_open - 1, -1)
    if order is PrepaymentOrder.DIRECT:
        indexes = range(first_open, len(amounts))
    left = amount
    taken: list[tuple[int, Decimal]] = []
    for i in indexes:
        if left <= ZERO:
            break
        cut = min(amounts[i], left)
        if cut > ZERO:
            amounts[i] -= cut
            left -= cut
            taken.append((i, cut))
    return taken


def with_amount(inst: Installment, amount: Decimal) -> Installment:
    return replace(inst, amount=amount)
