"""The portfolio engine: exactness over a seeded book, lifetime cash flows against QuantLib
and the exact engine, close of business over Parquet, scaling, Dask against one process.

Reproduce (from the repository root)::

    make bench-portfolio                      # every part at the sizes in benchmarks/README.md
    .venv/bin/python benchmarks/portfolio.py exactness --loans 100000 --seed 1
    .venv/bin/python benchmarks/portfolio.py cashflows --loans 20000
    .venv/bin/python benchmarks/portfolio.py cob --loans 1000000
    .venv/bin/python benchmarks/portfolio.py scaling --sizes 10000,100000,1000000
    .venv/bin/python benchmarks/portfolio.py dask --loans 200000

Every figure is a ratio against a peer measured in the same run: QuantLib-Python's
AmortizingFixedRateBond cash flows and the exact engine (``engine.run_loan``) on the same
loans; the single process against the Dask LocalCluster. Timings exclude the one-off Numba
compilation (cached on disk after the first run) and the generation of the book.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from loanbook.engine import TermsHistory, run_loan
from loanbook.portfolio import form, generate
from loanbook.portfolio.engine import lifetime_end, run_portfolio
from loanbook.portfolio.exactness import compare
from loanbook.portfolio.files import write_portfolio
from loanbook.portfolio.runner import run_folder

CHUNK = 5_000


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def _quantlib_flows(rows: list[dict[str, Any]]) -> int:
    import QuantLib as ql  # type: ignore[import-untyped]

    count = 0
    dc = ql.Actual360()
    for r in rows:
        n = int(r["schedule_count"])
        start, first = r["start"], r["schedule_anchor"]
        d0 = ql.Date(first.day, first.month, first.year)
        end = ql.NullCalendar().advance(d0, ql.Period(n - 1, ql.Months))
        schedule = ql.Schedule(
            ql.Date(start.day, start.month, start.year),
            end,
            ql.Period(ql.Monthly),
            ql.NullCalendar(),
            ql.Unadjusted,
            ql.Unadjusted,
            ql.DateGeneration.Forward,
            False,
            d0,
        )
        principal = int(r["principal_cents"]) / 100
        each = round(principal / n, 2)
        notionals = [principal - each * i for i in range(n)]
        rate = int(r["fixed_rate_e9"]) / 1e9
        bond = ql.AmortizingFixedRateBond(0, notionals, schedule, [rate], dc)
        count += len(bond.cashflows())
    return count


def cashflows(args: argparse.Namespace) -> dict[str, Any]:
    """Lifetime cash flows (every interest and principal amount due) in loans per second."""
    fixings = generate.fixings(1)
    loans = _fixed_level_principal(args.loans, 11)
    mixed, _ = generate.loans_and_events(args.loans, 12)
    no_events = form.table_of([], form.EVENT_SCHEMA)
    run_portfolio(loans.slice(0, 10), no_events, fixings, None, flows=True)  # compile/load
    out: dict[str, Any] = {"loans": args.loans}
    for name, table in (("fixed", loans), ("mixed", mixed)):
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            res = run_portfolio(table, no_events, fixings, None, flows=True, assume_paid=True)
            best = min(best, time.perf_counter() - t0)
        assert res.flows is not None
        out[f"portfolio_{name}_loans_per_s"] = round(args.loans / best)
        out[f"portfolio_{name}_flows"] = res.flows.num_rows
    rows = loans.slice(0, args.peer_loans).to_pylist()
    t0 = time.perf_counter()
    out["quantlib_flows"] = _quantlib_flows(rows)
    out["quantlib_loans_per_s"] = round(len(rows) / (time.perf_counter() - t0))
    market = form.market_of(fixings)
    exact_rows = rows[: args.exact_loans]
    t0 = time.perf_counter()
    for r in exact_rows:
        run_loan(
            TermsHistory.single(form.terms_of(r)), (), market, lifetime_end(r), assume_paid=True
        )
    out["exact_loans_per_s"] = round(len(exact_rows) / (time.perf_counter() - t0))
    mine = out["portfolio_fixed_loans_per_s"]
    out["ratio_vs_quantlib"] = round(mine / out["quantlib_loans_per_s"], 1)
    out["ratio_vs_exact"] = round(mine / out["exact_loans_per_s"], 1)
    return out


def _folder(root: Path, loans: int, seed: int) -> Path:
    out = root / f"book-{loans}"
    if not (out / "portfolio.json").exists():
        if out.exists():
            shutil.rmtree(out)

        def chunks():  # type: ignore[no-untyped-def]
            for k, first in enumerate(range(0, loans, 100_000)):
                size = min(100_000, loans - first)
                yield generate.loans_and_events(size, seed * 100_003 + k, first_number=first)

        write_portfolio(out, chunks(), generate.fixings(seed))
    return out


def _timed_run(folder: Path, until: date, **kw: Any) -> float:
    shutil.rmtree(folder / "results", ignore_errors=True)
    t0 = time.perf_counter()
    run_folder(folder, until, **kw)
    return time.perf_counter() - t0


def cob(args: argparse.Namespace) -> dict[str, Any]:
    """One close of business (positions as of a date) over a Parquet folder, read and write."""
    root = Path(args.workdir)
    folder = _folder(root, args.loans, 1)
    until = date.fromisoformat(args.to)
    run_portfolio(*_small(), until)  # compile/load
    seconds = _timed_run(folder, until)
    return {
        "loans": args.loans,
        "seconds": round(seconds, 2),
        "loans_per_s": round(args.loans / seconds),
        "peak_rss_mib": round(peak_mib()),
        "as_of": args.to,
    }


def _small() -> tuple[pa.Table, pa.Table, pa.Table]:
    loans, events = generate.loans_and_events(10, 1)
    return loans, events, generate.fixings(1)


def scaling(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(args.workdir)
    until = date.fromisoformat(args.to)
    run_portfolio(*_small(), until)
    out = {}
    for size in (int(s) for s in args.sizes.split(",")):
        folder = _folder(root, size, 1)
        seconds = _timed_run(folder, until)
        out[str(size)] = {"seconds": round(seconds, 2), "loans_per_s": round(size / seconds)}
        print(f"  {size:,}: {seconds:.2f} s", file=sys.stderr, flush=True)
    return out


def dask(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(args.workdir)
    folder = _folder(root, args.loans, 1)
    until = date.fromisoformat(args.to)
    run_portfolio(*_small(), until)
    single = _timed_run(folder, until)
    local = _timed_run(folder, until, scheduler="local", workers=2)
    return {
        "loans": args.loans,
        "single_process_s": round(single, 2),
        "dask_local_2_workers_s": round(local, 2),
        "ratio_dask_over_single": round(local / single, 2),
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
    for name in ("cob", "scaling", "dask"):
        s = sub.add_parser(name)
        s.add_argument("--loans", type=int, default=1_000_000)
        s.add_argument("--sizes", default="10000,100000,1000000")
        s.add_argument("--to", default="2026-06-30")
        s.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "loanbook-bench"))
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    args = p.parse_args()
    figures = {
        "exactness": exactness,
        "cashflows": cashflows,
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
