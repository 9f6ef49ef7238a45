"""``loanbook export FOLDER``: the book folder rebuilt from the database.

Term files come back byte for byte (their text is stored), fixings as one CSV per original
file in the original row order, and the event log as ``events/book.csv`` with its keys and
recorded times, so that importing the folder into a new book gives the same book.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from loanbook.errors import Issue, ValidationError
from loanbook.rates.fixings import HEADER as FIXING_HEADER
from loanbook.storage.schema import DocumentRow, FixingRow
from loanbook.storage.store import Store


@dataclass(frozen=True)
class Exported:
    documents: int
    fixing_files: int
    events: int


def export_folder(store: Store, folder: Path) -> Exported:
    """Write the book into ``folder`` (which must be empty or absent)."""
    if folder.exists() and not folder.is_dir():
        raise ValidationError(Issue(str(folder), "folder", "exists and is not a folder"))
    if folder.exists() and any(folder.iterdir()):
        raise ValidationError(Issue(str(folder), "folder", "exists and is not empty"))
    with store.read() as conn:
        docs = conn.execute(select(DocumentRow).order_by(DocumentRow.id)).all()
        fixings = conn.execute(select(FixingRow).order_by(FixingRow.id)).all()
        events = store.stored_events(conn)
    folder.mkdir(parents=True, exist_ok=True)
    for d in docs:
        (folder / d.source).parent.mkdir(parents=True, exist_ok=True)
        (folder / d.source).write_bytes(d.text.encode("utf-8"))
    files: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    for f in fixings:
        name, line = f.source.rsplit(":", 1)
        files[name].append((int(line), [f.index_name, f.date.isoformat(), str(f.rate_percent)]))
    for name, numbered in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_csv([list(FIXING_HEADER), *(r for _, r in sorted(numbered))]), "utf-8")
    if events:
        names = sorted({k for s in events for k, _ in s.event.detail})
        header = ["date", "loan", "kind", "amount", "reference", "key", "recorded", *names]
        rows = [header]
        for s in events:
            ev, detail = s.event, dict(s.event.detail)
            amount = "" if ev.amount is None else format(ev.amount, "f")
            rows.append(
                [ev.date.isoformat(), ev.loan, ev.kind.value, amount, ev.reference, ev.key]
                + [s.recorded_at.isoformat()]
                + [detail.get(n, "") for n in names]
            )
        (folder / "events").mkdir(exist_ok=True)
        (folder / "events" / "book.csv").write_text(_csv(rows), "utf-8")
    return Exported(len(docs), len(files), len(events))


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()
