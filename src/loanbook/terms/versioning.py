"""Terms over two times: valid time (``effective``) and record time (``recorded``).

Every document contributes *assertions*: set, replace or delete one term (or part of one)
from a date. The terms in force on date D, as known on date K, are the assertions recorded on
or before K and effective on or before D, applied in order of (effective, recorded, document
order). A retroactive amendment therefore changes the answer for an earlier D only when K is
on or after the date it was recorded; the earlier view stays answerable.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from loanbook.compliance.schema import COMPLIANCE_SECTIONS
from loanbook.errors import Issue, ValidationError
from loanbook.terms.schema import TermFileModel

#: Immutable leaves of a dumped term file (``_copy`` shares them, as ``deepcopy`` does).
_LEAVES = (str, int, float, Decimal, date, Enum)

TOP_LEVEL = ("parties", "defined_terms", "facilities", "loans", "revolvers", "compliance")
CITED = ("loans", "facilities", "revolvers")  # sections whose items are maps of cited terms


@dataclass(frozen=True)
class Assertion:
    """One change to one term path, with who made it (document) and the clause."""

    path: tuple[str, ...]
    op: str  # set | replace | delete
    value: Any
    effective: date
    recorded: date
    document: str
    cite: str
    assumption: str | None
    order: int
    source: str  # file the assertion came from
    note: str | None = None
    is_change: bool = False  # an amendment's change (bare value) rather than a stated term

    @property
    def key(self) -> tuple[date, date, int]:
        return (self.effective, self.recorded, self.order)


def assertions_of(doc: TermFileModel, source: str, order: int) -> list[Assertion]:
    """The assertions a parsed term file makes."""
    head = doc.document
    effective = head.effective or head.date
    recorded = head.recorded or head.date
    out: list[Assertion] = []
    n = order * 10_000
    dumped = doc.model_dump(mode="python", exclude_none=True)
    # Compliance terms by their aliases ("from"), as an amendment's change writes them.
    comp = (
        doc.compliance.model_dump(mode="python", exclude_none=True, by_alias=True)
        if doc.compliance
        else {}
    )
    for kind, items in comp.items():  # one assertion per item
        for item_id, item in items.items():
            path = ("compliance", kind, item_id)
            cite, assumption = item.get("cite", ""), item.get("assumption")
            out.append(
                Assertion(
                    path, "set", item, effective, recorded, head.id, cite, assumption, n, source
                )
            )
            n += 1
    for section in TOP_LEVEL:
        if section == "compliance":
            continue
        for item_id, item in dumped.get(section, {}).items():
            if section not in CITED:  # parties and defined terms: one assertion each
                out.append(
                    Assertion(
                        (section, item_id),
                        "set",
                        item,
                        effective,
                        recorded,
                        head.id,
                        item.get("cite", ""),
                        item.get("assumption"),
                        n,
                        source,
                    )
                )
                n += 1
                continue
            for term, value in item.items():
                cite = value.get("cite", "") if isinstance(value, dict) else head.id
                assumption = value.get("assumption") if isinstance(value, dict) else None
                out.append(
                    Assertion(
                        (section, item_id, term),
                        "set",
                        value,
                        effective,
                        recorded,
                        head.id,
                        cite,
                        assumption,
                        n,
                        source,
                    )
                )
                n += 1
    for change in doc.changes:
        out.append(
            Assertion(
                tuple(change.path.split(".")),
                change.op,
                change.value,
                change.effective,
                recorded,
                head.id,
                change.cite,
                change.assumption,
                n,
                source,
                change.note,
                True,
            )
        )
        n += 1
    return out


def _wrap(a: Assertion) -> Any:
    """A change at term level gives a bare value; store it as a cited term."""
    if a.is_change and len(a.path) == 3 and a.path[0] in CITED:
        value: dict[str, Any] = {"value": a.value, "cite": a.cite}
        if a.assumption:
            value["assumption"] = a.assumption
        if isinstance(a.value, dict) and "value" in a.value and "cite" in a.value:
            return a.value
        return value
    return a.value


def _apply(state: dict[str, Any], a: Assertion) -> None:
    path = a.path
    node: Any = state
    # Descend; below a cited term, the path continues inside its value.
    for i, key in enumerate(path[:-1]):
        if i == 2 and path[0] in CITED:
            term = node.get(key)
            if term is None:
                raise ValidationError(
                    Issue(
                        a.source, ".".join(path), f"{a.op}: no term {'.'.join(path[:3])} to change"
                    )
                )
            cite = term.get("cite", "")
            if a.cite and a.cite not in cite:
                term["cite"] = f"{cite}; as amended by {a.cite}" if cite else a.cite
            node = term.setdefault("value", {})
            continue
        if not isinstance(node, dict):
            raise ValidationError(Issue(a.source, ".".join(path), f"{a.op}: {key} is not a map"))
        node = node.setdefault(key, {}) if a.op == "set" else node.get(key)
        if node is None:
            raise ValidationError(
                Issue(a.source, ".".join(path), f"{a.op}: nothing at {'.'.join(path[: i + 1])}")
            )
    last = path[-1]
    if not isinstance(node, dict):
        raise ValidationError(Issue(a.source, ".".join(path), f"{a.op}: parent is not a map"))
    if a.op == "delete":
        if last not in node:
            raise ValidationError(Issue(a.source, ".".join(path), "delete: no such term"))
        del node[last]
    elif a.op == "replace" and last not in node:
        raise ValidationError(Issue(a.source, ".".join(path), "replace: no such term to replace"))
    else:
        node[last] = _copy(_wrap(a) if len(path) <= 3 else a.value)


def _copy(value: Any) -> Any:
    """A copy of a dumped term (dicts, lists and tuples of immutable values: str, Decimal,
    date, enum, bool, int): its containers copied, since ``_apply`` changes the state's maps in
    place, and its leaves shared. What ``copy.deepcopy`` gives for such data, several times
    faster (it was a quarter of resolving the terms: ``import`` and ``validate`` of a book of
    notes resolve each loan's terms a few times). Anything else is deep-copied."""
    kind = type(value)
    if kind is dict:
        return {k: _copy(v) for k, v in value.items()}
    if kind is list:
        return [_copy(v) for v in value]
    if kind is tuple:
        return tuple(_copy(v) for v in value)
    if value is None or isinstance(value, _LEAVES):
        return value
    return copy.deepcopy(value)


def resolve(
    assertions: Iterable[Assertion],
    as_of: date,
    known_on: date | None = None,
    compliance: bool = True,
) -> dict[str, Any]:
    """The terms in force on ``as_of`` as known on ``known_on`` (None: everything recorded).
    ``compliance=False`` leaves the compliance terms out (the engines do not read them, and
    resolving them on every call would cost every loan run)."""
    state: dict[str, Any] = {k: {} for k in TOP_LEVEL}
    state["compliance"] = {k: {} for k in COMPLIANCE_SECTIONS}
    chosen = [
        a
        for a in assertions
        if a.effective <= as_of
        and (known_on is None or a.recorded <= known_on)
        and (compliance or a.path[0] != "compliance")
    ]
    for a in sorted(chosen, key=lambda a: a.key):
        _apply(state, a)
    return state


@dataclass(frozen=True)
class Change:
    """One line of a term's history: who changed what, from when, known since when."""

    path: str
    op: str
    effective: date
    recorded: date
    document: str
    cite: str
    value: Any


def history(assertions: Iterable[Assertion], prefix: str) -> tuple[Change, ...]:
    """Every assertion touching paths under ``prefix`` (e.g. ``loans.cit-note``)."""
    parts = tuple(prefix.split(".")) if prefix else ()
    out = [
        Change(".".join(a.path), a.op, a.effective, a.recorded, a.document, a.cite, a.value)
        for a in sorted(assertions, key=lambda a: a.key)
        if a.path[: len(parts)] == parts
    ]
    return tuple(out)
