"""Parsing term files (pure: text in, validated models or issues with lines out)."""

from __future__ import annotations

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
            # Generic models add the type name to the location (e.g. 'Cited[str]'): drop it.
            path = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
            field = ".".join(str(p) for p in path) or "document"
            reason = err["msg"]
            if err["type"] == "extra_forbidden":
                reason = "unknown field"
            issues.append(Issue(source, field, reason, line_of(lines, path)))
        raise ValidationError(issues) from None
