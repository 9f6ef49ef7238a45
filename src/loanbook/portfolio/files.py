"""A portfolio on disk: Parquet partitions of loans and events, and results by partition.

    DIR/portfolio.json                   what the folder holds (loans, partitions)
    DIR/fixings.parquet                  index,date,rate_e9
    DIR/loans/part-00000.parquet         the loans of partition 0 (form.LOAN_SCHEMA)
    DIR/events/part-00000.parquet        their events, in input order (form.EVENT_SCHEMA)
    DIR/results/YYYY-MM-DD/part-00000.parquet   positions as of that date
    DIR/state/YYYY-MM-DD/part-00000/            each loan's state after that day (``stored``)
    DIR/kernel/part-00000/                      the partition in the kernel's arrays

A partition's result is published once: written to a temporary file, then linked to its name,
which fails if the name exists. A run killed at any moment leaves only whole result files, and
a rerun computes the partitions that have none, so nothing is written twice.
"""

# mypy: disable-error-code="no-any-return"
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from loanbook.errors import Issue, ValidationError
from loanbook.portfolio import form

MANIFEST = "portfolio.json"
ROW_GROUP = 16_384
_DICTIONARY_COLUMNS = ["method", "note"]


def part_name(i: int) -> str:
    return f"part-{i:05d}.parquet"


@dataclass(frozen=True)
class Folder:
    path: Path
    loans: int
    partitions: int

    @classmethod
    def open(cls, path: Path) -> Folder:
        try:
            meta = json.loads((path / MANIFEST).read_text())
            return cls(path, int(meta["loans"]), int(meta["partitions"]))
        except (OSError, ValueError, KeyError) as exc:
            raise ValidationError(
                Issue(str(path / MANIFEST), "portfolio", f"not a portfolio folder ({exc})")
            ) from None

    def fixings(self) -> pa.Table:
        """The folder's fixings; two rates for one index and date are refused, naming them."""
        path = self.path / "fixings.parquet"
        return checked_fixings(pq.read_table(path, schema=form.FIXING_SCHEMA), path)

    def loans_of(self, part: int) -> pa.Table:
        return pq.read_table(self.path / "loans" / part_name(part), schema=form.LOAN_SCHEMA)

    def events_of(self, part: int) -> pa.Table:
        return pq.read_table(self.path / "events" / part_name(part), schema=form.EVENT_SCHEMA)

    def results_dir(self, until: date) -> Path:
        return self.path / "results" / until.isoformat()

    def result_path(self, until: date, part: int) -> Path:
        return self.results_dir(until) / part_name(part)

    def loans_path(self, part: int) -> Path:
        return self.path / "loans" / part_name(part)

    def events_path(self, part: int) -> Path:
        return self.path / "events" / part_name(part)

    def state_path(self, as_of: date, part: int) -> Path:
        return self.path / "state" / as_of.isoformat() / f"part-{part:05d}"

    def state_dates(self, part: int, before: date) -> list[date]:
        """Dates before ``before`` with a state of partition ``part``, latest first."""
        root = self.path / "state"
        if not root.exists():
            return []
        out = []
        for child in root.iterdir():
            try:
                day = date.fromisoformat(child.name)
            except ValueError:
                continue
            if day < before and (child / f"part-{part:05d}").exists():
                out.append(day)
        return sorted(out, reverse=True)

    def done(self, until: date) -> set[int]:
        folder = self.results_dir(until)
        return {i for i in range(self.partitions) if (folder / part_name(i)).exists()}

    def results(self, until: date) -> pa.Table:
        """Every partition's positions as of ``until`` (those computed so far), in loan order."""
        parts = sorted(self.done(until))
        tables = [pq.read_table(self.result_path(until, i)) for i in parts]
        if not tables:
            raise ValidationError(
                Issue(str(self.results_dir(until)), "results", "no results for this date")
            )
        return pa.concat_tables(tables)


def publish(table: pa.Table, path: Path) -> bool:
    """Write ``table`` to ``path`` unless it exists; False if it did (nothing is written).

    Dictionary encoding only for the columns that are dictionaries (engine, note): on the
    cents columns, nearly all distinct, it tripled the time of writing for a larger file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return False
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, use_dictionary=_DICTIONARY_COLUMNS)
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()


def checked_fixings(fixings: pa.Table, path: Path) -> pa.Table:
    """``fixings`` if ``form.check_fixings`` accepts them, else one issue naming ``path``."""
    try:
        form.check_fixings(fixings)
    except form.Refusal as exc:
        raise ValidationError(Issue(str(path), "rate_e9", str(exc))) from None
    return fixings


def write_portfolio(
    path: Path,
    chunks: Iterable[tuple[pa.Table, pa.Table]],
    fixings: pa.Table,
    extra: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Folder:
    """Write a portfolio folder from (loans, events) partitions; refuses a non-empty folder."""
    if path.exists() and any(path.iterdir()):
        raise ValidationError(Issue(str(path), "out", "exists and is not empty"))
    checked_fixings(fixings, path / "fixings.parquet")  # before anything is written
    (path / "loans").mkdir(parents=True)
    (path / "events").mkdir()
    pq.write_table(fixings.cast(form.FIXING_SCHEMA), path / "fixings.parquet")
    loans = parts = 0
    for loan_table, event_table in chunks:
        # row groups small enough that one loan's row and events are read alone (the exact
        # engine's loans on a day's run): events are in loan order, so their statistics say
        loans_part = loan_table.cast(form.LOAN_SCHEMA)
        events_part = event_table.cast(form.EVENT_SCHEMA)
        pq.write_table(loans_part, path / "loans" / part_name(parts), row_group_size=ROW_GROUP)
        pq.write_table(events_part, path / "events" / part_name(parts), row_group_size=ROW_GROUP)
        loans += loan_table.num_rows
        parts += 1
        if progress:
            progress(loan_table.num_rows)
    meta = {"format": 1, "loans": loans, "partitions": parts, **(extra or {})}
    (path / MANIFEST).write_text(json.dumps(meta, indent=2) + "\n")
    return Folder(path, loans, parts)
