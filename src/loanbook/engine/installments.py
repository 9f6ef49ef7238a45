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
from loanbook.terms.model import AmortizationKind, LoanTerms, PaymentSchedule, PrepaymentOrder
from loanbook.time import BusinessDayConvention, adjust, generate, generate_count, get_calendar


@dataclass(frozen=True)
class Installment:
    """One scheduled principal payment. ``amount`` is None when it is computed at its date
    (level payment: the payment less the interest then due)."""

    number: int
    due_date: date
    amount: Decimal | None
    cite: str
    term: str
    calc_date: date | None = None  # the date amounts are calculated to, when not ``due_date``


#: A schedule as two columns: due dates and the dates amounts are calculated to (the same
#: tuple when they do not differ: an unadjusted schedule makes no pair per date).
Columns = tuple[tuple[date, ...], tuple[date, ...]]


def schedule_columns(sched: PaymentSchedule, end: date | None, include_end: bool = True) -> Columns:
    """(due dates, calculation dates) of a schedule: the dates from its anchor on its cycle
    (``count`` of them, or up to ``end`` with the cycle's stub rule), moved to business days
    by its convention. Amounts are calculated to the adjusted dates unless the schedule says
    to calculate to the unadjusted ones (ACTUS calculate-shift)."""
    if sched.count is not None:
        raw = generate_count(sched.anchor, sched.cycle, sched.count, sched.eom)
    else:
        stop = sched.end or end
        if stop is None:
            raise ValueError("a schedule needs a count or an end date")
        raw = generate(sched.anchor, sched.cycle, stop, sched.eom, include_end=include_end)
    if sched.convention is BusinessDayConvention.UNADJUSTED:
        return raw, raw
    cal = get_calendar(sched.calendar)
    moved = tuple(adjust(d, sched.convention, cal) for d in raw)
    return moved, raw if sched.calc_unadjusted else moved


def schedule_dates(
    sched: PaymentSchedule, end: date | None, include_end: bool = True
) -> tuple[tuple[date, date], ...]:
    """``schedule_columns`` as (due date, calculation date) pairs."""
    return tuple(zip(*schedule_columns(sched, end, include_end), strict=True))


def principal_columns(terms: LoanTerms) -> Columns:
    """(due dates, calculation dates) of the principal installments."""
    amort = terms.amortization
    if amort.kind is AmortizationKind.BULLET:
        if terms.maturity is None:
            raise ValueError(f"loan {terms.id}: a bullet loan needs a maturity date")
        once: tuple[date, ...] = (terms.maturity,)
        return once, once
    if amort.kind is AmortizationKind.EXPLICIT:
        days = tuple(d for d, _ in amort.explicit)
        return days, days
    sched = amort.schedule
    if sched is None:
        raise ValueError(f"loan {terms.id}: amortization {amort.kind} needs a schedule")
    if sched.count is None and (sched.end or terms.maturity) is None:
        raise ValueError(f"loan {terms.id}: the principal schedule needs a count or an end")
    return schedule_columns(sched, terms.maturity)


def principal_schedule(terms: LoanTerms) -> tuple[tuple[date, date], ...]:
    """(due date, calculation date) of each principal installment."""
    return tuple(zip(*principal_columns(terms), strict=True))


def build_installments(terms: LoanTerms, *, rounding: bool = True) -> tuple[Installment, ...]:
    """The principal schedule; level principal rounds each installment to the cent (unless
    ``rounding`` is off) and puts any remainder in the last, so the installments always sum
    to the principal."""
    amort = terms.amortization
    sched = principal_schedule(terms)
    cite, term = terms.cite("amortization"), terms.term("amortization")

    def calc(d: date, c: date) -> date | None:
        return c if c != d else None

    if amort.kind is AmortizationKind.EXPLICIT:
        return tuple(
            Installment(i + 1, d, a, cite, term) for i, (d, a) in enumerate(amort.explicit)
        )
    if amort.kind is AmortizationKind.BULLET:
        d, c = sched[0]
        return (Installment(1, d, terms.principal, cite, term, calc(d, c)),)
    if amort.kind is AmortizationKind.LEVEL_PRINCIPAL:
        share = terms.principal / len(sched)
        each = amort.installment or (to_cents(share) if rounding else share)
        out: list[Installment] = []
        left = terms.principal
        for i, (d, c) in enumerate(sched):
            amount = left if i == len(sched) - 1 else min(each, left)
            out.append(Installment(i + 1, d, amount, cite, term, calc(d, c)))
            left -= amount
        return tuple(out)
    # level payment / negative amortization: principal is the payment less interest, at the date
    return tuple(
        Installment(i + 1, d, None, cite, term, calc(d, c)) for i, (d, c) in enumerate(sched)
    )


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


def current_installments(
    scheduled: tuple[Installment, ...], amounts: list[Decimal | None]
) -> tuple[Installment, ...]:
    """The schedule with the amounts a run reached (after prepayments, the last one's rest)."""
    return tuple(
        inst if inst.amount == amount else replace(inst, amount=amount)
        for inst, amount in zip(scheduled, amounts, strict=True)
    )
