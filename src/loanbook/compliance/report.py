"""The compliance report of one book on one date, as known on one date (pure).

``evaluate`` is the one entry point the CLI, the store and the API use: covenant tests,
Events of Default with their status, the lender's options, conditions, the lender's
elections, and the next obligations. ``as_json`` gives the documented JSON keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from loanbook.compliance.calendar import CalendarItem, calendar
from loanbook.compliance.conditions import ConditionStatus, conditions
from loanbook.compliance.covenants import CovenantTest, covenant_tests
from loanbook.compliance.defaults import DefaultStatus, default_statuses
from loanbook.compliance.inputs import ComplianceHistory, Election, Facts
from loanbook.compliance.options import LenderOption, lender_options
from loanbook.terms.effectiveness import Effectiveness

NEXT_DAYS = 92  # "next obligations": the coming quarter


@dataclass(frozen=True)
class ComplianceReport:
    as_of: date
    known_on: date | None
    covenants: tuple[CovenantTest, ...]
    defaults: tuple[DefaultStatus, ...]
    options: tuple[LenderOption, ...]
    conditions: tuple[ConditionStatus, ...]
    elections: tuple[Election, ...]
    upcoming: tuple[CalendarItem, ...]
    # Documents with conditions precedent, as known (the book's ``effectiveness``): the
    # service adds them, since whether a document is in effect decides the terms themselves.
    documents: tuple[Effectiveness, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "compliance": {
                "as_of": self.as_of,
                "known_on": self.known_on,
                "covenants": [covenant_json(t) for t in self.covenants],
                "events_of_default": [default_json(s) for s in self.defaults],
                "options": [option_json(o) for o in self.options],
                "conditions": [condition_json(c) for c in self.conditions],
                "documents": documents_json(self.documents, self.conditions, self.as_of),
                "elections": [
                    {
                        "subject": e.subject,
                        "option": e.option,
                        "date": e.date,
                        "key": e.key,
                        "cite": e.cite,
                    }
                    for e in self.elections
                ],
                "next_obligations": [calendar_json(i) for i in self.upcoming],
            }
        }


def headline_tests(covenants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tests a summary shows (``make demo``, the facility dashboard): the latest test of
    each covenant, and every failed one, in test-date order."""
    latest: dict[str, dict[str, Any]] = {}
    for t in covenants:
        latest[t["covenant"]] = t
    return [t for t in covenants if t["passed"] is False or latest[t["covenant"]] is t]


def defaults_json(report: ComplianceReport) -> dict[str, Any]:
    """The ``defaults`` JSON: the Events of Default with their timelines, and the options."""
    return {
        "as_of": report.as_of,
        "known_on": report.known_on,
        "events_of_default": [default_json(s) for s in report.defaults],
        "options": [option_json(o) for o in report.options],
    }


def calendar_report_json(
    items: tuple[CalendarItem, ...], start: date, end: date, as_of: date
) -> dict[str, Any]:
    """The ``calendar`` JSON: every dated duty from ``start`` to ``end``, statuses on ``as_of``."""
    return {
        "calendar": {
            "from": start,
            "to": end,
            "as_of": as_of,
            "items": [calendar_json(i) for i in items],
        }
    }


def covenant_json(t: CovenantTest) -> dict[str, Any]:
    return {
        "id": t.id,
        "covenant": t.covenant,
        "name": t.name,
        "facility": t.facility,
        "test_date": t.test_date,
        "statement": t.statement,
        "inputs": {name: value for name, value in t.inputs},
        "value": t.value,
        "comparison": t.comparison,
        "threshold": t.threshold,
        "headroom": t.headroom,
        "headroom_percent": t.headroom_percent,
        "passed": t.passed,
        "status": t.status,
        "cite": t.cite,
    }


def default_json(s: DefaultStatus) -> dict[str, Any]:
    e = s.event
    return {
        "id": e.id,
        "kind": e.kind,
        "facility": e.facility,
        "occurred_on": e.occurred_on,
        "status": s.status,
        "since": s.since,
        "cause": e.cause,
        "source": e.source,
        "waived_by": s.waived_by,
        "cured_on": e.cured_on,
        "cite": e.cite,
        "decided_by": s.cite,
        "timeline": [{"date": d, "status": st, "cite": c} for d, st, c in s.timeline],
    }


def option_json(o: LenderOption) -> dict[str, Any]:
    return {
        "subject": o.subject,
        "option": o.option,
        "available_from": o.available_from,
        "because": list(o.because),
        "cite": o.cite,
    }


def condition_json(c: ConditionStatus) -> dict[str, Any]:
    return {
        "id": c.id,
        "what": c.what,
        "status": c.status,
        "due": c.due,
        "satisfied_on": c.satisfied_on,
        "by": c.by,
        "of_document": c.of_document,
        "of_loan": c.of_loan,
        "from": c.from_party,
        "cite": c.cite,
    }


def documents_json(
    gates: tuple[Effectiveness, ...], conds: tuple[ConditionStatus, ...], as_of: date
) -> list[dict[str, Any]]:
    """Each document with conditions to its effectiveness (001 §5, 002 §6, 004 §8): in
    effect on ``as_of`` only from the day the last of them was met (and not before its own
    date), or not, with what is open on ``as_of``. ``terms.effectiveness`` holds its terms
    back the same way, so what this says is what the figures used."""
    out = []
    for gate in sorted(gates, key=lambda g: g.document):
        start = gate.effective_from
        met = gate.met_on if gate.met_on is not None and gate.met_on <= as_of else None
        out.append(
            {
                "document": gate.document,
                "dated": gate.dated,
                "effective": start is not None and start <= as_of,
                "effective_from": start if start is not None and start <= as_of else None,
                "conditions_met_on": met,
                "open": [
                    c.id for c in conds if c.of_document == gate.document and c.satisfied_on is None
                ],
                "cite": gate.cite,
            }
        )
    return out


def calendar_json(i: CalendarItem) -> dict[str, Any]:
    return {
        "date": i.date,
        "kind": i.kind,
        "description": i.description,
        "status": i.status,
        "cite": i.cite,
        "subject": i.subject,
    }


def evaluate(
    history: ComplianceHistory, facts: Facts, as_of: date, known_on: date | None = None
) -> ComplianceReport:
    """Everything compliance says on ``as_of`` (``history`` and ``facts`` as known on
    ``known_on``; the caller has filtered them)."""
    tests = covenant_tests(history, facts, as_of)
    statuses = default_statuses(history, facts, as_of, tests)
    options = lender_options(history, statuses, as_of, facts.repaid)
    upcoming = calendar(
        history, facts, as_of, as_of, as_of + timedelta(days=NEXT_DAYS), tests, statuses
    )
    return ComplianceReport(
        as_of,
        known_on,
        tests,
        statuses,
        options,
        conditions(history, facts, as_of),
        tuple(e for e in facts.elections if e.date <= as_of),
        upcoming,
    )


def calendar_of(
    history: ComplianceHistory, facts: Facts, as_of: date, start: date, end: date
) -> tuple[CalendarItem, ...]:
    tests = covenant_tests(history, facts, as_of, max(as_of, end))
    statuses = default_statuses(history, facts, as_of)
    return calendar(history, facts, as_of, start, end, tests, statuses)
