"""The dashboard's compliance sections: covenant headroom, Events of Default and waivers
with their status, the lender's options, open conditions and the next obligations.

The figures come from ``Operations.compliance`` - the same facility report the API serves
at ``/api/v1/facilities/{facility}/compliance`` and the CLI prints with ``loanbook
compliance`` - shaped by the report module's JSON; nothing is computed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loanbook.api.operations import Operations, Problem
from loanbook.compliance.report import headline_tests
from loanbook.storage.store import KnownOn
from loanbook.storage.users import User

#: Conditions a dashboard lists as open: not (yet) met, or missed, or met late.
OPEN = frozenset({"open", "missed", "late"})
NEXT = 10  # obligations shown


@dataclass(frozen=True)
class Compliance:
    covenants: list[dict[str, Any]] = field(default_factory=list)
    defaults: list[dict[str, Any]] = field(default_factory=list)
    options: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    obligations: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def dashboard(
    ops: Operations, user: User, facility: str, as_of: date, known_on: KnownOn = None
) -> Compliance:
    """The facility's compliance on ``as_of`` as known on ``known_on`` (a refusal of the
    book to answer is shown as its reason, not as an error page)."""
    try:
        report = ops.compliance(user, facility, as_of, known_on)
    except Problem as exc:
        if exc.status == 404:
            raise
        return Compliance(error=exc.detail)
    data = report.as_json()["compliance"]
    return Compliance(
        covenants=headline_tests(data["covenants"]),
        defaults=data["events_of_default"],
        options=data["options"],
        conditions=[c for c in data["conditions"] if c["status"] in OPEN],
        documents=[d for d in data["documents"] if not d["effective"]],
        obligations=data["next_obligations"][:NEXT],
    )
