"""YAML to plain values with a line number for every path, and no floats.

Numbers with a decimal point become ``Decimal`` (a float would lose cents); dates become
``date``. ``lines`` maps each path (tuple of keys/indexes) to the line it starts on, so a
schema error can be reported as ``file:line: field: reason``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from loanbook.errors import Issue, ValidationError
from loanbook.parse import PERCENT_PLACES, InputError, parse_date, parse_decimal

Path = tuple[str | int, ...]
#: libyaml's composer where PyYAML was built with it (several times faster, the same marks).
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], source: str) -> Any:
    if len(path) > MAX_DEPTH:
        raise ValidationError(
            Issue(
                source, "yaml", f"nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1
            )
        )
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
    try:
        return _scalar(tag, text)
    except InputError as exc:
        field = ".".join(map(str, path)) or "document"
        raise ValidationError(Issue(source, field, str(exc), node.start_mark.line + 1)) from None


def _scalar(tag: str, text: str) -> Any:
    """A scalar by the one strict parser: ``1_000``, ``0x10``, ``1.5e3``, ``.inf`` or a
    sexagesimal ``1:30`` are refused rather than read as YAML 1.1 would read them."""
    if tag == "tag:yaml.org,2002:float":
        return parse_decimal(text, places=PERCENT_PLACES + 2)
    if tag == "tag:yaml.org,2002:int":
        return int(parse_decimal(text, places=0))
    if tag == "tag:yaml.org,2002:timestamp":
        return parse_date(text)
    if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
        return yaml.SafeLoader(text).construct_object(yaml.ScalarNode(tag, text))
    return text


#: The deepest nesting of mappings and lists a term file may have (the schema needs about 8).
MAX_DEPTH = 64


class _AliasError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _DepthError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Loader(yaml.SafeLoader):
    """The safe loader without aliases and with bounded nesting: a term file is a tree, so an
    alias (``*name``) is refused where it appears. That bounds the work to the size of the
    file (no alias bomb) and the depth to ``MAX_DEPTH`` (no recursion error)."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _AliasError(self.peek_event().start_mark.line + 1)  # type: ignore[no-untyped-call]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _DepthError(self.peek_event().start_mark.line + 1)  # type: ignore[no-untyped-call]
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _plain(text: str) -> bool:
    """Whether ``text`` can go to libyaml's composer: it has no alias or anchor (``*`` and
    ``&`` appear nowhere) and cannot nest deeply (few brackets, short lines: block nesting
    needs indentation or ``- `` on the line), so composing it in C is bounded. Anything else
    takes the checking loader below, which refuses aliases and deep nesting with their line."""
    return (
        _FAST_LOADER is not None
        and "*" not in text
        and "&" not in text
        and text.count("[") + text.count("{") < MAX_DEPTH
        and max(map(len, text.splitlines()), default=0) < 2 * MAX_DEPTH
    )


def _compose(text: str) -> yaml.Node | None:
    if _plain(text):
        try:
            return yaml.compose(text, Loader=_FAST_LOADER)
        except yaml.YAMLError:
            pass  # compose again below: the pure-Python loader's messages are the ones quoted
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document; a syntax error is reported with its line. Aliases are refused
    (term files do not need them, and they can expand exponentially); so is nesting deeper
    than ``MAX_DEPTH``."""
    try:
        node = _compose(text)
    except _AliasError as exc:
        raise ValidationError(
            Issue(source, "yaml", "aliases (*name) are not allowed in term files", exc.line)
        ) from None
    except _DepthError as exc:
        raise ValidationError(
            Issue(source, "yaml", f"nested deeper than {MAX_DEPTH} levels", exc.line)
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ValidationError(Issue(source, "yaml", f"malformed YAML: {reason}", line)) from None
    lines: dict[Path, int] = {}
    if node is None:
        raise ValidationError(Issue(source, "document", "the file is empty", 1))
    return _convert(node, (), lines, source), lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor present in the file."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


__all__ = ["Path", "date", "line_of", "read_yaml"]
