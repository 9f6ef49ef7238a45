"""What compliance is computed from: the terms over time, and the facts known.

``ComplianceHistory`` is the compliance terms in force on each date, as known on one date
(the book resolves them; see ``service``). ``Facts`` is everything that happened and was
recorded by then: the documents' facts, plus what the engines and the event log say
(overdue items, advances, the lender's elections). Both are immutable; every status is a
function of (history, facts, as_of), which is what makes replaying the facts reproduce it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel

from loanbook.compliance.schema import (
    ComplianceModel,
    CreditorActionFact,
    MoveFact,
    NonPaymentFact,
    NoticeFact,
    SatisfactionFact,
    StatementFact,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FacilityEnd:
    """When a facility's term (or commitment) ends, and the clause."""

    facility: str
    end: date
    cite: str
    kind: str  # "term_end" (a revolver's Renewal Date) or "commitment_end"


@dataclass(frozen=True)
class ComplianceTerms:
    """The compliance terms in force on one date (as known on one date), typed."""

    model: ComplianceModel = field(default_factory=ComplianceModel)
    cites: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ends: tuple[FacilityEnd, ...] = ()

    @classmethod
    def of(
        cls,
        raw: Mapping[str, Mapping[str, Any]],
        cites: Mapping[str, str] | None = None,
        ends: tuple[FacilityEnd, ...] = (),
    ) -> ComplianceTerms:
        """From the resolved ``compliance`` section (raises pydantic's error on bad terms)."""
        model = ComplianceModel.model_validate({k: dict(v) for k, v in raw.items()})
        return cls(model, MappingProxyType(dict(cites or {})), ends)

    def cite(self, kind: str, item_id: str, own: str) -> str:
        """An item's clause, with the amendments that changed it ("as amended by ...")."""
        return self.cites.get(f"{kind}.{item_id}", own)


@dataclass(frozen=True)
class ComplianceHistory:
    """Versions of the compliance terms: ``at(d)`` is the version in force on ``d``."""

    versions: tuple[tuple[date, ComplianceTerms], ...]

    def at(self, day: date) -> ComplianceTerms:
        i = bisect_right([d for d, _ in self.versions], day)
        return self.versions[i - 1][1] if i else ComplianceTerms()

    def ever(self, kind: str) -> dict[str, tuple[date, date | None]]:
        """Every item of ``kind`` in some version, with the span [first, last) of versions
        that have it (last None: still in force in the last version)."""
        out: dict[str, tuple[date, date | None]] = {}
        for i, (start, terms) in enumerate(self.versions):
            nxt = self.versions[i + 1][0] if i + 1 < len(self.versions) else None
            for item in getattr(terms.model, kind):
                first = out[item][0] if item in out else start
                out[item] = (first, nxt)
        return out


@dataclass(frozen=True)
class Due:
    """An amount a loan made due, and when the last of it was paid (from the engine)."""

    loan: str
    component: str
    due_date: date
    amount: Decimal
    settled_on: date | None  # when the last of it was paid (None: unpaid at the end of the run)
    cite: str


@dataclass(frozen=True)
class Advance:
    loan: str
    date: date
    amount: Decimal
    key: str


@dataclass(frozen=True)
class Election:
    """The lender's election of an option, as the event log records it."""

    subject: str
    option: str
    date: date
    key: str
    cite: str


@dataclass(frozen=True)
class Recorded:
    """A fact with the document that records it and the document's record date."""

    fact: Any
    document: str
    recorded: date


@dataclass(frozen=True)
class Facts:
    """What happened, as known on one date."""

    recorded: tuple[Recorded, ...] = ()
    dues: tuple[Due, ...] = ()
    advances: tuple[Advance, ...] = ()
    elections: tuple[Election, ...] = ()
    repaid: frozenset[str] = frozenset()  # loans repaid in full (the engines say), no subjects

    def of(self, kind: type[M], as_of: date) -> tuple[tuple[M, str], ...]:
        """Facts of one kind that had happened by ``as_of`` (by their own date), each with
        its document."""
        out = []
        for r in self.recorded:
            if isinstance(r.fact, kind) and _day(r.fact) <= as_of:
                out.append((r.fact, r.document))
        # By date, then content: the answer never depends on the order facts were recorded.
        return tuple(sorted(out, key=lambda p: (_day(p[0]), p[0].model_dump_json(), p[1])))

    def statements(self, as_of: date) -> tuple[tuple[StatementFact, str], ...]:
        return self.of(StatementFact, as_of)

    def satisfactions(self, as_of: date) -> tuple[tuple[SatisfactionFact, str], ...]:
        return self.of(SatisfactionFact, as_of)

    def moves(self, as_of: date) -> tuple[tuple[MoveFact, str], ...]:
        return self.of(MoveFact, as_of)

    def notices(self, as_of: date) -> tuple[tuple[NoticeFact, str], ...]:
        return self.of(NoticeFact, as_of)

    def creditor_actions(self, as_of: date) -> tuple[tuple[CreditorActionFact, str], ...]:
        return self.of(CreditorActionFact, as_of)

    def non_payments(self, as_of: date) -> tuple[tuple[NonPaymentFact, str], ...]:
        return self.of(NonPaymentFact, as_of)


def _day(fact: Any) -> date:
    """A fact's own date: a statement happens when the lender receives it."""
    if isinstance(fact, StatementFact):
        return fact.received
    day = fact.date
    assert isinstance(day, date)
    return day
