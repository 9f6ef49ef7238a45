"""Compliance of a ``Book``: the use cases the CLI, the store and the API share.

Adapts the book to the pure compliance core: the compliance terms resolved at every date
they change (as known on ``known_on``), the facts of the documents recorded by then, the
amounts due and paid from the engines' runs, and the advances and elections in the event
log. Also the checks ``validate``, ``import`` and ``record`` run on compliance documents, and
the refusal of an advance while a condition of it is open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError as PydanticError

from loanbook.compliance.collateral import collateral_report
from loanbook.compliance.conditions import open_conditions_for_advance, satisfied
from loanbook.compliance.defaults import UNWAIVED, default_statuses
from loanbook.compliance.dues import dues_from_lines
from loanbook.compliance.inputs import (
    Advance,
    ComplianceHistory,
    ComplianceTerms,
    Due,
    Election,
    FacilityEnd,
    Facts,
    Recorded,
)
from loanbook.compliance.options import LenderOption, check_election, lender_options
from loanbook.compliance.report import ComplianceReport, calendar_of, evaluate
from loanbook.compliance.schema import (
    CreditorActionFact,
    MoveFact,
    NonPaymentFact,
    SatisfactionFact,
)
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.errors import Issue, LoanbookError

if TYPE_CHECKING:
    from loanbook.book import Book
    from loanbook.compliance.calendar import CalendarItem

FAR_FUTURE = date(9999, 12, 31)
ELECTION_KINDS = {"default_rate": EventKind.NOTICE, "acceleration": EventKind.ACCELERATION}


def _ends(state: dict[str, Any]) -> tuple[FacilityEnd, ...]:
    out = []
    for fid, raw in sorted(state["revolvers"].items()):
        term = raw.get("term_end")
        if isinstance(term, dict) and isinstance(term.get("value"), date):
            out.append(FacilityEnd(fid, term["value"], str(term.get("cite", "")), "term_end"))
    for fid, raw in sorted(state["facilities"].items()):
        commitment = raw.get("commitment")
        if isinstance(commitment, dict):
            end = commitment.get("value", {}).get("termination")
            if isinstance(end, date):
                out.append(FacilityEnd(fid, end, str(commitment.get("cite", "")), "commitment_end"))
    return tuple(out)


def _cites(book: Book, as_of: date, known_on: date | None) -> dict[str, str]:
    """Each compliance item's clause, "as amended by" every change below it in force."""
    own: dict[str, str] = {}
    for a in sorted(book.in_effect(known_on), key=lambda a: a.key):
        if a.path[0] != "compliance" or a.effective > as_of:
            continue
        if known_on is not None and a.recorded > known_on:
            continue
        key = ".".join(a.path[1:3])
        if len(a.path) == 3:
            own[key] = a.cite
        elif a.cite and a.cite not in own.get(key, ""):
            own[key] = f"{own[key]}; as amended by {a.cite}" if own.get(key) else a.cite
    return own


def history_of(book: Book, known_on: date | None = None) -> ComplianceHistory:
    """The compliance terms at every date they (or a facility's end) change."""
    watched = ("compliance", "revolvers", "facilities")
    dates = sorted(
        {
            a.effective
            for a in book.in_effect(known_on)
            if a.path[0] in watched and (known_on is None or a.recorded <= known_on)
        }
    )
    versions = []
    for day in dates:
        state = book.state(day, known_on, compliance=True)
        terms = ComplianceTerms.of(state["compliance"], _cites(book, day, known_on), _ends(state))
        versions.append((day, terms))
    return ComplianceHistory(tuple(versions))


def _recorded(book: Book, known_on: date | None) -> tuple[Recorded, ...]:
    out: list[Recorded] = []
    for doc in book.documents:
        head = doc.model.document
        recorded = head.recorded or head.date
        if known_on is not None and recorded > known_on:
            continue
        out.extend(Recorded(fact, head.id, recorded) for fact in doc.model.facts)
    return tuple(out)


def _payment_loans(history: ComplianceHistory) -> set[str]:
    return {
        loan
        for _, terms in history.versions
        for rule in terms.model.events_of_default.values()
        if rule.kind == "payment"
        for loan in rule.loans
    }


def dues_of(
    book: Book, history: ComplianceHistory, as_of: date, known_on: date | None
) -> tuple[tuple[Due, ...], frozenset[str]]:
    """Amounts due on the loans a payment default is judged on, from the engine run to
    ``as_of``, and which of those loans are repaid in full by then."""
    out: list[Due] = []
    repaid: set[str] = set()
    known = set(book.loan_ids(known_on=known_on))
    for loan in sorted(_payment_loans(history) & known):
        if book.start_of(loan, known_on) > as_of:
            continue
        result = book.run(loan, as_of, known_on)
        out.extend(dues_from_lines(result.lines))
        if result.position.payoff == 0 and result.position.principal_outstanding == 0:
            repaid.add(loan)
    return tuple(out), frozenset(repaid)


