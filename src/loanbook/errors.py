"""Errors that name where they come from: file, line, field and reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem with an input: ``file:line: field: reason``, and the key of the event at
    fault when it is about an event (``(event KEY)``), so every reader of the error, person
    or program, can tell which event to fix."""

    file: str
    field: str
    reason: str
    line: int | None = None
    event: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        named = f" (event {self.event})" if self.event else ""
        return f"{where}: {self.field}: {self.reason}{named}"


class LoanbookError(Exception):
    """Base of every error Loanbook raises on bad input; carries one or more Issues."""

    def __init__(self, issues: Issue | list[Issue] | tuple[Issue, ...]) -> None:
        self.issues: tuple[Issue, ...] = (issues,) if isinstance(issues, Issue) else tuple(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


class ValidationError(LoanbookError):
    """A term file, event or certificate failed validation; nothing was recorded."""


class RefusedError(LoanbookError):
    """An action is refused by the terms (e.g. an advance above the commitment)."""


class MissingFixingError(LoanbookError):
    """A rate index has no fixing in force on a date the engine needs one."""
