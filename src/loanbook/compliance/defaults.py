"""Events of Default: each linked to the facts that caused it, with a status over time.

The base rule (``events_of_default`` in the terms: a payment not made within its grace
period, a covenant breach, a default on named Other Indebtedness, a collateral covenant
broken, a deadline missed, a representation shown false) says an Event of Default occurs and
continues. Exceptions override it (``exceptions.decide``): a cure; a waiver that names it
(004 §5(a), Exhibit A §1), only while in force and only for what it names (004 §5(b)); and,
over the waiver, its rescission by a recorded fact (Exhibit A §2), from the day of the fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from loanbook.compliance.collateral import locations_and_breaches
from loanbook.compliance.conditions import missed_deadlines, satisfied
from loanbook.compliance.covenants import CovenantTest, covenant_tests
from loanbook.compliance.exceptions import Conclusion, Override, decide
from loanbook.compliance.inputs import ComplianceHistory, Facts
from loanbook.compliance.schema import DefaultRuleModel, WaiverModel

UNWAIVED = ("occurred", "continuing", "rescinded")
CURE_PRECEDENCE = 10  # a cure ends the Event of Default whatever waivers say
WAIVER_PRECEDENCE = 1


@dataclass(frozen=True)
class EventOfDefault:
    id: str
    kind: str
    facility: str
    occurred_on: date
    cause: str
    cite: str
    cured_on: date | None = None
    covenant: str | None = None
    test_date: date | None = None
    instrument: str | None = None
    loan: str | None = None
    source: str = ""  # the document or engine item that shows the cause


@dataclass(frozen=True)
class DefaultStatus:
    """An Event of Default as of one date: its status, since when, and why."""

    event: EventOfDefault
    status: str  # occurred | continuing | waived | cured | rescinded
    since: date
    by: str  # the rule or exception that decided it
    cite: str
    waived_by: str | None
    unwaived_since: date | None  # start of the current unwaived stretch (None: not unwaived)
    timeline: tuple[tuple[date, str, str], ...] = field(default=())


def _rules(history: ComplianceHistory, day: date, kind: str) -> list[tuple[str, DefaultRuleModel]]:
    terms = history.at(day)
    return [(rid, r) for rid, r in sorted(terms.model.events_of_default.items()) if r.kind == kind]


def _cite(history: ComplianceHistory, day: date, rid: str, rule: DefaultRuleModel) -> str:
    return history.at(day).cite("events_of_default", rid, rule.cite)


def _payment(history: ComplianceHistory, facts: Facts, as_of: date) -> list[EventOfDefault]:
    groups: dict[tuple[str, date], list[object]] = {}
    for item in facts.dues:
        groups.setdefault((item.loan, item.due_date), []).append(item)
    out = []
    for (loan, due), items in sorted(groups.items()):
        for rid, rule in _rules(history, due, "payment"):
            if loan not in rule.loans:
                continue
            occurred = due + timedelta(days=rule.grace_days + 1)
            settled = [getattr(i, "settled_on", None) for i in items]
            cured = None if any(s is None for s in settled) else max(s for s in settled if s)
            if occurred > as_of or (cured is not None and cured < occurred):
                continue
            amount = sum(getattr(i, "amount") for i in items)  # noqa: B009
            components = ", ".join(sorted({getattr(i, "component") for i in items}))  # noqa: B009
            out.append(
                EventOfDefault(
                    f"payment:{loan}@{due.isoformat()}",
                    "payment",
                    rule.facility,
                    occurred,
                    f"{components} of {amount} due {due} on {loan} unpaid after "
                    f"{rule.grace_days} days' grace",
                    _cite(history, due, rid, rule),
                    cured if cured is not None and cured <= as_of else None,
                    loan=loan,
                    source=f"engine: {loan} overdue items",
                )
            )
            break
    return out


def _covenants(history: ComplianceHistory, tests: tuple[CovenantTest, ...]) -> list[EventOfDefault]:
    out = []
    for test in tests:
        if test.passed is not False:
            continue
        for rid, rule in _rules(history, test.test_date, "covenant_breach"):
            if rule.facility != test.facility:
                continue
            out.append(
                EventOfDefault(
                    f"covenant:{test.covenant}@{test.test_date.isoformat()}",
                    "covenant_breach",
                    rule.facility,
                    test.test_date,
                    f"{test.name} {test.value} not {test.comparison} {test.threshold} "
                    f"as of {test.test_date} (statement {test.statement})",
                    f"{test.cite}; {_cite(history, test.test_date, rid, rule)}",
                    covenant=test.covenant,
                    test_date=test.test_date,
                    source=test.statement_document or "",
                )
            )
            break
    return out


def _cross(history: ComplianceHistory, facts: Facts, as_of: date) -> list[EventOfDefault]:
    out = []
    for fact, document in facts.non_payments(as_of):
        for rid, rule in _rules(history, fact.date, "cross_default"):
            if fact.instrument not in rule.instruments:
                continue
            debt = history.at(fact.date).model.indebtedness.get(fact.instrument)
            name = debt.name if debt else fact.instrument
            out.append(
                EventOfDefault(
                    f"cross-default:{fact.instrument}@{fact.date.isoformat()}",
                    "cross_default",
                    rule.facility,
                    fact.date,
                    f"failure to pay {name} when due ({fact.note})".replace(" ()", ""),
                    _cite(history, fact.date, rid, rule),
                    instrument=fact.instrument,
                    source=document,
                )
            )
            break
    return out


def _collateral(history: ComplianceHistory, facts: Facts, as_of: date) -> list[EventOfDefault]:
    out = []
    for b in locations_and_breaches(history, facts, as_of)[1]:
        rules = [
            r for r in _rules(history, b.date, "collateral_covenant") if r[1].facility == b.facility
        ]
        cite = b.cite + "".join(f"; {_cite(history, b.date, rid, r)}" for rid, r in rules[:1])
        out.append(
            EventOfDefault(
                f"collateral:{b.item}@{b.date.isoformat()}",
                "collateral_covenant",
                b.facility,
                b.date,
                f"{b.item} (serial {b.serial}) moved from {b.moved_from} to {b.moved_to}: "
                f"{b.reason}",
                cite,
                source=b.document,
            )
        )
    return out


def _deadlines(history: ComplianceHistory, facts: Facts, as_of: date) -> list[EventOfDefault]:
    return [
        EventOfDefault(
            f"deadline:{m.condition}",
            "condition_missed",
            m.facility,
            m.occurred_on,
            f"{m.what}: not met by {m.due}",
            m.cite,
            m.satisfied_on if m.satisfied_on and m.satisfied_on <= as_of else None,
            source=m.condition,
        )
        for m in missed_deadlines(history, facts, as_of)
    ]


def _representations(
    history: ComplianceHistory, facts: Facts, as_of: date, others: list[EventOfDefault]
) -> list[EventOfDefault]:
    out = []
    for adv in sorted(facts.advances, key=lambda a: (a.date, a.key)):
        if adv.date > as_of:
            continue
        for rep_id, rep in sorted(history.at(adv.date).model.representations.items()):
            if rep.loan != adv.loan:
                continue
            continuing = [
                e.id
                for e in others
                if e.facility == rep.facility
                and e.occurred_on <= adv.date
                and status_of(e, history, facts, adv.date).status in UNWAIVED
            ]
            if continuing:
                out.append(
                    EventOfDefault(
                        f"representation:{adv.loan}@{adv.date.isoformat()}",
                        "false_representation",
                        rep.facility,
                        adv.date,
                        f"'no Event of Default' represented on the advance {adv.key} of "
                        f"{adv.amount} while {', '.join(continuing)} continued",
                        history.at(adv.date).cite("representations", rep_id, rep.cite),
                        loan=adv.loan,
                        source=adv.key,
                    )
                )
    return out


def events_of_default(
    history: ComplianceHistory,
    facts: Facts,
    as_of: date,
    tests: tuple[CovenantTest, ...] | None = None,
) -> tuple[EventOfDefault, ...]:
    """Every Event of Default that had occurred by ``as_of``."""
    if tests is None:
        tests = covenant_tests(history, facts, as_of)
    found = (
        _payment(history, facts, as_of)
        + _covenants(history, tests)
        + _cross(history, facts, as_of)
        + _collateral(history, facts, as_of)
        + _deadlines(history, facts, as_of)
    )
    found += _representations(history, facts, as_of, found)
    return tuple(sorted(found, key=lambda e: (e.occurred_on, e.id)))


def covers(waiver: WaiverModel, event: EventOfDefault) -> bool:
    """Whether ``waiver`` names ``event``: a waiver covers only what it names (004 §5(b))."""
    scope = waiver.scope
    if waiver.facility != event.facility or scope.kind != event.kind:
        return False
    if scope.covenant is not None and scope.covenant != event.covenant:
        return False
    if scope.test_date is not None and scope.test_date != event.test_date:
        return False
    if scope.instruments:
        named = event.instrument or event.loan
        if named not in scope.instruments:
            return False
    return True


def _rescinded_on(waiver: WaiverModel, facts: Facts, day: date) -> date | None:
    if waiver.rescission is None:
        return None
    for fact, _ in facts.creditor_actions(day):
        if (
            fact.instrument in waiver.rescission.instruments
            and fact.action in waiver.rescission.action
            and fact.date >= waiver.from_
            and (waiver.until is None or fact.date <= waiver.until)
        ):
            return fact.date
    return None


def _overrides(
    event: EventOfDefault, history: ComplianceHistory, facts: Facts, day: date
) -> list[Override]:
    base_id = f"rule:{event.id}"
    out = [
        Override(
            f"cure:{event.id}",
            base_id,
            event.cured_on is not None and event.cured_on <= day,
            Conclusion("cured", f"cure:{event.id}", event.cite, event.cured_on or day),
            CURE_PRECEDENCE,
        )
    ]
    terms = history.at(day)
    for wid, waiver in sorted(terms.model.waivers.items()):
        if not covers(waiver, event):
            continue
        start = waiver.from_
        met = True
        for cid in waiver.conditions:
            cond = terms.model.conditions.get(cid)
            when = satisfied(cid, cond, facts, day) if cond else None
            met = met and when is not None
            start = max(start, when[0]) if when else start
        in_force = met and start <= day and (waiver.until is None or day <= waiver.until)
        cite = terms.cite("waivers", wid, waiver.cite)
        out.append(
            Override(
                f"waiver:{wid}",
                base_id,
                in_force,
                Conclusion("waived", f"waiver:{wid}", cite, start),
                WAIVER_PRECEDENCE,
            )
        )
        rescinded = _rescinded_on(waiver, facts, day)
        if waiver.rescission is not None:
            out.append(
                Override(
                    f"rescission:{wid}",
                    f"waiver:{wid}",
                    rescinded is not None,
                    Conclusion(
                        "rescinded", f"rescission:{wid}", waiver.rescission.cite, rescinded or day
                    ),
                    WAIVER_PRECEDENCE,
                )
            )
    return out


def _decide(
    event: EventOfDefault, history: ComplianceHistory, facts: Facts, day: date
) -> Conclusion:
    status = "occurred" if day == event.occurred_on else "continuing"
    base = Conclusion(status, f"rule:{event.id}", event.cite, event.occurred_on)
    return decide(base, _overrides(event, history, facts, day))


def _change_dates(
    event: EventOfDefault, history: ComplianceHistory, facts: Facts, day: date
) -> list[date]:
    dates = {event.occurred_on, event.occurred_on + timedelta(days=1)}
    if event.cured_on:
        dates.add(event.cured_on)
    for start, terms in history.versions:
        dates.add(start)
        for waiver in terms.model.waivers.values():
            if not covers(waiver, event):
                continue
            dates.add(waiver.from_)
            if waiver.until:
                dates.add(waiver.until + timedelta(days=1))
            for cid in waiver.conditions:
                cond = terms.model.conditions.get(cid)
                when = satisfied(cid, cond, facts, day) if cond else None
                if when:
                    dates.add(when[0])
            rescinded = _rescinded_on(waiver, facts, day)
            if rescinded:
                dates.add(rescinded)
    return sorted(d for d in dates if event.occurred_on <= d <= day)


def status_of(
    event: EventOfDefault, history: ComplianceHistory, facts: Facts, as_of: date
) -> DefaultStatus:
    """The status of ``event`` on ``as_of``, with its timeline of changes up to then."""
    timeline: list[tuple[date, str, str]] = []
    for d in _change_dates(event, history, facts, as_of):
        c = _decide(event, history, facts, d)
        shown = "continuing" if c.status == "occurred" and d != event.occurred_on else c.status
        if not timeline or timeline[-1][1] != shown:
            timeline.append((d, shown, c.cite))
    now = _decide(event, history, facts, as_of)
    unwaived_since = None
    if now.status in UNWAIVED:
        unwaived_since = as_of
        for d, status, _ in reversed(timeline):
            if status not in UNWAIVED:
                break
            unwaived_since = d
    waived_by = now.by.removeprefix("waiver:") if now.status == "waived" else None
    if now.status == "rescinded":
        waived_by = now.by.removeprefix("rescission:")
    return DefaultStatus(
        event,
        now.status,
        now.since,
        now.by,
        now.cite,
        waived_by,
        unwaived_since,
        tuple(timeline),
    )


def default_statuses(
    history: ComplianceHistory,
    facts: Facts,
    as_of: date,
    tests: tuple[CovenantTest, ...] | None = None,
) -> tuple[DefaultStatus, ...]:
    return tuple(
        status_of(e, history, facts, as_of) for e in events_of_default(history, facts, as_of, tests)
    )
