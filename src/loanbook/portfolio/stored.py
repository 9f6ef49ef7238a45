"""What a close of business keeps between runs, per partition: the loans and events in the
kernel's arrays (built once from the Parquet partition) and each loan's state after the day.

    DIR/kernel/part-00000/        matrix, event arrays, meta.json (the inputs it was built from)
    DIR/state/YYYY-MM-DD/part-00000/   each loan's state after that day (``engine.State``),
                                       or of the loans that moved since a base day's

Both are NumPy arrays (``.npy``), read memory-mapped: a day's run touches only the pages of
the loans that have a step that day, where Parquet would decode every column of every loan
(measured in benchmarks/README.md). A day's state is a delta when it can be (``engine.State``:
most loans only accrue on most days): the loans that moved since the latest whole state, whose
date its ``meta.json`` names as ``base``; every other loan's state is the base's. A delta
whose base is gone or does not match is not used. They are derived data: the results
(positions) are the Parquet files, and deleting these folders only makes the next run start
from origination.

A folder is published whole: written under a temporary name, then renamed, which fails if the
name exists; a run killed at any moment leaves whole folders or none. A state records the
inputs it was computed from (sizes and row counts of the partition's files, a digest of the
fixings up to its date, whether dues were taken as paid): one that does not match is not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from loanbook.errors import Issue, ValidationError
from loanbook.portfolio import form
from loanbook.portfolio.engine import Events, Prepared, State, _rows_of

FORMAT = 1


def fingerprint(path: Path) -> list[int]:
    """Size and row count of a Parquet file (the partitions are written once, never edited)."""
    return [path.stat().st_size, pq.ParquetFile(path).metadata.num_rows]


def fixings_digest(fixings: pa.Table, up_to: int) -> str:
    """A digest of the fixings dated on or before day ``up_to`` (what a state depends on)."""
    days = form._days(fixings.column("date"))
    keep = days <= up_to
    names = np.asarray(fixings.column("index").to_pylist(), dtype=object)[keep]
    rates = form._ints(fixings.column("rate_e9"))[keep]
    rows = sorted(zip(names.tolist(), days[keep].tolist(), rates.tolist(), strict=True))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _publish_dir(arrays: dict[str, np.ndarray], meta: dict[str, Any], target: Path) -> bool:
    """Write ``arrays`` and ``meta`` as a folder at ``target`` unless it exists."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    tmp.mkdir()
    try:
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr))
        (tmp / "meta.json").write_text(json.dumps(meta))
        try:
            os.rename(tmp, target)
        except OSError:
            return False  # another run published it first
        return True
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _read_dir(path: Path, names: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    meta = json.loads((path / "meta.json").read_text())
    # copy-on-write maps: the pages are read as needed, and the arrays have the types the
    # compiled kernel was built for (read-only arrays would need a second compilation)
    return meta, {n: np.load(path / f"{n}.npy", mmap_mode="c") for n in names}


_KERNEL = ("matrix", "ev_off", "ev_date", "ev_kind", "ev_amount")
_STATE = ("scalars", "am_off", "am", "du_off", "du")


def prepared(
    root: Path, part: int, loans_path: Path, events_path: Path, index_names: tuple[str, ...]
) -> tuple[Prepared, dict[str, Any]]:
    """The partition in the kernel's arrays, from ``DIR/kernel`` when it was built from these
    very files and fixings' indexes, else built from the Parquet files and stored."""
    inputs = {
        "format": FORMAT,
        "loans": fingerprint(loans_path),
        "events": fingerprint(events_path),
        "indexes": list(index_names),
    }
    where = root / "kernel" / f"part-{part:05d}"

    def rows(which: list[int]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        return _rows(loans_path, events_path, which)

    ids = pq.read_table(loans_path, columns=["loan"]).column("loan").combine_chunks()
    if where.exists():
        meta, a = _read_dir(where, _KERNEL)
        if meta == inputs:
            events = Events(a["ev_off"], a["ev_date"], a["ev_kind"], a["ev_amount"])
            return Prepared(ids, a["matrix"], events, rows), inputs
        shutil.rmtree(where, ignore_errors=True)  # built from other inputs: build again
    loans = pq.read_table(loans_path, schema=form.LOAN_SCHEMA)
    events_table = pq.read_table(events_path, schema=form.EVENT_SCHEMA)
    try:
        built = Prepared.of(loans, events_table, index_names)
    except form.Refusal as exc:  # a value the kernel cannot read: the user's input, named
        events_only = exc.field in form.EVENT_SCHEMA.names and exc.field != "loan"
        where = events_path if events_only else loans_path
        raise ValidationError(Issue(str(where), exc.field or "loans", str(exc))) from None
    ev = built.events
    _publish_dir(
        {
            "matrix": built.whole(),
            "ev_off": ev.off,
            "ev_date": ev.dates,
            "ev_kind": ev.kinds,
            "ev_amount": ev.amounts,
        },
        inputs,
        where,
    )
    return built, inputs


def _rows(
    loans_path: Path, events_path: Path, which: list[int]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Rows of the loans ``which`` and their events, reading only the row groups that hold
    them (the exact engine's few loans, without decoding the whole partition)."""
    if not which:
        return []
    loans_file = pq.ParquetFile(loans_path)
    sizes = [loans_file.metadata.row_group(g).num_rows for g in range(loans_file.num_row_groups)]
    starts = np.cumsum([0, *sizes])
    group_of = {i: int(np.searchsorted(starts, i, side="right")) - 1 for i in which}
    groups = sorted(set(group_of.values()))
    table = loans_file.read_row_groups(groups).cast(form.LOAN_SCHEMA)
    base = dict(zip(groups, np.cumsum([0, *(sizes[g] for g in groups)]).tolist(), strict=False))
    picked = [base[group_of[i]] + i - int(starts[group_of[i]]) for i in which]
    loans = table.take(pa.array(picked, pa.int64()))
    wanted = loans.column("loan").to_pylist()
    events_file = pq.ParquetFile(events_path)
    hits = []
    for g in range(events_file.num_row_groups):
        stats = events_file.metadata.row_group(g).column(0).statistics
        known = stats is not None and stats.has_min_max
        if not known or any(stats.min <= x <= stats.max for x in wanted):
            hits.append(g)
    events = events_file.read_row_groups(hits).cast(form.EVENT_SCHEMA)
    return _rows_of(loans, events, list(range(loans.num_rows)))


def state_meta(
    inputs: dict[str, Any], fixings: pa.Table, as_of: date, assume_paid: bool = False
) -> dict[str, Any]:
    """What a state as of ``as_of`` was computed from."""
    return {
        **inputs,
        "as_of": as_of.isoformat(),
        "fixings": fixings_digest(fixings, form.day_number(as_of)),
        "assume_paid": assume_paid,
    }


def save_state(target: Path, state: State, meta: dict[str, Any]) -> bool:
    """Publish ``state`` at ``target`` (a delta names its base's day; the base is stored)."""
    arrays = {
        "scalars": state.scalars,
        "am_off": state.am_off,
        "am": state.am,
        "du_off": state.du_off,
        "du": state.du,
    }
    if state.base is not None and state.rows is not None:
        arrays["rows"] = state.rows
        meta = {**meta, "base": (form.EPOCH + timedelta(days=state.base.as_of)).isoformat()}
    return _publish_dir(arrays, meta, target)


def load_state(path: Path, expect: Callable[[date], dict[str, Any]]) -> State | None:
    """The state at ``path`` if it was computed from the inputs ``expect(as_of)`` names (a
    delta: and its base likewise, a whole state)."""
    try:
        meta = json.loads((path / "meta.json").read_text())
        base_day = meta.pop("base", None)
        as_of = date.fromisoformat(meta["as_of"])
        if meta != expect(as_of):
            return None
        _, a = _read_dir(path, _STATE if base_day is None else (*_STATE, "rows"))
    except (OSError, ValueError, KeyError):
        return None
    arrays = (a["scalars"], a["am_off"], a["am"], a["du_off"], a["du"])
    if base_day is None:
        return State(form.day_number(as_of), *arrays)
    base = load_state(path.parent.parent / base_day / path.name, expect)
    if base is None or base.base is not None:
        return None
    return State(form.day_number(as_of), *arrays, a["rows"], base)
