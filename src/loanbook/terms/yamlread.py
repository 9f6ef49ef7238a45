"""YAML to plain values with a line number for every path, and no floats.

Numbers with a decimal point become ``Decimal`` (a float would lose cents); dates become
``date``. ``lines`` maps each path (tuple of keys/indexes) to the line it starts on, so a
schema error can be reported as ``file:line: field: reason``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import yaml

from loanbook.errors import Issue, ValidationError

Path = tuple[str | int, ...]
#: libyaml's loader where PyYAML was built with it (several times faster, same line marks).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = yaml.constructor.SafeConstructor()


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], source: str) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in out:
                raise ValidationError(
                    Issue(
                        source,
                        ".".join(map(str, (*path, key))),
                        "duplicate key",
                        key_node.start_mark.line + 1,
                    )
                )
            lines[(*path, key)] = key_node.start_mark.line + 1  # errors point at the key
            out[key] = _convert(value_node, (*path, key), lines, source)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, (*path, i), lines, source) for i, v in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    tag, text = node.tag, node.value
    if tag == "tag:yaml.org,2002:float":
        return Decimal(text.replace("_", ""))
    if tag == "tag:yaml.org,2002:timestamp":
        value = _SCALARS.construct_yaml_timestamp(node)
        return value.date() if isinstance(value, datetime) else value
    if tag == "tag:yaml.org,2002:int":
        return _SCALARS.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:bool":
        return _SCALARS.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:null":
        return _SCALARS.construct_yaml_null(node)
    return text


def read_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document; a syntax error is reported with its line."""
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        node = _compose_reporting(text, source)
    lines: dict[Path, int] = {}
    if node is None:
        raise ValidationError(Issue(source, "document", "the file is empty", 1))
    return _convert(node, (), lines, source), lines


def _compose_reporting(text: str, source: str) -> yaml.Node | None:
    """Parse again with the pure-Python loader, whose messages the errors quote."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(Issue(source, "yaml", f"malformed YAML: {reason}", line)) from None


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor present in the file."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


__all__ = ["Path", "date", "line_of", "read_yaml"]