def facts_of(
    book: Book, history: ComplianceHistory, as_of: date, known_on: date | None = None
) -> Facts:
    advances = tuple(
        Advance(e.loan, e.date, e.amount or 0, e.event_id)  # type: ignore[arg-type]
        for e in book.known_events(known_on)
        if e.kind is EventKind.ADVANCE
    )
    elections = []
    for e in book.known_events(known_on):
        if e.kind is EventKind.NOTICE and e.get("subject") == "default_rate":
            elections.append(Election(e.loan, "default_rate", e.date, e.event_id, e.get("cite")))
        elif e.kind is EventKind.ACCELERATION:
            elections.append(Election(e.loan, "acceleration", e.date, e.event_id, e.get("cite")))
    dues, repaid = dues_of(book, history, as_of, known_on)
    return Facts(_recorded(book, known_on), dues, advances, tuple(elections), repaid)


def compliance(book: Book, as_of: date, known_on: date | None = None) -> ComplianceReport:
    """The compliance report of ``book`` on ``as_of`` as known on ``known_on``."""
    history = history_of(book, known_on)
    report = evaluate(history, facts_of(book, history, as_of, known_on), as_of, known_on)
    return replace(report, documents=tuple(book.effectiveness(known_on).values()))


def obligations(
    book: Book, as_of: date, start: date, end: date, known_on: date | None = None
) -> tuple[CalendarItem, ...]:
    """The obligations calendar from ``start`` to ``end``, with statuses on ``as_of``."""
    history = history_of(book, known_on)
    facts = facts_of(book, history, as_of, known_on)
    return calendar_of(history, facts, as_of, start, end)


def collateral(book: Book, as_of: date, known_on: date | None = None) -> dict[str, Any]:
    history = history_of(book, known_on)
    return collateral_report(history, Facts(_recorded(book, known_on)), as_of)


def options_on(book: Book, day: date, known_on: date | None = None) -> tuple[LenderOption, ...]:
    history = history_of(book, known_on)
    facts = facts_of(book, history, day, known_on)
    return lender_options(history, default_statuses(history, facts, day), day, facts.repaid)


# -- checks ------------------------------------------------------------------------------
def _has_compliance(book: Book) -> bool:
    return any(a.path[0] == "compliance" for a in book.assertions) or any(
        d.model.facts for d in book.documents
    )


def compliance_issues(book: Book) -> list[Issue]:
    """Why the book's compliance terms and facts cannot stand: every version must be valid
    terms, and every fact must name a condition, item, location or instrument that exists."""
    if not _has_compliance(book):
        return []
    issues: list[Issue] = []
    sources = {d.id: d.source for d in book.documents}
    try:
        history = history_of(book)
    except PydanticError as exc:
        for err in exc.errors():
            field = "compliance." + ".".join(str(p) for p in err["loc"])
            issues.append(Issue("book", field, err["msg"]))
        return issues
    except LoanbookError as exc:
        return list(exc.issues)
    seen: dict[str, set[str]] = {}
    for _, terms in history.versions:
        for kind in ("conditions", "collateral", "locations", "indebtedness", "waivers"):
            seen.setdefault(kind, set()).update(getattr(terms.model, kind))
        for lid, lien in terms.model.liens.items():
            for item in lien.collateral:
                if item not in terms.model.collateral:
                    issues.append(
                        Issue("book", f"compliance.liens.{lid}.collateral", f"no item {item!r}")
                    )
    for r in _recorded(book, None):
        source = sources.get(r.document, r.document)
        fact = r.fact
        if isinstance(fact, SatisfactionFact) and fact.condition not in seen["conditions"]:
            issues.append(Issue(source, "facts.condition", f"no condition {fact.condition!r}"))
        if isinstance(fact, MoveFact):
            if fact.item not in seen["collateral"]:
                issues.append(Issue(source, "facts.item", f"no collateral item {fact.item!r}"))
            if fact.to not in seen["locations"]:
                issues.append(Issue(source, "facts.to", f"no location {fact.to!r}"))
        if (
            isinstance(fact, CreditorActionFact | NonPaymentFact)
            and fact.instrument not in seen["indebtedness"]
        ):
            issues.append(Issue(source, "facts.instrument", f"no indebtedness {fact.instrument!r}"))
    issues.extend(_loans_before_conditions(book, history))
    return _dedupe(issues)


