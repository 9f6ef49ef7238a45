"""Read models over the stored book: the status of every loan and a loan's ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from loanbook import services
from loanbook.errors import Issue, LoanbookError
from loanbook.ledger.lines import Account, balances
from loanbook.money import fmt
from loanbook.storage.close import last_closes
from loanbook.storage.postings import StoredPosting, active, load_postings
from loanbook.storage.store import KnownOn, Store, known_instant


@dataclass(frozen=True)
class LoanStatus:
    loan: str
    statement: services.Statement | None
    closed_through: date | None
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"loan": self.loan}
        if self.statement is not None:
            p = self.statement.position
            out.update(
                {
                    "principal_outstanding": fmt(p.principal_outstanding),
                    "principal_due": fmt(p.principal_due),
                    "interest_accrued": fmt(p.interest_accrued),
                    "interest_due": fmt(p.interest_due),
                    "late_charges": fmt(p.late_charges),
                    "fees": fmt(p.fees),
                    "unapplied": fmt(p.unapplied),
                    "total_due": fmt(p.total_due),
                    "payoff": fmt(p.payoff),
                }
            )
        out["closed_through"] = self.closed_through.isoformat() if self.closed_through else None
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class BookStatus:
    as_of: date
    known_on: KnownOn
    loans: tuple[LoanStatus, ...]

    def as_json(self) -> dict[str, Any]:
        known = self.known_on.isoformat() if self.known_on is not None else None
        return {
            "as_of": self.as_of.isoformat(),
            "known_on": known,
            "loans": [s.as_json() for s in self.loans],
        }


def default_as_of(store: Store) -> date:
    """The last day closed in the book (today if nothing was run yet)."""
    with store.read() as conn:
        days = [s.day for s in last_closes(conn).values()]
    return max(days) if days else date.today()


def status(
    store: Store, as_of: date, known_on: KnownOn = None, loans: tuple[str, ...] | None = None
) -> BookStatus:
    """Each loan's position as of ``as_of``, replayed from the book as known on ``known_on``."""
    with store.read() as conn:
        view = store.view(conn, known_on)
        closed = {loan: s.day for loan, s in last_closes(conn).items()}
    out: list[LoanStatus] = []
    for loan in loans if loans is not None else view.loans:
        try:
            book = view.loan_book(loan)
            st = services.statement(book, loan, as_of, view.known_on)
            out.append(LoanStatus(loan, st, closed.get(loan)))
        except LoanbookError as exc:
            out.append(LoanStatus(loan, None, closed.get(loan), "; ".join(map(str, exc.issues))))
    return BookStatus(as_of, known_on, tuple(out))


@dataclass(frozen=True)
class Ledger:
    loan: str
    as_of: date | None
    known_on: KnownOn
    postings: tuple[StoredPosting, ...]

    @property
    def balances(self) -> dict[Account, Decimal]:
        return balances(p.line for p in self.postings)

    @property
    def in_force(self) -> tuple[StoredPosting, ...]:
        return tuple(active(self.postings))

    def as_json(self) -> dict[str, Any]:
        return {
            "loan": self.loan,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "known_on": self.known_on.isoformat() if self.known_on is not None else None,
            "lines": [p.as_dict() for p in self.postings],
            "balances": {a.value: fmt(v) for a, v in sorted(self.balances.items()) if v},
        }


def ledger(store: Store, loan: str, as_of: date | None = None, known_on: KnownOn = None) -> Ledger:
    """Every posting of ``loan`` (reversals included) posted on business days up to
    ``as_of`` and stored by ``known_on``, in ledger order."""
    instant: datetime | None = known_instant(known_on)
    with store.read() as conn:
        found = load_postings(conn, (loan,), as_of, instant)
        if not found and loan not in store.view(conn, with_events=False).loans:
            raise LoanbookError(Issue(store.name, "loan", f"unknown loan {loan!r}"))
    return Ledger(loan, as_of, known_on, tuple(found))
