"""When a document with conditions precedent takes effect: only once they are all met.

"Anything contained in this Amendment to the contrary notwithstanding, this Amendment shall be
effective only upon the satisfaction of the following conditions precedent" (002 §6; 001 §5
and 004 §8 likewise). So a document that names conditions of its own effectiveness
(`compliance.conditions.*.of_document`) asserts nothing until the last of them is met:

- as known on K, a document with a condition that no satisfaction recorded by K meets (and no
  writing is deemed to meet) asserts nothing at all: the terms stay as they were;
- once met, its terms dated on or after its own date take effect on the later of that date
  and the day the last condition was met ("effective only upon the satisfaction");
- a term the document makes effective *before* its own date ("effective as of August 1, 2002")
  keeps that date: the parties chose to backdate it, and meeting the conditions later does not
  move it. It becomes known only with the satisfaction, which is what record time says.

The document's own conditions precedent are exempt: they bind before the document does. This
reads the facts straight from the recorded documents, not from the compliance terms, so
resolving the terms never depends on itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from loanbook.compliance.schema import SatisfactionFact
from loanbook.terms.versioning import Assertion, resolve

FAR_FUTURE = date(9999, 12, 31)


@dataclass(frozen=True)
class Satisfaction:
    """A recorded satisfaction of a condition: the day it was met, and when it was recorded."""

    condition: str
    met_on: date
    recorded: date
    document: str


@dataclass(frozen=True)
class Effectiveness:
    """Whether (and from when) a document with conditions precedent is in effect."""

    document: str
    dated: date  # the document's own effective date
    conditions: tuple[str, ...]  # the ids of its conditions precedent
    open: tuple[str, ...]  # those not met as known
    met_on: date | None  # the day the last was met (None while any is open)
    cite: str  # the clauses of its conditions

    @property
    def effective_from(self) -> date | None:
        """The day its terms take effect (None: not in effect, a condition is open)."""
        return None if self.met_on is None else max(self.dated, self.met_on)


def satisfactions(documents: Iterable[Any]) -> tuple[Satisfaction, ...]:
    """Every satisfaction fact in the recorded documents (``TermDocument``s)."""
    out = []
    for doc in documents:
        head = doc.model.document
        recorded = head.recorded or head.date
        for fact in doc.model.facts:
            if isinstance(fact, SatisfactionFact):
                out.append(Satisfaction(fact.condition, fact.date, recorded, head.id))
    return tuple(out)


def _conditions_of(
    assertions: tuple[Assertion, ...], known_on: date | None
) -> Mapping[str, Mapping[str, Any]]:
    """The conditions as known on ``known_on`` (every version: a condition binds from the
    day its document is made, whatever the date its terms bear)."""
    mine = tuple(a for a in assertions if a.path[:2] == ("compliance", "conditions"))
    found: Mapping[str, Mapping[str, Any]] = resolve(mine, FAR_FUTURE, known_on)["compliance"][
        "conditions"
    ]
    return found


def effectiveness(
    assertions: tuple[Assertion, ...],
    dated: Mapping[str, date],
    facts: tuple[Satisfaction, ...],
    known_on: date | None,
) -> dict[str, Effectiveness]:
    """Each document that has conditions precedent, as known on ``known_on``."""
    by_doc: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for cid, cond in _conditions_of(assertions, known_on).items():  # in the order written
        doc = cond.get("of_document")
        if isinstance(doc, str) and doc in dated:
            by_doc.setdefault(doc, []).append((cid, cond))
    out = {}
    for doc, conds in by_doc.items():
        met: list[date] = []
        open_: list[str] = []
        for cid, cond in conds:
            day = _met_on(cid, cond, facts, known_on)
            if day is None:
                open_.append(cid)
            else:
                met.append(day)
        cites = "; ".join(dict.fromkeys(str(c.get("cite", "")) for _, c in conds if c.get("cite")))
        out[doc] = Effectiveness(
            doc,
            dated[doc],
            tuple(cid for cid, _ in conds),
            tuple(open_),
            None if open_ else max(met),
            cites,
        )
    return out


def _met_on(
    cid: str, cond: Mapping[str, Any], facts: tuple[Satisfaction, ...], known_on: date | None
) -> date | None:
    """The first day the condition was met, as known on ``known_on`` (a writing deemed to
    satisfy it counts from its date, 001 §5(c)-(d))."""
    days = [
        f.met_on
        for f in facts
        if f.condition == cid and (known_on is None or f.recorded <= known_on)
    ]
    deemed = cond.get("deemed_on")
    if cond.get("deemed_satisfied") and isinstance(deemed, date):
        days.append(deemed)
    return min(days) if days else None


def in_effect(
    assertions: tuple[Assertion, ...], documents: Mapping[str, Effectiveness]
) -> tuple[Assertion, ...]:
    """The assertions as the conditions precedent allow them: a document's terms dropped
    while a condition is open, and moved to the day they were all met when later than the
    terms' own date (a term backdated before the document's date keeps its date)."""
    out = []
    for a in assertions:
        gate = documents.get(a.document)
        own = a.path[:2] == ("compliance", "conditions") and a.path[2:3] in {
            (c,) for c in (gate.conditions if gate else ())
        }
        if gate is None or own:
            out.append(a)
            continue
        start = gate.effective_from
        if start is None:
            continue
        if a.effective >= gate.dated and a.effective < start:
            a = replace(a, effective=start)
        out.append(a)
    return tuple(out)
