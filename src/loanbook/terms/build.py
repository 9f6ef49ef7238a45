"""Resolved term dictionaries -> typed, immutable domain records (LoanTerms)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError as PydanticError

from loanbook.errors import Issue, ValidationError
from loanbook.terms.model import (
    Amortization,
    AmortizationKind,
    Citation,
    ExcessPayment,
    LateCharge,
    LoanTerms,
    PaymentSchedule,
    PeriodRule,
    PrepaymentOrder,
    RateReset,
    RateSpec,
    Waterfall,
)
from loanbook.terms.schema import LoanModel, RateModel, ScheduleModel
from loanbook.time import BusinessDayConvention, Cycle, DayCount


def pydantic_issues(exc: PydanticError, source: str, prefix: str = "") -> list[Issue]:
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        out.append(Issue(source, f"{prefix}{field}" if prefix else field, err["msg"]))
    return out


def schedule(model: ScheduleModel) -> PaymentSchedule:
    return PaymentSchedule(
        anchor=model.anchor,
        cycle=Cycle.parse(model.cycle),
        eom=model.eom,
        count=model.count,
        end=model.end,
        convention=BusinessDayConvention(model.convention),
        calendar=model.calendar,
    )


def rate_spec(model: RateModel) -> RateSpec:
    return RateSpec(
        index=model.index,
        margin=model.margin,
        fixed=model.fixed,
        multiplier=model.multiplier,
        floor=model.floor,
        cap=model.cap,
        reset=RateReset(model.reset),
        reset_cycle=Cycle.parse(model.reset_cycle) if model.reset_cycle else None,
        reset_anchor=model.reset_anchor,
        fixing_lag_days=model.fixing_lag_days,
    )


def _citation(term: Any) -> Citation:
    cite = term.cite
    doc, _, section = cite.partition(" ")
    return Citation(doc, section, term.assumption or "")


def loan_terms(loan_id: str, raw: dict[str, Any], source: str = "terms") -> LoanTerms:
    """Validate a resolved loan dictionary and build its LoanTerms."""
    try:
        m = LoanModel.model_validate(raw)
    except PydanticError as exc:
        raise ValidationError(pydantic_issues(exc, source, f"loans.{loan_id}.")) from None
    cites: dict[str, Citation] = {"loan": _citation(m.principal)}
    for name in LoanModel.model_fields:
        term = getattr(m, name)
        if term is not None and hasattr(term, "cite"):
            cites[name] = _citation(term)
    am = m.amortization.value
    amortization = Amortization(
        kind=AmortizationKind(am.kind),
        schedule=schedule(am.schedule) if am.schedule else None,
        installment=am.installment,
        explicit=tuple((e.date, e.amount) for e in am.explicit),
    )
    late = (
        LateCharge(m.late_charge.value.rate, DayCount.parse(m.late_charge.value.day_count))
        if m.late_charge
        else None
    )
    wf = (
        Waterfall(tuple(m.waterfall.value.before_maturity), tuple(m.waterfall.value.after_maturity))
        if m.waterfall
        else Waterfall()
    )
    return LoanTerms(
        id=loan_id,
        facility=m.facility.value if m.facility else "",
        borrower=m.borrower.value,
        lender=m.lender.value,
        principal=m.principal.value,
        start=m.start.value,
        maturity=m.maturity.value if m.maturity else None,
        day_count=DayCount.parse(m.day_count.value),
        rate=rate_spec(m.rate.value),
        interest_schedule=schedule(m.interest_schedule.value),
        amortization=amortization,
        interest_rate_period=(
            PeriodRule(m.interest_rate_period.value) if m.interest_rate_period else None
        ),
        late_charge=late,
        default_margin=m.default_margin.value if m.default_margin else None,
        usury_max_rate=m.usury_max_rate.value if m.usury_max_rate else None,
        waterfall=wf,
        prepayment_order=(
            PrepaymentOrder(m.prepayment_order.value)
            if m.prepayment_order
            else PrepaymentOrder.INVERSE
        ),
        excess_payment=(
            ExcessPayment(m.excess_payment.value) if m.excess_payment else ExcessPayment.HOLD
        ),
        currency=m.currency,
        cites=MappingProxyType(cites),
    )


def start_of(raw: dict[str, Any]) -> date | None:
    start = raw.get("start", {})
    value = start.get("value") if isinstance(start, dict) else None
    return value if isinstance(value, date) else None


__all__ = ["Decimal", "loan_terms", "pydantic_issues", "rate_spec", "schedule", "start_of"]