def _loans_before_conditions(book: Book, history: ComplianceHistory) -> list[Issue]:
    """A loan whose advance waits for conditions (001 §3) cannot start before they are met."""
    out: list[Issue] = []
    known = set(book.loan_ids())
    facts = Facts(_recorded(book, None))
    last = history.versions[-1][1] if history.versions else ComplianceTerms()
    for cid, cond in sorted(last.model.conditions.items()):
        if cond.of_loan is None or cond.of_loan not in known:
            continue
        start = book.start_of(cond.of_loan)
        met = satisfied(cid, cond, facts, start)
        if met is None:
            out.append(
                Issue(
                    f"loans.{cond.of_loan}",
                    "start",
                    f"{cond.of_loan} starts on {start}, before its condition {cid} "
                    f"({cond.what}) was met ({cond.cite})",
                )
            )
    return out


def _dedupe(issues: list[Issue]) -> list[Issue]:
    out: list[Issue] = []
    for i in issues:
        if i not in out:
            out.append(i)
    return out


Refusal = Callable[[LoanEvent, str], list[Issue]]


GATED_KINDS = frozenset({EventKind.ADVANCE, EventKind.NOTICE, EventKind.ACCELERATION})


def refusals(book: Book) -> Refusal:
    """The compliance check of one event (the terms resolved once per book, and only when
    an advance or an election comes, so a whole events file is checked cheaply): an advance
    waits for its conditions; an election needs the option."""
    found: list[tuple[ComplianceHistory, set[str], set[tuple[str, str]]]] = []

    def gates() -> tuple[ComplianceHistory, set[str], set[tuple[str, str]]]:
        if not found:
            history = history_of(book)
            advances = {
                loan
                for _, terms in history.versions
                for loan in [c.of_loan for c in terms.model.conditions.values()]
                + [r.loan for r in terms.model.representations.values()]
                if loan
            }
            elections: set[tuple[str, str]] = {
                (str(r.option), subject)
                for _, terms in history.versions
                for r in terms.model.remedies.values()
                for subject in r.subjects
            }
            found.append((history, advances, elections))
        return found[0]

    def check(event: LoanEvent, source: str) -> list[Issue]:
        if event.kind not in GATED_KINDS or not _has_compliance(book):
            return []
        history, advances, elections = gates()
        if event.kind is EventKind.ADVANCE and event.loan in advances:
            return advance_refusals(book, history, event, source)
        option = _election(event)
        if option is not None and (option, event.loan) in elections:
            return election_refusals(book, history, event, source, option)
        return []

    return check


def _election(event: LoanEvent) -> str | None:
    if event.kind is EventKind.NOTICE and event.get("subject") == "default_rate":
        return "default_rate"
    return "acceleration" if event.kind is EventKind.ACCELERATION else None


def advance_refusals(
    book: Book, history: ComplianceHistory, event: LoanEvent, source: str
) -> list[Issue]:
    """Why an advance on a loan is refused by compliance: a condition of it still open on
    its date, or a representation it would make shown false (an Event of Default continues
    unwaived)."""
    terms = history.at(event.date)
    gated = any(c.of_loan == event.loan for c in terms.model.conditions.values())
    reps = [r for r in terms.model.representations.values() if r.loan == event.loan]
    if not gated and not reps:
        return []
    out = []
    facts = facts_of(book, history, event.date)
    for cond in open_conditions_for_advance(history, facts, event.loan, event.date):
        out.append(
            Issue(
                source,
                "date",
                f"advance on {event.loan} refused on {event.date}: condition {cond.id} "
                f"({cond.what}) is {cond.status} ({cond.cite})",
            )
        )
    if reps:
        statuses = default_statuses(history, facts, event.date)
        for rep in reps:
            continuing = [
                s.event.id
                for s in statuses
                if s.event.facility == rep.facility
                and s.status in UNWAIVED
                and s.event.kind != "false_representation"
            ]
            if continuing:
                out.append(
                    Issue(
                        source,
                        "date",
                        f"advance on {event.loan} refused on {event.date}: the representation "
                        f"'no Event of Default' ({rep.cite}) would be false: "
                        f"{', '.join(continuing)}",
                    )
                )
    return out


def election_refusals(
    book: Book, history: ComplianceHistory, event: LoanEvent, source: str, option: str
) -> list[Issue]:
    """An election (default rate, acceleration) is refused unless the lender has that option
    on its date."""
    remedies = [
        r
        for r in history.at(event.date).model.remedies.values()
        if r.option == option and event.loan in r.subjects
    ]
    if not remedies:
        return []
    facts = facts_of(book, history, event.date)
    statuses = default_statuses(history, facts, event.date)
    options = lender_options(history, statuses, event.date, facts.repaid)
    if check_election(options, event.loan, option, event.date) is None:
        return [
            Issue(
                source,
                "date",
                f"{option} on {event.loan} refused on {event.date}: no Event of Default "
                f"continues unwaived and the term has not ended ({remedies[0].cite})",
            )
        ]
    return []


