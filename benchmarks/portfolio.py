"""The portfolio engine: exactness over a seeded book, lifetime cash flows against QuantLib
and the exact engine, close of business over Parquet, scaling, Dask against one process.

Reproduce (from the repository root)::

    make bench-portfolio                      # every part at the sizes in benchmarks/README.md
    .venv/bin/python benchmarks/portfolio.py exactness --loans 100000 --seed 1 --jobs 2
    .venv/bin/python benchmarks/portfolio.py cashflows --loans 1000000
    .venv/bin/python benchmarks/portfolio.py exact --loans 5000
    .venv/bin/python benchmarks/portfolio.py cob --loans 1000000 [--peer-src /tmp/main/src]
    .venv/bin/python benchmarks/portfolio.py scaling --sizes 10000,100000,1000000
    .venv/bin/python benchmarks/portfolio.py dask --loans 200000

Every figure is a ratio against a peer measured in the same run: QuantLib-Python's
AmortizingFixedRateBond cash flows (each amount computed and summed, as the portfolio
engine's consumer sums its own) and the exact engine (``engine.run_loan``) on the same
loans; the single process against the Dask LocalCluster. Timings exclude the one-off Numba
compilation (cached on disk after the first run) and the generation of the book.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute
from quantlib_mixed import MixedPeer  # this folder's (the script's folder is on sys.path)

from loanbook.engine import TermsHistory, run_loan
from loanbook.portfolio import form, generate
from loanbook.portfolio.engine import lifetime_end, lifetime_flows, lifetime_prepared
from loanbook.portfolio.exactness import compare
from loanbook.portfolio.files import write_portfolio
from loanbook.rates import Market

CHUNK = 5_000


def _exactness_chunk(job: tuple[int, int, int, str]) -> tuple[int, int, int, list[str]]:
    k, first, size, to = job
    seed = _SEED[0]
    loans, events = generate.loans_and_events(size, seed * 100_003 + k, first_number=first)
    c = compare(
        loans, events, generate.fixings(seed), date.fromisoformat(to), assume_paid=bool(k % 2)
    )
    return c.loans, c.by_kernel, c.flows, list(c.differences)


_SEED = [1]


def exactness(args: argparse.Namespace) -> dict[str, Any]:
    """Every loan of a seeded book against the exact engine, chunk by chunk, to the cent
    (``--jobs`` processes, each comparing whole chunks)."""
    import multiprocessing

    _SEED[0] = args.seed
    compared = by_kernel = flows = 0
    diffs: list[str] = []
    t0 = time.perf_counter()
    jobs = [
        (k, first, min(CHUNK, args.loans - first), args.to)
        for k, first in enumerate(range(0, args.loans, CHUNK))
    ]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(args.jobs) as pool:
        for n, kern, fl, d in pool.imap(_exactness_chunk, jobs):
            compared += n
            by_kernel += kern
            flows += fl
            diffs.extend(d)
            print(
                f"  {compared:,} loans compared, {flows:,} flows, {len(diffs)} differences "
                f"({time.perf_counter() - t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
    for d in diffs[:20]:
        print(d, file=sys.stderr)
    return {
        "loans_compared": compared,
        "by_kernel": by_kernel,
        "flows_compared": flows,
        "differences": len(diffs),
        "as_of": args.to,
        "seed": args.seed,
    }


def _fixed_level_principal(n: int, seed: int) -> pa.Table:
    """The issue's workload: fixed-rate level-principal monthly loans of 12 to 60 periods,
    actual/360 (QuantLib's AmortizingFixedRateBond computes the same coupons)."""
    loans, _ = generate.loans_and_events(n, seed)
    rng = np.random.default_rng(seed)
    count = rng.integers(12, 61, n)
    start = np.datetime64("2024-01-15") + rng.integers(0, 365, n).astype("timedelta64[D]")
    first = (start.astype("datetime64[M]") + 1).astype("datetime64[D]") + 14
    maturity = (start.astype("datetime64[M]") + count.astype("timedelta64[M]")).astype(
        "datetime64[D]"
    ) + 14
    cols = {name: loans.column(name) for name in loans.column_names}
    cols.update(
        {
            "start": pa.array(start),
            "maturity": pa.array(maturity),
            "day_count": pa.array(np.full(n, "actual/360")),
            "amortization": pa.array(np.full(n, "level_principal")),
            "installment_cents": pa.array(np.zeros(n, np.int64)),
            "schedule_anchor": pa.array(first),
            "schedule_months": pa.array(np.ones(n, np.int32)),
            "schedule_count": pa.array(count.astype(np.int32)),
            "schedule_eom": pa.array(np.zeros(n, bool)),
            "interest_anchor": pa.array(first),
            "interest_months": pa.array(np.ones(n, np.int32)),
            "interest_eom": pa.array(np.zeros(n, bool)),
            "convention": pa.array(np.full(n, "unadjusted")),
            "calendar": pa.array(np.full(n, "none")),
            "rate_index": pa.array(np.full(n, "")),
            "fixed_rate_e9": pa.array(rng.integers(16, 97, n) * 1_250_000),
            "reset": pa.array(np.full(n, "fixed")),
            "period_rule": pa.array(np.full(n, "")),
            "usury_max_e9": pa.nulls(n, pa.int64()),
        }
    )
    return pa.table(cols, schema=form.LOAN_SCHEMA)


def _quantlib_inputs(r: dict[str, Any]) -> tuple[Any, ...]:
    """QuantLib's inputs for one loan row: dates, notionals, rate (what ``terms_of`` is for
    the exact engine)."""
    import QuantLib as ql  # type: ignore[import-untyped]

    n = int(r["schedule_count"])
    start, first = r["start"], r["schedule_anchor"]
    d0 = ql.Date(first.day, first.month, first.year)
    end = ql.NullCalendar().advance(d0, ql.Period(n - 1, ql.Months))
    principal = int(r["principal_cents"]) / 100
    each = round(principal / n, 2)
    notionals = [principal - each * i for i in range(n)]
    rate = int(r["fixed_rate_e9"]) / 1e9
    return ql.Date(start.day, start.month, start.year), end, d0, notionals, rate


def _quantlib_bond(inputs: tuple[Any, ...]) -> Any:
    """One loan as QuantLib's bond (its schedule, coupons and redemptions)."""
    import QuantLib as ql

    start, end, d0, notionals, rate = inputs
    schedule = ql.Schedule(
        start,
        end,
        ql.Period(ql.Monthly),
        ql.NullCalendar(),
        ql.Unadjusted,
        ql.Unadjusted,
        ql.DateGeneration.Forward,
        False,
        d0,
    )
    return ql.AmortizingFixedRateBond(0, notionals, schedule, [rate], ql.Actual360())


def _quantlib_bond_flows(inputs: tuple[Any, ...]) -> tuple[int, float]:
    """The lifetime cash flows of one loan by QuantLib: (flows, the sum of their amounts).
    Each amount is asked for, as the portfolio engine's consumer reads each of its amounts
    (``_stream`` sums them): a QuantLib coupon computes its interest only when asked, so a
    peer that only counted the flows (``_quantlib_objects``) computed no interest at all."""
    flows = _quantlib_bond(inputs).cashflows()
    total = 0.0
    for cf in flows:
        total += cf.amount()
    return len(flows), total


def _quantlib_objects(rows: list[dict[str, Any]]) -> int:
    """The peer of the stops before i14: the bonds built and their flows counted, no
    amount computed; measured beside the peer for comparison with those stops' figures."""
    return sum(len(_quantlib_bond(_quantlib_inputs(r)).cashflows()) for r in rows)


def _summed(loans: Iterable[tuple[int, float]]) -> tuple[int, float]:
    """(flows, amount) of each loan summed."""
    count, total = 0, 0.0
    for k, amount in loans:
        count += k
        total += amount
    return count, total


def _quantlib_flows(rows: list[dict[str, Any]]) -> tuple[int, float]:
    """Row to cash flows by QuantLib: (flows, the sum of their amounts in dollars)."""
    return _summed(_quantlib_bond_flows(_quantlib_inputs(r)) for r in rows)


def _exact_flows(rows: list[dict[str, Any]], market: Market) -> tuple[int, int]:
    """Row to cash flows by the exact engine without lines (``run_loan(lines=False)``):
    (flows, the sum of their amounts in cents)."""
    count = cents = 0
    for r in rows:
        h = TermsHistory.single(form.terms_of(r))
        res = run_loan(h, (), market, lifetime_end(r), assume_paid=True, lines=False)
        assert res.cash_flows is not None
        count += len(res.cash_flows)
        cents += sum(c for _, _, c in res.cash_flows.items)
    return count, cents


def _best(
    repeats: int, parts: dict[str, Callable[[], object]], clock: Callable[[], float]
) -> dict[str, float]:
    """The best time of each part over ``repeats`` rounds, the parts taking turns in each
    round (a change of load falls on all of them alike)."""
    best = dict.fromkeys(parts, float("inf"))
    for _ in range(repeats):
        for name, part in parts.items():
            t0 = clock()
            part()
            best[name] = min(best[name], clock() - t0)
    return best


def exact_vs_quantlib(
    rows: list[dict[str, Any]],
    market: Market,
    full_loans: int,
    repeats: int,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, Any]:
    """The exact engine against QuantLib on the same loans, in the same run: from the loan
    row to its cash flows (inputs converted inside the timing, for both), and on prepared
    inputs (the engines alone: ``LoanTerms`` built before for the exact engine, QuantLib's
    dates and notionals for QuantLib). Then the full engine (ledger lines) on the first
    ``full_loans``, and the figures-only run checked against it to the cent.

    ``clock``: CPU time by default (``process_time``: both peers run in this one thread), since
    on a shared machine the wall clock also counts the time other jobs had the core; the wall
    clock where the figures are set beside a multi-threaded run (``cashflows``)."""
    n = len(rows)
    histories = [TermsHistory.single(form.terms_of(r)) for r in rows]
    ends = [lifetime_end(r) for r in rows]
    ql_inputs = [_quantlib_inputs(r) for r in rows]

    def exact_prepared() -> tuple[int, int]:
        count = cents = 0
        for h, end in zip(histories, ends, strict=True):
            res = run_loan(h, (), market, end, assume_paid=True, lines=False)
            assert res.cash_flows is not None
            count += len(res.cash_flows)
            cents += sum(c for _, _, c in res.cash_flows.items)
        return count, cents

    parts: dict[str, Callable[[], object]] = {
        "quantlib_row_to_flows": lambda: _quantlib_flows(rows),
        "exact_row_to_flows": lambda: _exact_flows(rows, market),
        "quantlib_engine": lambda: _summed(_quantlib_bond_flows(i) for i in ql_inputs),
        "exact_engine": exact_prepared,
    }
    best = _best(repeats, parts, clock)
    out: dict[str, Any] = {"loans": n, "repeats": repeats, "clock": clock.__name__}
    for name in parts:
        out[f"{name}_loans_per_s"] = round(n / best[name])
    out["quantlib_flows"], ql_total = _quantlib_flows(rows)
    out["exact_flows"], exact_cents = exact_prepared()
    # the same total to within QuantLib's floating point (its amounts are not rounded to cents)
    out["quantlib_amounts_dollars"] = round(ql_total, 2)
    out["exact_amounts_dollars"] = exact_cents / 100
    out["ratio_row_to_flows"] = round(best["quantlib_row_to_flows"] / best["exact_row_to_flows"], 2)
    out["ratio_engine"] = round(best["quantlib_engine"] / best["exact_engine"], 2)
    t0 = clock()
    full = [
        run_loan(h, (), market, end, assume_paid=True)
        for h, end in zip(histories[:full_loans], ends[:full_loans], strict=True)
    ]
    out["exact_with_lines_loans_per_s"] = round(len(full) / (clock() - t0))
    differences = 0
    compared = 0
    for res, h, end in zip(full, histories, ends, strict=False):
        fast = run_loan(h, (), market, end, assume_paid=True, lines=False)
        compared += len(res.flows)
        if fast.flows != res.flows or fast.position != res.position or fast.rates != res.rates:
            differences += 1
    out["checked_loans"] = len(full)
    out["checked_flows"] = compared
    out["differences"] = differences
    return out


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _stream(table: pa.Table, fixings: pa.Table) -> tuple[float, float, float, int, int]:
    """Lifetime flows of every loan of ``table``, consumed chunk by chunk (counted and
    summed, as a consumer writing or aggregating them would read them): (seconds, CPU
    seconds, seconds converting the table to the kernel's arrays, flows, loans the kernel
    handed over)."""
    t0, c0 = time.perf_counter(), _cpu()
    lifetime = lifetime_prepared(table, fixings)
    t1 = time.perf_counter()
    rows = total = 0
    for chunk in lifetime_flows(lifetime):
        rows += chunk.num_rows
        total += int(pa.compute.sum(chunk.column("amount_cents")).as_py() or 0)
    handed = int(np.count_nonzero(lifetime.status != 0))
    return time.perf_counter() - t0, _cpu() - c0, t1 - t0, rows, handed


def _peer(
    flows: Callable[[list[dict[str, Any]]], tuple[int, float]], loans: pa.Table
) -> dict[str, Any]:
    """A QuantLib peer over ``loans``: loans/s (wall and CPU), the best of 3 after a warm-up,
    as ours is timed (a one-off cost in a single timed pass, such as a collection of the
    heap the runs before left, made QuantLib look up to 2.7 times slower than it is). Timed
    from the same table as ours, its conversion to what each engine reads included: Arrow
    to our arrays for ours, Arrow to Python rows for QuantLib (``loans_per_s``); without the
    latter, ``loans_per_s_from_rows``."""
    flows(loans.slice(0, 100).to_pylist())
    runs = []
    count, total = 0, 0.0
    for _ in range(3):
        t0, c0 = time.perf_counter(), _cpu()
        rows = loans.to_pylist()
        t1 = time.perf_counter()
        count, total = flows(rows)
        runs.append((time.perf_counter() - t0, _cpu() - c0, time.perf_counter() - t1))
    wall, cpu, _ = min(runs)
    return {
        "loans": loans.num_rows,
        "loans_per_s": round(loans.num_rows / wall),
        "loans_per_cpu_s": round(loans.num_rows / cpu),
        "loans_per_s_from_rows": round(loans.num_rows / min(r[2] for r in runs)),
        "all_seconds": [round(r[0], 3) for r in runs],
        "flows": count,
        "amounts_dollars": round(total, 2),
    }


def _same_model(model: MixedPeer, loans: pa.Table, fixings: pa.Table) -> dict[str, int]:
    """How many of ``loans`` QuantLib models as the engine does (fixed rate, level principal
    or bullet, no calendar, no end-of-month rule: ``tests/portfolio/test_quantlib_mixed.py``
    requires those to agree), and how many of those agree with the portfolio engine's
    cents to half a cent a flow (QuantLib's amounts are not rounded)."""
    cents = np.zeros(loans.num_rows)
    for chunk in lifetime_flows(lifetime_prepared(loans, fixings)):
        np.add.at(
            cents, chunk.column("loan_no").to_numpy(), chunk.column("amount_cents").to_numpy()
        )
    same = agree = 0
    for i, r in enumerate(loans.to_pylist()):
        if r["rate_index"] or r["amortization"] == "level_payment" or r["schedule_eom"]:
            continue
        if r["calendar"] != "none":
            continue
        same += 1
        count, total = model.flows(r)
        agree += int(abs(total * 100 - cents[i]) <= count / 2)
    return {"same_model_loans": same, "same_model_agreeing": agree}


def cashflows(args: argparse.Namespace) -> dict[str, Any]:
    """Lifetime cash flows (every interest and principal amount due) in loans per second."""
    fixings = generate.fixings(1)
    fixed = _fixed_level_principal(args.loans, 11)
    mixed, _ = generate.loans_and_events(args.loans, 12)
    # compile or load every kernel both books use: a whole pass, untimed (the general kernel
    # runs only for the few loans the paid pass declines, none of them in the first thousand)
    for table in (fixed, mixed):
        for _ in lifetime_flows(lifetime_prepared(table, fixings)):
            pass
    out: dict[str, Any] = {"loans": args.loans, "threads": numba.get_num_threads()}
    for name, table in (("fixed", fixed), ("mixed", mixed)):
        runs = [_stream(table, fixings) for _ in range(3)]
        best = min(runs)
        out[f"portfolio_{name}"] = {
            "seconds": round(best[0], 3),
            "cpu_seconds": round(best[1], 3),
            "arrow_to_kernel_seconds": round(best[2], 3),
            "loans_per_s": round(args.loans / best[0]),
            "flows": best[3],
            "loans_handed_to_exact_engine": best[4],
            "all_seconds": [round(r[0], 3) for r in runs],
        }
    rows = fixed.slice(0, args.peer_loans).to_pylist()
    fixed_peer = _peer(_quantlib_flows, fixed.slice(0, args.peer_loans))
    out["quantlib_flows"] = fixed_peer.pop("flows")
    out.update({f"quantlib_{k}": v for k, v in fixed_peer.items()})
    objects = _peer(lambda rs: (_quantlib_objects(rs), 0.0), fixed.slice(0, args.peer_loans))
    out["quantlib_objects_only_loans_per_s"] = objects["loans_per_s_from_rows"]
    model = MixedPeer(fixings)  # the indexes and their fixings: market data, built once
    out["quantlib_mixed"] = _peer(
        lambda rs: _summed(model.flows(r) for r in rs), mixed.slice(0, args.peer_loans)
    )
    out["quantlib_mixed"].update(_same_model(model, mixed.slice(0, args.peer_loans), fixings))
    market = form.market_of(fixings)
    exact_rows = rows[: args.exact_loans]
    t0 = time.perf_counter()
    for r in exact_rows:
        run_loan(
            TermsHistory.single(form.terms_of(r)), (), market, lifetime_end(r), assume_paid=True
        )
    out["exact_loans_per_s"] = round(len(exact_rows) / (time.perf_counter() - t0))
    # the exact engine's figures-only run (``run_loan(lines=False)``) on the same loans
    t0 = time.perf_counter()
    out["exact_flows"], exact_cents = _exact_flows(rows, market)
    out["exact_flows_loans_per_s"] = round(len(rows) / (time.perf_counter() - t0))
    out["exact_amounts_dollars"] = exact_cents / 100
    peers = {"fixed": out["quantlib_loans_per_s"], "mixed": out["quantlib_mixed"]["loans_per_s"]}
    for name in ("fixed", "mixed"):
        mine = out[f"portfolio_{name}"]["loans_per_s"]
        # against QuantLib on the same book; then against QuantLib on the fixed book's loans
        # (the one peer before branch i14), from the table, from rows given, and from rows
        # given with no amount computed (that peer as it was)
        out[f"portfolio_{name}"]["ratio_vs_quantlib"] = round(mine / peers[name], 1)
        out[f"portfolio_{name}"]["ratio_vs_quantlib_fixed_loans"] = round(
            mine / out["quantlib_loans_per_s"], 1
        )
        out[f"portfolio_{name}"]["ratio_vs_quantlib_fixed_loans_from_rows"] = round(
            mine / out["quantlib_loans_per_s_from_rows"], 1
        )
        out[f"portfolio_{name}"]["ratio_vs_quantlib_objects_only"] = round(
            mine / out["quantlib_objects_only_loans_per_s"], 1
        )
        out[f"portfolio_{name}"]["ratio_vs_exact"] = round(mine / out["exact_loans_per_s"], 1)
        out[f"portfolio_{name}"]["ratio_vs_exact_flows"] = round(
            mine / out["exact_flows_loans_per_s"], 1
        )
    return out


def exact(args: argparse.Namespace) -> dict[str, Any]:
    """The exact engine against QuantLib-Python on the issue's workload."""
    rows = _fixed_level_principal(args.loans, 11).to_pylist()
    market = form.market_of(generate.fixings(1))
    return exact_vs_quantlib(rows, market, args.full_loans, args.repeats)


def _folder(root: Path, loans: int, seed: int) -> Path:
    out = root / f"book-{loans}"
    if not (out / "portfolio.json").exists():
        if out.exists():
            shutil.rmtree(out)
        size = min(loans, 100_000)

        def chunks():  # type: ignore[no-untyped-def]
            for k, first in enumerate(range(0, loans, size)):
                part = min(size, loans - first)
                yield generate.loans_and_events(part, seed * 100_003 + k, first_number=first)

        write_portfolio(out, chunks(), generate.fixings(seed))
    return out


_CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from loanbook.portfolio.runner import run_folder
folder, until, scheduler = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), sys.argv[3]
# the compiled kernel loaded from Numba's cache first (once per process), timed apart
t0 = time.perf_counter()
from loanbook.portfolio import generate
from loanbook.portfolio.engine import run_portfolio
small, events = generate.loans_and_events(20, 1)
first = run_portfolio(small, events, generate.fixings(1), until, keep_state=True)
run_portfolio(small, events, generate.fixings(1), until, state=first.state, keep_state=True)
load = time.perf_counter() - t0
t0, c0 = time.perf_counter(), time.process_time()
done = run_folder(folder, until, scheduler=None if scheduler == "-" else scheduler, workers=2)
seconds, run_cpu = time.perf_counter() - t0, time.process_time() - c0
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
# the high-water mark of this process's memory (ru_maxrss would carry the parent's over exec)
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({
    "seconds": round(seconds, 3),
    "kernel_load_seconds": round(load, 3),
    "cpu_seconds": round(me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, 3),
    "run_cpu_seconds": round(run_cpu, 3),  # the run alone, this process (not Dask workers)
    "peak_rss_mib": round(int(status["VmHWM"].split()[0]) / 1024),
    "loans": sum(d.loans for d in done),
    "by_exact_engine": sum(d.by_exact for d in done),
    "from_state": sorted({str(d.since) for d in done}),
}))
"""


def _run_child(
    folder: Path, until: date, scheduler: str = "-", fresh: bool = False, src: str | None = None
) -> dict[str, Any]:
    """``run_folder`` to ``until`` in a process of its own (its peak memory is the run's):
    its results and state for that date removed first; ``fresh``: every result, state and
    kernel array removed (a run from origination, reading the Parquet partitions); ``src``:
    with the ``loanbook`` package of that source tree (a peer version)."""
    if fresh:
        for sub in ("results", "state", "kernel"):
            shutil.rmtree(folder / sub, ignore_errors=True)
    shutil.rmtree(folder / "results" / until.isoformat(), ignore_errors=True)
    shutil.rmtree(folder / "state" / until.isoformat(), ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=src) if src else None
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(folder), until.isoformat(), scheduler],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _day_before(to: str) -> date:
    return date.fromisoformat(to) - timedelta(days=1)


def cob(args: argparse.Namespace) -> dict[str, Any]:
    """One close of business over a Parquet folder: the first (every loan from origination,
    to the day before) and then the day itself from the stored state of the day before."""
    folder = _folder(Path(args.workdir), args.loans, 1)
    until = date.fromisoformat(args.to)
    first = _run_child(folder, _day_before(args.to), fresh=True)
    day, peer = [], []
    for _ in range(args.repeat):  # the peer and this version take turns
        if args.peer_src:
            peer.append(_run_child(folder, until, src=args.peer_src))
        day.append(_run_child(folder, until))
    best = min(day, key=lambda r: float(r["seconds"]))
    out = {
        "loans": args.loans,
        "as_of": args.to,
        "first_close_from_origination": first,
        "one_day_from_stored_state": best,
        "one_day_all_seconds": [r["seconds"] for r in day],
        "one_day_all_run_cpu_seconds": [r["run_cpu_seconds"] for r in day],
        "one_day_loans_per_s": round(args.loans / float(best["seconds"])),
    }
    if peer:
        top = min(peer, key=lambda r: float(r["seconds"]))
        out["peer"] = {
            "src": args.peer_src,
            "one_day_best": top,
            "one_day_all_seconds": [r["seconds"] for r in peer],
            "one_day_all_run_cpu_seconds": [r["run_cpu_seconds"] for r in peer],
            "wall_ratio": round(float(top["seconds"]) / float(best["seconds"]), 2),
            "run_cpu_ratio": round(
                min(r["run_cpu_seconds"] for r in peer) / min(r["run_cpu_seconds"] for r in day),
                2,
            ),
        }
    return out


def scaling(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(args.workdir)
    until = date.fromisoformat(args.to)
    out = {}
    for size in (int(s) for s in args.sizes.split(",")):
        folder = _folder(root, size, 1)
        first = _run_child(folder, _day_before(args.to), fresh=True)
        day = min(
            (_run_child(folder, until) for _ in range(args.repeat)), key=lambda r: r["seconds"]
        )
        out[str(size)] = {"first_close": first, "one_day": day}
        print(
            f"  {size:,}: first {first['seconds']} s, one day {day['seconds']} s", file=sys.stderr
        )
    return out


def dask(args: argparse.Namespace) -> dict[str, Any]:
    """The same runs in this process and on a Dask LocalCluster of 2 worker processes."""
    folder = _folder(Path(args.workdir), args.loans, 1)
    until = date.fromisoformat(args.to)
    single_first = _run_child(folder, _day_before(args.to), fresh=True)
    local_first = _run_child(folder, _day_before(args.to), scheduler="local", fresh=True)
    single_day = _run_child(folder, until)
    local_day = _run_child(folder, until, scheduler="local")
    return {
        "loans": args.loans,
        "first_close": {"single_process": single_first, "dask_local_2_workers": local_first},
        "one_day": {"single_process": single_day, "dask_local_2_workers": local_day},
        "ratio_first": round(local_first["seconds"] / single_first["seconds"], 2),
        "ratio_day": round(local_day["seconds"] / single_day["seconds"], 2),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="part", required=True)
    e = sub.add_parser("exactness", help="seeded book against the exact engine")
    e.add_argument("--loans", type=int, default=100_000)
    e.add_argument("--seed", type=int, default=1)
    e.add_argument("--to", default="2026-06-30")
    e.add_argument("--jobs", type=int, default=2)
    c = sub.add_parser("cashflows", help="lifetime cash flows, loans/s")
    c.add_argument("--loans", type=int, default=100_000)
    c.add_argument("--peer-loans", type=int, default=5_000)
    c.add_argument("--exact-loans", type=int, default=500)
    x = sub.add_parser("exact", help="the exact engine against QuantLib, loans/s")
    x.add_argument("--loans", type=int, default=5_000)
    x.add_argument("--full-loans", type=int, default=300, help="also run with ledger lines")
    x.add_argument("--repeats", type=int, default=5)
    for name in ("cob", "scaling", "dask"):
        s = sub.add_parser(name)
        s.add_argument("--repeat", type=int, default=3)
        s.add_argument("--loans", type=int, default=1_000_000)
        s.add_argument("--sizes", default="10000,100000,1000000")
        s.add_argument("--to", default="2026-06-30")
        s.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "loanbook-bench"))
        s.add_argument(
            "--peer-src",
            help="cob: also run each day with this source tree's loanbook (e.g. "
            "`git archive main src | tar -x -C /tmp/main`, then /tmp/main/src), taking turns",
        )
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args()
    figures = {
        "exactness": exactness,
        "cashflows": cashflows,
        "exact": exact,
        "cob": cob,
        "scaling": scaling,
        "dask": dask,
    }[args.part](args)
    text = json.dumps({args.part: figures}, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
