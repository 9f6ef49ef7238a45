"""Close of business from the previous close's stored state gives what one run from
origination gives: random books and random sequences of dates (hypothesis), folders run day
by day, a killed run resumed, a state computed from other inputs refused."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from loanbook.portfolio import generate, stored
from loanbook.portfolio import loop as L
from loanbook.portfolio.engine import run_portfolio
from loanbook.portfolio.files import Folder, write_portfolio
from loanbook.portfolio.runner import run_folder

BASE = date(2020, 1, 1)


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    loans=st.integers(min_value=1, max_value=12),
    first=st.integers(min_value=0, max_value=2600),
    steps=st.lists(st.integers(min_value=1, max_value=70), min_size=1, max_size=6),
    assume_paid=st.booleans(),
)
def test_runs_from_a_stored_state_give_the_single_runs_positions(
    seed: int, loans: int, first: int, steps: list[int], assume_paid: bool
) -> None:
    table, events = generate.loans_and_events(loans, seed, history_to=date(2027, 1, 1))
    fixings = generate.fixings(seed)
    day = BASE + timedelta(days=first)
    run = run_portfolio(table, events, fixings, day, assume_paid=assume_paid, keep_state=True)
    for step in steps:
        day += timedelta(days=step)
        state = run.state
        run = run_portfolio(
            table, events, fixings, day, assume_paid=assume_paid, state=state, keep_state=True
        )
        single = run_portfolio(table, events, fixings, day, assume_paid=assume_paid)
        assert run.loans.equals(single.loans), day


def _book(tmp_path: Path, name: str = "book") -> Path:
    out = tmp_path / name
    parts = [
        generate.loans_and_events(60, 41 + k, first_number=60 * k, history_to=date(2026, 12, 31))
        for k in range(3)
    ]
    write_portfolio(out, parts, generate.fixings(4))
    return out


def test_a_folder_run_day_by_day_equals_one_run_to_each_day(tmp_path: Path) -> None:
    """Every day from 2026-06-25 to 2026-07-03 (a month end, a weekend, a holiday) from the
    day before's state, against a copy run straight to that day from origination."""
    book = _book(tmp_path)
    first = date(2026, 6, 24)
    done = run_folder(book, first)
    assert [d.since for d in done] == [None, None, None]
    day = first
    while day < date(2026, 7, 3):
        day += timedelta(days=1)
        done = run_folder(book, day)
        assert [d.since for d in done] == [day - timedelta(days=1)] * 3
        fresh = tmp_path / f"fresh-{day}"
        shutil.copytree(book, fresh, ignore=shutil.ignore_patterns("state", "results", "kernel"))
        alone = run_folder(fresh, day)
        assert [d.since for d in alone] == [None, None, None]
        assert Folder.open(book).results(day).equals(Folder.open(fresh).results(day))
        shutil.rmtree(fresh)


def test_a_run_skipping_days_starts_from_the_latest_state_before_its_date(tmp_path: Path) -> None:
    book = _book(tmp_path)
    run_folder(book, date(2026, 3, 31))
    run_folder(book, date(2026, 5, 15))
    done = run_folder(book, date(2026, 5, 1))  # before the latest: from 2026-03-31
    assert {d.since for d in done} == {date(2026, 3, 31)}
    other = _book(tmp_path, "other")
    run_folder(other, date(2026, 5, 1))
    assert (
        Folder.open(book)
        .results(date(2026, 5, 1))
        .equals(Folder.open(other).results(date(2026, 5, 1)))
    )


def test_a_run_killed_after_its_state_was_stored_writes_only_the_results(tmp_path: Path) -> None:
    book = _book(tmp_path)
    run_folder(book, date(2026, 6, 29))
    until = date(2026, 6, 30)
    run_folder(book, until)
    folder = Folder.open(book)
    whole = folder.results(until)
    state = folder.state_path(until, 1)
    stamp = (state / "scalars.npy").stat().st_mtime_ns
    folder.result_path(until, 1).unlink()  # killed between the state and the results
    again = run_folder(book, until)
    assert [(d.part, d.written, d.since) for d in again] == [(1, True, date(2026, 6, 29))]
    assert (state / "scalars.npy").stat().st_mtime_ns == stamp  # the state is not rewritten
    assert folder.results(until).equals(whole)


def test_a_state_from_other_fixings_is_not_used(tmp_path: Path) -> None:
    """A fixing on or before the stored close corrected afterwards: the state would carry the
    old rate, so the next run starts from origination (and agrees with a fresh run)."""
    book = _book(tmp_path)
    run_folder(book, date(2026, 6, 1))
    fixings = pq.read_table(book / "fixings.parquet")
    rates = fixings.column("rate_e9").to_pylist()
    days = fixings.column("date").to_pylist()
    for i, day in enumerate(days):
        if date(2026, 3, 1) <= day <= date(2026, 5, 1):
            rates[i] += 1_000_000  # fixings of the spring corrected by 0.1%
    changed = fixings.set_column(2, "rate_e9", pa.array(rates, pa.int64()))
    pq.write_table(changed, book / "fixings.parquet")
    done = run_folder(book, date(2026, 6, 2))
    assert {d.since for d in done} == {None}
    other = _book(tmp_path, "other")
    pq.write_table(changed, other / "fixings.parquet")
    run_folder(other, date(2026, 6, 2))
    assert (
        Folder.open(book)
        .results(date(2026, 6, 2))
        .equals(Folder.open(other).results(date(2026, 6, 2)))
    )


