"""The lender's options: what it may elect, for which loan or facility, from when and why.

A remedy in the terms (004 §1(a): the default rate; 003 ¶5: acceleration) is available while
an Event of Default of its facility continues unwaived (from the start of that unwaived
stretch: a rescinded waiver restores it from the rescission), and after the facility's term
ends or its commitment terminates when the remedy says so (004 §2). An election is an event
in the log (a ``notice`` with subject ``default_rate``, an ``acceleration``), which the
engines act on; ``check_election`` refuses one the lender does not have on its date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loanbook.compliance.defaults import UNWAIVED, DefaultStatus
from loanbook.compliance.inputs import ComplianceHistory


@dataclass(frozen=True)
class LenderOption:
    subject: str  # a loan or facility id
    option: str  # default_rate | acceleration | no_advances | obligations_due
    available_from: date
    because: tuple[str, ...]
    cite: str
    facility: str
    remedy: str


def lender_options(
    history: ComplianceHistory,
    statuses: tuple[DefaultStatus, ...],
    as_of: date,
    repaid: frozenset[str] = frozenset(),
) -> tuple[LenderOption, ...]:
    """Every option available on ``as_of``, one per (subject, option); loans ``repaid`` in
    full by then are no longer subjects."""
    terms = history.at(as_of)
    out: dict[tuple[str, str], LenderOption] = {}
    for rid, remedy in sorted(terms.model.remedies.items()):
        reasons: list[tuple[date, str]] = []
        if "event_of_default" in remedy.on:
            for s in statuses:
                if s.event.facility == remedy.facility and s.status in UNWAIVED:
                    since = s.unwaived_since or s.event.occurred_on
                    reason = f"Event of Default {s.event.id} {s.status}"
                    reasons.append((since, reason))
        if "termination" in remedy.on:
            for end in terms.ends:
                if end.facility == remedy.facility and end.end < as_of:
                    what = "term ended" if end.kind == "term_end" else "commitment terminated"
                    reasons.append((end.end + timedelta(days=1), f"{what} {end.end} ({end.cite})"))
        if not reasons:
            continue
        start = min(d for d, _ in reasons)
        cite = terms.cite("remedies", rid, remedy.cite)
        for subject in remedy.subjects:
            if subject in repaid:
                continue
            key = (subject, remedy.option)
            found = LenderOption(
                subject,
                remedy.option,
                start,
                tuple(r for _, r in sorted(reasons)),
                cite,
                remedy.facility,
                rid,
            )
            if key not in out or found.available_from < out[key].available_from:
                out[key] = found
    return tuple(sorted(out.values(), key=lambda o: (o.subject, o.option)))


def check_election(
    options: tuple[LenderOption, ...], subject: str, option: str, day: date
) -> LenderOption | None:
    """The option the lender elects on ``day``, if it has it (None: refused)."""
    for o in options:
        if o.subject == subject and o.option == option and o.available_from <= day:
            return o
    return None
