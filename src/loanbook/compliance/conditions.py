"""Conditions precedent and deadlines: what, from whom, by when, and whether met.

A condition is met on the date a recorded satisfaction says (or on the date of the writing
that is deemed to satisfy it, 001 §5(c)-(d)). It is ``open`` until then, ``missed`` once its
deadline has passed unmet (an Event of Default from the next day when the terms say so), and
``late`` when met after its deadline. An advance on a loan waits for that loan's conditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loanbook.compliance.inputs import ComplianceHistory, Facts
from loanbook.compliance.schema import ConditionModel


@dataclass(frozen=True)
class ConditionStatus:
    id: str
    what: str
    status: str  # satisfied | deemed satisfied | open | missed | late
    due: date | None
    satisfied_on: date | None
    by: str  # the document recording the satisfaction, or the writing deemed to satisfy it
    of_document: str | None
    of_loan: str | None
    from_party: str
    cite: str


def satisfied(
    cond_id: str, cond: ConditionModel, facts: Facts, as_of: date
) -> tuple[date, str] | None:
    """When (and by what) the condition was met, if it was by ``as_of``."""
    if cond.deemed_satisfied and cond.deemed_on and cond.deemed_on <= as_of:
        return cond.deemed_on, cond.deemed_satisfied
    for fact, document in facts.satisfactions(as_of):
        if fact.condition == cond_id:
            return fact.date, document
    return None


def condition_status(
    cond_id: str, cond: ConditionModel, cite: str, facts: Facts, as_of: date
) -> ConditionStatus:
    met = satisfied(cond_id, cond, facts, as_of)
    if met is not None:
        on, by = met
        if cond.deemed_satisfied and by == cond.deemed_satisfied:
            status = "deemed satisfied"
        else:
            status = "late" if cond.due and on > cond.due else "satisfied"
    else:
        on, by = None, ""
        status = "missed" if cond.due and as_of > cond.due else "open"
    return ConditionStatus(
        cond_id,
        cond.what,
        status,
        cond.due,
        on,
        by,
        cond.of_document,
        cond.of_loan,
        cond.from_party,
        cite,
    )


def conditions(
    history: ComplianceHistory, facts: Facts, as_of: date
) -> tuple[ConditionStatus, ...]:
    """Every condition in force on ``as_of``, with its status."""
    terms = history.at(as_of)
    return tuple(
        condition_status(cid, c, terms.cite("conditions", cid, c.cite), facts, as_of)
        for cid, c in sorted(terms.model.conditions.items())
    )


@dataclass(frozen=True)
class MissedDeadline:
    """A deadline missed: an Event of Default from the day after it (if the terms say so)."""

    condition: str
    what: str
    due: date
    occurred_on: date
    satisfied_on: date | None
    facility: str
    cite: str


def missed_deadlines(
    history: ComplianceHistory, facts: Facts, as_of: date
) -> tuple[MissedDeadline, ...]:
    out = []
    for cid, (first, _) in sorted(history.ever("conditions").items()):
        if first > as_of:
            continue
        terms = history.at(as_of) if cid in history.at(as_of).model.conditions else None
        cond = (terms or history.at(first)).model.conditions[cid]
        if not (cond.due and cond.default_on_miss and cond.facility) or as_of <= cond.due:
            continue
        met = satisfied(cid, cond, facts, as_of)
        if met is not None and met[0] <= cond.due:
            continue
        cite = (terms or history.at(first)).cite("conditions", cid, cond.cite)
        out.append(
            MissedDeadline(
                cid,
                cond.what,
                cond.due,
                cond.due + timedelta(days=1),
                met[0] if met else None,
                cond.facility,
                cite,
            )
        )
    return tuple(out)


def open_conditions_for_advance(
    history: ComplianceHistory, facts: Facts, loan: str, day: date
) -> tuple[ConditionStatus, ...]:
    """The conditions of advances on ``loan`` still unmet on ``day`` (an advance waits)."""
    return tuple(
        c for c in conditions(history, facts, day) if c.of_loan == loan and c.satisfied_on is None
    )
