"""The obligations calendar: every dated duty of the agreements in one place.

Installments and interest dates (from the engines), covenant tests and statement deliveries,
condition deadlines, milestones such as the commitment end (000 §2) and the Renewal Date
(004 §2), and waiver expiries. Each item has a status on ``as_of``: ``upcoming`` (its date
is after ``as_of``), ``met`` (done by its date, or a date that has passed), ``late`` (done
after its date), ``missed`` (not done and its date has passed), ``waived``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from loanbook.compliance.conditions import conditions
from loanbook.compliance.covenants import CovenantTest
from loanbook.compliance.defaults import DefaultStatus
from loanbook.compliance.inputs import ComplianceHistory, Facts


@dataclass(frozen=True)
class CalendarItem:
    date: date
    kind: str
    description: str
    status: str
    cite: str
    subject: str = ""


def _done(day: date, done_on: date | None, as_of: date) -> str:
    if done_on is not None and done_on <= as_of:
        return "met" if done_on <= day else "late"
    return "upcoming" if day >= as_of else "missed"


def calendar(
    history: ComplianceHistory,
    facts: Facts,
    as_of: date,
    start: date,
    end: date,
    tests: tuple[CovenantTest, ...],
    statuses: tuple[DefaultStatus, ...],
) -> tuple[CalendarItem, ...]:
    """Duties dated from ``start`` to ``end`` (inclusive), with their status on ``as_of``."""
    items: list[CalendarItem] = []
    for due in facts.dues:
        what = "installment" if due.component == "principal" else due.component
        items.append(
            CalendarItem(
                due.due_date,
                what,
                f"{due.loan}: {due.component} of {due.amount} due",
                _done(due.due_date, due.settled_on, as_of),
                due.cite,
                due.loan,
            )
        )
    waived = {
        (s.event.covenant, s.event.test_date): s
        for s in statuses
        if s.event.kind == "covenant_breach"
    }
    for test in tests:
        if test.passed is None:
            status = "upcoming" if test.test_date >= as_of else "missed"
        elif test.passed:
            status = "met"
        else:
            found = waived.get((test.covenant, test.test_date))
            status = "waived" if found and found.status == "waived" else "missed"
        items.append(
            CalendarItem(
                test.test_date,
                "covenant_test",
                f"{test.name} {test.comparison} {test.threshold} as of {test.test_date}",
                status,
                test.cite,
                test.covenant,
            )
        )
        if test.statement_due is not None:
            received = next(
                (s.received for s, _ in facts.statements(as_of) if s.id == test.statement),
                None,
            )
            items.append(
                CalendarItem(
                    test.statement_due,
                    "statement_delivery",
                    f"financial statement for {test.test_date} ({test.name})",
                    _done(test.statement_due, received, as_of),
                    test.cite,
                    test.covenant,
                )
            )
    for cond in conditions(history, facts, as_of):
        if cond.due is None:
            continue
        items.append(
            CalendarItem(
                cond.due,
                "condition_deadline",
                cond.what,
                _done(cond.due, cond.satisfied_on, as_of),
                cond.cite,
                cond.id,
            )
        )
    terms = history.at(as_of)
    for mid, m in sorted(terms.model.milestones.items()):
        items.append(
            CalendarItem(
                m.date,
                m.kind,
                m.description,
                "upcoming" if m.date >= as_of else "met",
                terms.cite("milestones", mid, m.cite),
                mid,
            )
        )
    for fend in terms.ends:
        what = "Renewal Date: the term ends" if fend.kind == "term_end" else "commitment ends"
        items.append(
            CalendarItem(
                fend.end,
                fend.kind,
                f"{fend.facility}: {what}",
                "upcoming" if fend.end >= as_of else "met",
                fend.cite,
                fend.facility,
            )
        )
    for wid, w in sorted(terms.model.waivers.items()):
        if w.until is not None:
            items.append(
                CalendarItem(
                    w.until,
                    "waiver_expiry",
                    f"waiver {wid} in force until {w.until}",
                    "upcoming" if w.until >= as_of else "met",
                    terms.cite("waivers", wid, w.cite),
                    wid,
                )
            )
    chosen = [i for i in items if start <= i.date <= end]
    return tuple(sorted(chosen, key=lambda i: (i.date, i.kind, i.subject, i.description)))
