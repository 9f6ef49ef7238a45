"""The dashboard's compliance sections: covenant headroom, events of default and waivers,
open conditions - shown when the book has a compliance service.

Compliance is being built apart from the web (issue 9). When a module ``loanbook.compliance``
offers ``dashboard(book, facility, as_of, known_on)`` returning sections (each a mapping
with ``title``, ``columns`` and ``rows``, each row a mapping of column to text and an
optional ``cite``), the dashboard shows them; until then it says they are not tracked.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from loanbook.api.operations import Operations
from loanbook.errors import LoanbookError
from loanbook.storage.store import KnownOn
from loanbook.storage.users import User

MODULE = "loanbook.compliance"


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...] = ()
    rows: tuple[dict[str, Any], ...] = ()
    note: str = ""
    available: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def sections(
    ops: Operations, user: User, facility: str, as_of: date, known_on: KnownOn = None
) -> list[Section]:
    hook = _hook()
    if hook is None:
        return [
            Section(
                title,
                note="Not tracked in this book yet: covenant tests and conditions arrive "
                "with the compliance service.",
                available=False,
            )
            for title in ("Covenant headroom", "Open conditions")
        ]
    ops.facility_owners(user, facility)
    view, _ = ops.view(known_on)
    try:
        found = hook(view.book, facility, as_of, view.known_on)
    except LoanbookError as exc:
        return [Section("Compliance", note="; ".join(str(i) for i in exc.issues))]
    out = []
    for s in found or ():
        data = dict(s) if isinstance(s, dict) else vars(s)
        out.append(
            Section(
                str(data.get("title", "Compliance")),
                tuple(str(c) for c in data.get("columns", ())),
                tuple(dict(r) if isinstance(r, dict) else vars(r) for r in data.get("rows", ())),
                str(data.get("note", "")),
            )
        )
    return out


def _hook() -> Any:
    if importlib.util.find_spec(MODULE) is None:
        return None
    module = importlib.import_module(MODULE)
    return getattr(module, "dashboard", None)
