"""Shared CLI plumbing: loading a book, printing errors and JSON, parsing dates."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from loanbook import parse as strict
from loanbook.errors import Issue, LoanbookError

if TYPE_CHECKING:  # the book and its loader (the engines) load only when a command reads one
    from loanbook.book import Book

console = Console()
err_console = Console(stderr=True)


def wide_console(width: int = 110) -> Console:
    """A console at least ``width`` wide, for reports whose rows are sentences (compliance):
    lines may pass 80 columns in a pipe, but no figure is cut or wrapped."""
    return console if console.width >= width else Console(width=width)


T = TypeVar("T")


_JSON = {"requested": False}


def _json_mode(value: bool) -> bool:
    """Remember whether the running command was given ``--json`` (the option's callback runs
    on every invocation, with its default too): then its errors, too, are JSON, on stderr."""
    _JSON["requested"] = bool(value)
    return value


JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="print JSON (errors too, on stderr)", callback=_json_mode),
]


def json_requested() -> bool:
    return _JSON["requested"]


def reset_json_mode() -> None:
    """Forget an earlier invocation's ``--json`` (the root callback, before the command's
    options are read): a command without the option reports as text, whatever ran before it
    in this process (the tests, the API's in-process calls)."""
    _JSON["requested"] = False


def issue_json(issue: Issue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "line": issue.line,
        "field": issue.field,
        "reason": issue.reason,
        "event": issue.event,
        "message": str(issue),
    }


def print_issues(exc: LoanbookError) -> None:
    """Each issue on its own unwrapped line (``file:line: field: reason``), for people and
    grep; with ``--json``, one JSON object ``{"ok": false, "errors": [...]}`` on stderr."""
    if json_requested():
        errors = [issue_json(i) for i in exc.issues]
        sys.stderr.write(json.dumps({"ok": False, "errors": errors}, ensure_ascii=False) + "\n")
        return
    for issue in exc.issues:
        sys.stderr.write(f"{issue}\n")


def fail_with(issue: Issue, code: int = 1) -> NoReturn:
    """Report one problem (as ``print_issues`` does) and exit with ``code``."""
    print_issues(LoanbookError(issue))
    raise typer.Exit(code)


def fail(exc: LoanbookError) -> NoReturn:
    print_issues(exc)
    raise typer.Exit(1)


def guarded(fn: Callable[[], T]) -> T:
    """Run ``fn``; a LoanbookError becomes its issues on stderr and exit code 1."""
    try:
        return fn()
    except LoanbookError as exc:
        fail(exc)


def parse_date(text: str, field: str = "date") -> date:
    """An option's date, by the one strict parser; a bad one is ``--option: date: reason``."""
    try:
        return strict.parse_date(text)
    except strict.InputError as exc:
        fail(LoanbookError(Issue(field, "date", str(exc))))


def parse_option_amount(text: str, option: str, **kwargs: Any) -> Decimal:
    """An option's amount, by the one strict parser; a bad one is ``--option: amount: reason``."""
    try:
        return strict.parse_amount(text, **kwargs)
    except strict.InputError as exc:
        fail(LoanbookError(Issue(option, "amount", str(exc))))


def opt_date(text: str | None, field: str) -> date | None:
    return None if text is None else parse_date(text, field)


def load_book(
    path: Path, rates: list[Path] | None = None, events: list[Path] | None = None
) -> Book:
    from loanbook.loader import read_book

    return guarded(lambda: read_book(path, tuple(rates or ()), tuple(events or ())))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=_default) + "\n")


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"
