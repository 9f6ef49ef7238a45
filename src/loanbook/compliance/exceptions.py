"""Rules and the exceptions that override them, with explicit precedence (as in Catala).

An agreement states a rule ("an Event of Default continues until cured"), and later writings
make exceptions to it ("Congress hereby waives ... until January 3, 2003"), which may have
exceptions of their own ("the foregoing waivers shall be automatically rescinded ... in the
event that ..."). Reading "notwithstanding" as code: a conclusion holds unless an applicable
exception *to it* holds. Each exception names the rule it overrides; among applicable
exceptions to the same rule the higher ``precedence`` wins, and at equal precedence the one
that took effect last (the most recent writing), then the id, so the result never depends on
the order the facts were recorded in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Conclusion:
    """What a rule or exception concludes, from when, and on which clause."""

    status: str
    by: str  # the id of the rule or exception that concluded it
    cite: str
    since: date


@dataclass(frozen=True)
class Override:
    """An exception: when ``applies``, it replaces the conclusion of ``overrides``."""

    id: str
    overrides: str
    applies: bool
    conclusion: Conclusion
    precedence: int = 0


def decide(base: Conclusion, overrides: Sequence[Override]) -> Conclusion:
    """The conclusion that holds: ``base`` unless an applicable exception to it holds, and so
    on down the chain of exceptions."""
    current = base
    seen = {base.by}
    while True:
        applicable = [o for o in overrides if o.applies and o.overrides == current.by]
        if not applicable:
            return current
        best = max(applicable, key=lambda o: (o.precedence, o.conclusion.since, o.id))
        if best.id in seen:  # a cycle of exceptions: stop at the last sound conclusion
            return current
        seen.add(best.id)
        current = best.conclusion
