"""Use cases over a Book: schedule, statement, payoff, terms, commitment.

One place that CLI, store and API all call, so each figure is computed one way. Results are
immutable records with ``as_json()`` (amounts as decimal strings).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanbook.book import FAR_FUTURE, Book
from loanbook.engine.commitment import (
    Commitment,
    CommitmentPart,
    CommitmentReport,
    LoanMade,
    part_amount,
)
from loanbook.engine.events import EventKind
from loanbook.engine.installments import Installment, build_installments
from loanbook.engine.result import LoanResult, Position
from loanbook.errors import Issue, LoanbookError, MissingFixingError
from loanbook.ledger.lines import Account, LedgerLine, LineKind
from loanbook.money import ZERO, fmt
from loanbook.revolving.borrowing_base import BorrowingBase, borrowing_base, latest_certificate
from loanbook.revolving.terms import RevolverTerms
from loanbook.terms.schema import FacilityModel


def _s(value: Decimal) -> str:
    return fmt(value)


# -- schedule ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScheduleRow:
    due_date: date
    principal: Decimal
    interest: Decimal | None
    balance_after: Decimal
    cite: str


@dataclass(frozen=True)
class Schedule:
    loan: str
    rows: tuple[ScheduleRow, ...]
    interest_note: str

    def as_json(self) -> dict[str, Any]:
        return {
            "loan": self.loan,
            "installments": [
                {
                    "due_date": r.due_date.isoformat(),
                    "principal": _s(r.principal),
                    "interest": None if r.interest is None else _s(r.interest),
                    "balance_after": _s(r.balance_after),
                    "cite": r.cite,
                }
                for r in self.rows
            ],
            "interest_note": self.interest_note,
        }


def schedule(book: Book, loan: str, known_on: date | None = None) -> Schedule:
    """Contractual installments; interest where the rates are known (every payment on time).

    The run is the engine's own, so ``schedule`` and ``run`` agree: interest is net of any
    usury credit (``usury_max_rate``), and ``balance_after`` is net of the prepayments and
    proceeds applications in the book (e.g. 002 §6(g)'s $418,118) made by the due date."""
    hist = book.history(loan, known_on)
    terms = hist.latest
    last = max(i.due_date for i in _installments(book, loan, known_on))
    interest: dict[date, Decimal] = {}
    prepaid: list[tuple[date, Decimal]] = []
    note = "interest assuming every amount is paid when due, at the fixings in the book"
    try:
        # Every amount paid when due (assume_paid) in place of the payments recorded, which
        # would otherwise count twice; prepayments and proceeds applications stay.
        contractual = replace(
            book, events=tuple(e for e in book.events if e.kind is not EventKind.PAYMENT)
        )
        result = contractual.run(loan, last, known_on, assume_paid=True)
        for line in result.lines:
            if line.kind is LineKind.INTEREST_DUE:
                interest[line.date] = interest.get(line.date, ZERO) + line.amount
            elif line.kind is LineKind.USURY_CREDIT:
                interest[line.date] = interest.get(line.date, ZERO) - line.amount
            elif line.kind is LineKind.PREPAYMENT_APPLIED and line.credit in _PRINCIPAL:
                prepaid.append((line.date, line.amount))
        installments = result.installments
    except MissingFixingError as exc:
        note = f"interest not shown: {exc.issues[0].reason}"
        installments = _installments(book, loan, known_on)
    rows = []
    paid = ZERO
    for inst in installments:
        amount = inst.amount or ZERO
        paid += amount
        before = sum((a for d, a in prepaid if d <= inst.due_date), ZERO)
        rows.append(
            ScheduleRow(
                inst.due_date,
                amount,
                interest.get(inst.due_date) if interest else None,
                terms.principal - paid - before,
                inst.cite,
            )
        )
    return Schedule(loan, tuple(rows), note)


_PRINCIPAL = (Account.PRINCIPAL_RECEIVABLE, Account.PRINCIPAL_DUE)


def _installments(book: Book, loan: str, known_on: date | None) -> tuple[Installment, ...]:
    return build_installments(book.history(loan, known_on).latest)


# -- statement and payoff ------------------------------------------------------------------
@dataclass(frozen=True)
class Statement:
    loan: str
    as_of: date
    known_on: date | None
    result: LoanResult

    @property
    def position(self) -> Position:
        return self.result.position

    def as_json(self) -> dict[str, Any]:
        p = self.position
        return {
            "loan": self.loan,
            "as_of": self.as_of.isoformat(),
            "known_on": self.known_on.isoformat() if self.known_on else None,
            "principal_outstanding": _s(p.principal_outstanding),
            "principal_not_due": _s(p.principal_not_due),
            "principal_due": _s(p.principal_due),
            "interest_accrued": _s(p.interest_accrued),
            "interest_due": _s(p.interest_due),
            "late_charges": _s(p.late_charges),
            "fees": _s(p.fees),
            "unapplied": _s(p.unapplied),
            "total_due": _s(p.total_due),
            "overdue": [
                {
                    "component": d.component,
                    "due_date": d.due_date.isoformat(),
                    "amount": _s(d.amount),
                    "cite": d.cite,
                }
                for d in p.dues
                if d.due_date < self.as_of
            ],
            "rates": [
                {
                    "from": s.start.isoformat(),
                    "to": s.end.isoformat(),
                    "rate": _s(s.quote.rate),
                    "basis": s.quote.basis,
                    "cite": s.quote.cite,
                }
                for s in self.result.rates
            ],
            "lines": [line.as_dict() for line in self.result.lines],
        }


def statement(book: Book, loan: str, as_of: date, known_on: date | None = None) -> Statement:
    return Statement(loan, as_of, known_on, book.run(loan, as_of, known_on))


@dataclass(frozen=True)
class Payoff:
    loan: str
    as_of: date
    principal: Decimal
    interest: Decimal
    late_charges: Decimal
    fees: Decimal
    credits: Decimal
    lines: tuple[LedgerLine, ...]

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.late_charges + self.fees - self.credits

    def as_json(self) -> dict[str, Any]:
        return {
            "loan": self.loan,
            "as_of": self.as_of.isoformat(),
            "principal": _s(self.principal),
            "interest": _s(self.interest),
            "late_charges": _s(self.late_charges),
            "fees": _s(self.fees),
            "credits": _s(self.credits),
            "total": _s(self.total),
        }


def payoff(book: Book, loan: str, as_of: date, known_on: date | None = None) -> Payoff:
    """What pays the loan in full on ``as_of``: interest accrued to the day before."""
    result = book.run(loan, as_of, known_on)
    p = result.position
    return Payoff(
        loan,
        as_of,
        p.principal_outstanding,
        p.interest_accrued + p.interest_due,
        p.late_charges,
        p.fees,
        p.unapplied,
        result.lines,
    )


# -- commitment ----------------------------------------------------------------------------
def commitment(
    book: Book, facility: str, as_of: date, known_on: date | None = None
) -> CommitmentReport:
    state = book.state(as_of, known_on)
    raw = state["facilities"].get(facility)
    if raw is None:
        known = ", ".join(sorted(state["facilities"])) or "none"
        raise LoanbookError(
            Issue("book", "facility", f"unknown facility {facility!r} on {as_of} (known: {known})")
        )
    model = FacilityModel.model_validate(raw)
    if model.commitment is None:
        raise LoanbookError(
            Issue(
                "book",
                f"facilities.{facility}.commitment",
                f"no commitment terms in force on {as_of}",
            )
        )
    c = model.commitment.value
    parts = tuple(
        CommitmentPart(
            p.name,
            p.description,
            part_amount(p.basis, p.amount, p.percent, p.value),
            p.cite,
            p.assumption or "",
        )
        for p in c.formula
    )
    terms = Commitment(
        facility,
        c.fixed_cap,
        parts,
        c.minimum_loan,
        c.maximum_loans,
        c.termination,
        model.commitment.cite,
    )
    made = []
    for loan in book.loan_ids(FAR_FUTURE, known_on):
        if book.revolver_of(loan, known_on) is not None:
            continue
        t = book.loan_terms(loan, FAR_FUTURE, known_on)
        if t.facility == facility and t.start <= as_of:
            made.append(LoanMade(loan, t.start, t.principal, t.cite("principal")))
    return CommitmentReport(terms, as_of, tuple(sorted(made, key=lambda m: m.date)))


def commitment_json(report: CommitmentReport) -> dict[str, Any]:
    c = report.commitment
    return {
        "facility": c.facility,
        "as_of": report.as_of.isoformat(),
        "cap": _s(c.cap),
        "fixed_cap": _s(c.fixed_cap),
        "formula_total": _s(c.formula_total),
        "parts": [
            {
                "name": p.name,
                "description": p.description,
                "amount": _s(p.amount),
                "cite": p.cite,
                "assumption": p.assumption or None,
            }
            for p in c.parts
        ],
        "minimum_loan": _s(c.minimum_loan) if c.minimum_loan is not None else None,
        "maximum_loans": c.maximum_loans,
        "termination": c.termination.isoformat() if c.termination else None,
        "terminated": report.terminated,
        "loans_made": [
            {
                "loan": m.loan,
                "date": m.date.isoformat(),
                "principal": _s(m.principal),
                "cite": m.cite,
            }
            for m in report.loans_made
        ],
        "used": _s(report.used),
        "loans_left": report.loans_left,
        "room": _s(report.room),
        "cite": c.cite,
    }


# -- revolving credit ----------------------------------------------------------------------
@dataclass(frozen=True)
class Availability:
    facility: str
    as_of: date
    terms: RevolverTerms
    base: BorrowingBase
    outstanding: dict[str, Decimal]
    overadvance_status: str

    @property
    def borrowing_base(self) -> Decimal:
        return self.base.total

    @property
    def total_outstanding(self) -> Decimal:
        return sum(self.outstanding.values(), ZERO)

    @property
    def availability(self) -> Decimal:
        cap = min(self.terms.maximum_credit, self.borrowing_base)
        return cap - self.total_outstanding - self.terms.reserves

    @property
    def overadvance(self) -> Decimal:
        return max(-self.availability, ZERO)

    def as_json(self) -> dict[str, Any]:
        t = self.terms
        return {
            "facility": self.facility,
            "as_of": self.as_of.isoformat(),
            "certificate": {
                "as_of": self.base.certificate.as_of.isoformat(),
                "source": self.base.certificate.source,
            },
            "maximum_credit": _s(t.maximum_credit),
            "maximum_credit_cite": t.cite("maximum_credit"),
            "borrowing_base": _s(self.borrowing_base),
            "by_collateral": [
                {"collateral": c, "lendable": _s(a), "note": why}
                for c, a, why in self.base.by_collateral
            ],
            "reserves": _s(t.reserves),
            "reserves_cite": t.cite("reserves"),
            "outstanding": _s(self.total_outstanding),
            "outstanding_by_account": {k: _s(v) for k, v in self.outstanding.items()},
            "availability": _s(self.availability),
            "overadvance": _s(self.overadvance),
            "overadvance_rate": self.overadvance_status,
            "items": [
                {
                    "id": r.item.id,
                    "description": r.item.description,
                    "collateral": r.item.collateral,
                    "location": r.item.location,
                    "value": _s(r.item.value),
                    "certified_eligible": r.item.certified_eligible,
                    "eligible": r.eligible,
                    "advance_rate": _s(r.advance_rate),
                    "lendable": _s(r.lendable),
                    "rule": r.rule,
                    "cite": r.cite,
                }
                for r in self.base.items
            ],
        }


def availability(
    book: Book, facility: str, as_of: date, known_on: date | None = None
) -> Availability:
    """The borrowing base line by line, availability and any overadvance, on ``as_of``."""
    terms = book.revolver_terms(facility, as_of, known_on)
    cert = latest_certificate(book.certificates(known_on), facility, as_of)
    base = borrowing_base(cert, terms)
    outstanding = {}
    statuses = []
    for account in terms.accounts.values():
        result = book.run(account, as_of, known_on)
        outstanding[account] = result.position.principal_outstanding
        statuses.extend(_overadvance_status(book, account, as_of, terms))
    return Availability(
        facility, as_of, terms, base, outstanding, "; ".join(statuses) or "no notice given"
    )


def _overadvance_status(book: Book, account: str, as_of: date, terms: RevolverTerms) -> list[str]:
    notices = [
        e for e in book.events_for(account) if e.date <= as_of and e.get("subject") == "overadvance"
    ]
    waivers = [
        e
        for e in book.events_for(account)
        if e.date <= as_of and e.get("subject") == "overadvance_rate"
    ]
    if not notices:
        return []
    notice = notices[-1].date
    start = notice + timedelta(days=terms.overadvance_notice_days + 1)
    text = (
        f"{account}: notice of {notice}; Prime + {(terms.overadvance_margin * 100).normalize():f}%"
        f" on any excess from {start} ({terms.cite('overadvance_margin')})"
    )
    if waivers:
        text += f"; waived in writing from {waivers[-1].date}"
    return [text]