# -- one facility's share --------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """One facility as the API and the web ask about it: its lender, its loans, and the
    documents its own terms come from (the tenancy the caller was checked against)."""

    facility: str
    lender: str
    loans: frozenset[str]
    documents: frozenset[str]


_FACILITY_SECTIONS = (
    "covenants",
    "events_of_default",
    "waivers",
    "conditions",
    "representations",
    "location_covenants",
    "remedies",
)


def owned(book: Book, history: ComplianceHistory, scope: Scope) -> frozenset[str]:
    """The ids the facility's compliance speaks of: the facility, its loans, and every
    covenant, rule, waiver, condition and remedy that names it (or one of its loans), or
    that a document of the facility sets (a condition of 001 names only its document)."""
    out = {scope.facility, *scope.loans}
    docs = set(scope.documents)
    for _, terms in history.versions:
        for section in _FACILITY_SECTIONS:
            for cid, item in getattr(terms.model, section).items():
                if getattr(item, "facility", None) == scope.facility or (
                    getattr(item, "of_loan", None) in scope.loans
                ):
                    out.add(cid)
    for a in book.assertions:
        if a.path[0] == "compliance" and len(a.path) > 2 and a.path[2] in out:
            docs.add(a.document)
    for _, terms in history.versions:
        for cid, cond in terms.model.conditions.items():
            if cond.of_document is not None and cond.of_document in docs:
                out.add(cid)
    return frozenset(out | {f"document:{d}" for d in docs})


def facility_compliance(
    book: Book, scope: Scope, as_of: date, known_on: date | None = None
) -> ComplianceReport:
    """The compliance report of one facility: its covenant tests, its Events of Default,
    the lender's options under it, its conditions, elections and next obligations."""
    history = history_of(book, known_on)
    report = evaluate(history, facts_of(book, history, as_of, known_on), as_of, known_on)
    mine = owned(book, history, scope)
    return replace(
        report,
        covenants=tuple(t for t in report.covenants if t.facility == scope.facility),
        defaults=tuple(s for s in report.defaults if s.event.facility == scope.facility),
        options=tuple(o for o in report.options if o.facility == scope.facility),
        conditions=tuple(c for c in report.conditions if c.id in mine),
        elections=tuple(e for e in report.elections if e.subject in mine),
        upcoming=tuple(i for i in report.upcoming if i.subject in mine),
        documents=tuple(
            g for g in book.effectiveness(known_on).values() if f"document:{g.document}" in mine
        ),
    )


def facility_obligations(
    book: Book, scope: Scope, as_of: date, start: date, end: date, known_on: date | None = None
) -> tuple[CalendarItem, ...]:
    """The obligations calendar of one facility (its loans, covenants, conditions, waivers
    and its own dates)."""
    history = history_of(book, known_on)
    facts = facts_of(book, history, as_of, known_on)
    mine = owned(book, history, scope)
    return tuple(i for i in calendar_of(history, facts, as_of, start, end) if i.subject in mine)


def _named(ids: set[str], text: str) -> set[str]:
    return {i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)}


def facility_collateral(
    book: Book, scope: Scope, as_of: date, known_on: date | None = None
) -> dict[str, Any]:
    """The collateral report as the facility's lender holds it: the liens it holds and the
    liens it consented to, the items under them, its consents, the guarantors who signed a
    document of the facility, and the location covenants of the facility."""
    history = history_of(book, known_on)
    data = collateral_report(history, Facts(_recorded(book, known_on)), as_of)
    mine = owned(book, history, scope)
    consents = [c for c in data["consents"] if c["by"] == scope.lender]
    lien_ids = {lien["id"] for lien in data["liens"]}
    shown = {lien["id"] for lien in data["liens"] if lien["secured_party"] == scope.lender}
    for c in consents:
        shown |= _named(lien_ids, str(c["to"]))
    items = [
        {**i, "liens": [lid for lid in i["liens"] if lid in shown]}
        for i in data["items"]
        if shown & set(i["liens"])
    ]
    covenants = [c for c in data["location_covenants"] if c["facility"] == scope.facility]
    return {
        **data,
        "items": items,
        "liens": [lien for lien in data["liens"] if lien["id"] in shown],
        "consents": consents,
        "guarantors": [
            g for g in data["guarantors"] if any(f"document:{d}" in mine for d in g["consents"])
        ],
        "location_covenants": covenants,
        "breaches": [b for b in data["breaches"] if b["covenant"] in {c["id"] for c in covenants}],
    }
