"""Parsing term files (pure: text in, validated models or issues with lines out)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticError

from loanbook.errors import Issue, ValidationError
from loanbook.terms.schema import TermFileModel
from loanbook.terms.yamlread import line_of, read_yaml


def parse_term_file(text: str, source: str) -> TermFileModel:
    """One term file; every schema error as ``file:line: field: reason``."""
    data, lines = read_yaml(text, source)
    if not isinstance(data, dict):
        raise ValidationError(Issue(source, "document", "a term file is a mapping", 1))
    try:
        return TermFileModel.model_validate(data)
    except PydanticError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            path = _in_file(data, loc)
            field = ".".join(str(p) for p in path) or "document"
            reason = err["msg"]
            if err["type"] == "extra_forbidden":
                reason = "unknown field"
            issues.append(Issue(source, field, reason, line_of(lines, path)))
        raise ValidationError(issues) from None


def _in_file(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """The error's location as a path in the file. Pydantic adds names the file does not
    have: a generic model's type name ('Cited[str]') and the tag of a union chosen by its
    ``kind`` (``facts.0.statement.items``): drop every step the data does not hold, so the
    field and its line are the ones the person wrote."""
    path: list[Any] = []
    node = data
    for i, step in enumerate(loc):
        if isinstance(step, str) and "[" in step:
            continue  # a generic model's type name
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(node, dict) and step not in node and nxt is not None and nxt in node:
            continue  # the tag of a union chosen by ``kind``: the file goes on with ``nxt``
        path.append(step)
        if isinstance(node, dict):
            node = node.get(step)
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            node = None
    return tuple(path)