def test_the_exact_engines_loans_are_read_from_their_row_groups(tmp_path: Path) -> None:
    """A partition of 40,000 loans is three row groups; loans 5 and 39,999 (first and last
    group) come back with exactly their events."""
    loans, events = generate.loans_and_events(40_000, 3)
    book = tmp_path / "big"
    write_portfolio(book, [(loans, events)], generate.fixings(3))
    folder = Folder.open(book)
    assert pq.ParquetFile(folder.loans_path(0)).num_row_groups == 3
    got = stored._rows(folder.loans_path(0), folder.events_path(0), [39_999, 5])
    assert [r["loan"] for r, _ in got] == ["L0039999", "L0000005"]
    for row, evs in got:
        assert row == loans.slice(int(row["loan"][1:]), 1).to_pylist()[0]
        mask = pa.compute.equal(events.column("loan"), row["loan"])
        assert evs == events.filter(mask).to_pylist()


def _stored(folder: Folder, day: date, part: int) -> tuple[str | None, int | None]:
    """(base day, loans in the delta) of a stored state; (None, None) for a whole one."""
    where = folder.state_path(day, part)
    base = json.loads((where / "meta.json").read_text()).get("base")
    rows = np.load(where / "rows.npy") if base else None
    return base, None if rows is None else len(rows)


def test_a_days_state_holds_the_loans_that_moved_since_the_latest_whole_state(
    tmp_path: Path,
) -> None:
    """Day by day from a whole state: each day a delta of the loans that moved since it (the
    loans of the day before's delta kept), until the delta would hold most loans: then a
    whole state again, the base of the days after; every day's positions as a fresh run's."""
    book = _book(tmp_path)
    folder = Folder.open(book)
    day = date(2026, 6, 24)
    run_folder(book, day)
    assert _stored(folder, day, 0) == (None, None)
    whole, before, kinds = day, 0, []
    for _ in range(16):
        day += timedelta(days=1)
        run_folder(book, day)
        base, moved = _stored(folder, day, 0)
        if 2 * before > 60:  # the day before's delta held most of the 60 loans
            assert (base, moved) == (None, None)
            whole, before = day, 0
        else:
            assert base == whole.isoformat() and moved is not None and moved >= before
            before = moved
        kinds.append(base is None)
    assert True in kinds and kinds[0] is False  # both kinds were written
    fresh = tmp_path / "fresh"
    shutil.copytree(book, fresh, ignore=shutil.ignore_patterns("state", "results", "kernel"))
    run_folder(fresh, day)
    assert folder.results(day).equals(Folder.open(fresh).results(day))


def test_a_delta_whose_base_is_gone_is_not_used(tmp_path: Path) -> None:
    book = _book(tmp_path)
    folder = Folder.open(book)
    run_folder(book, date(2026, 6, 29))
    run_folder(book, date(2026, 6, 30))
    assert _stored(folder, date(2026, 6, 30), 0)[0] == "2026-06-29"
    shutil.rmtree(book / "state" / "2026-06-29")
    done = run_folder(book, date(2026, 7, 1))
    assert {d.since for d in done} == {None}  # from origination
    other = _book(tmp_path, "other")
    run_folder(other, date(2026, 7, 1))
    assert folder.results(date(2026, 7, 1)).equals(Folder.open(other).results(date(2026, 7, 1)))


def test_a_run_killed_while_writing_a_delta_resumes_exactly(tmp_path: Path) -> None:
    """Killed inside partition 1: its delta half written (a temporary folder), no results;
    the rerun runs partition 1 alone from the whole state and agrees with a fresh run."""
    book = _book(tmp_path)
    folder = Folder.open(book)
    run_folder(book, date(2026, 6, 29))
    until = date(2026, 6, 30)
    run_folder(book, until)
    whole = folder.results(until)
    shutil.rmtree(folder.state_path(until, 1))
    folder.result_path(until, 1).unlink()
    half = folder.state_path(until, 1).with_name(".part-00001.dead.tmp")
    half.mkdir()
    (half / "scalars.npy").write_bytes(b"half")
    again = run_folder(book, until)
    assert [(d.part, d.written, d.since) for d in again] == [(1, True, date(2026, 6, 29))]
    assert _stored(folder, until, 1)[0] == "2026-06-29"
    assert folder.results(until).equals(whole)
    assert run_folder(book, date(2026, 7, 1))[1].since == until  # the new delta is used


def test_loans_whose_dues_outgrow_their_room_run_again() -> None:
    """A state two years old: many loans have more new open dues than the room planned per
    loan from a state (``loop.DAY_SLACK``); they run again with the room they need, and every
    position and the next day's from the new state are a run from origination's."""
    table, events = generate.loans_and_events(40, 8, history_to=date(2027, 1, 1))
    fixings = generate.fixings(8)
    old = run_portfolio(table, events, fixings, date(2022, 3, 1), keep_state=True)
    assert old.state is not None
    day = date(2024, 3, 1)
    run = run_portfolio(table, events, fixings, day, state=old.state, keep_state=True)
    new = run.state
    assert new is not None and new.rows is not None  # a delta of the loans that moved
    grew = np.diff(new.du_off) - np.diff(old.state.du_off)[new.rows]
    assert (grew > L.DAY_SLACK).any()
    assert run.loans.equals(run_portfolio(table, events, fixings, day).loans)
    nxt = day + timedelta(days=1)
    again = run_portfolio(table, events, fixings, nxt, state=run.state, keep_state=True)
    assert again.loans.equals(run_portfolio(table, events, fixings, nxt).loans)
