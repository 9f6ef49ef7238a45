"""Close of business for a generated book: 10,000 loans over 30 days, SQLite and PostgreSQL.

Reproduce (from the repository root)::

    make bench                                  # both databases, 10,000 loans, 30 days
    .venv/bin/python benchmarks/run.py --loans 10000 --days 30 --db sqlite
    .venv/bin/python benchmarks/run.py --db postgresql --pg postgresql://postgres@127.0.0.1/test

Each loan is its own note (one term file, as a real book of notes is): level principal,
actual/360, a monthly index + margin fixed at the start of each Interest Rate Period, advanced
on day 1, with its first installment and interest payable on the last day and a payment
recorded for it. ``loanbook run`` closes the 30 days: daily accruals, interest and principal
due, payments applied, each loan-day committed with its postings.

Reported, from the same run on the same machine:
- events/s: distinct events posted (each day's accrual, advance, dues, payments) per second;
- postings/s: postings (each a balanced debit and credit entry) per second;
- rows written/s over the whole run and inside the write transactions alone (``write_seconds``:
  building the rows and the INSERTs and commits, not the engine runs);
- peers: the raw INSERT rate of the same database (the very rows the run wrote, INSERTed again
  by the driver's executemany into unindexed copies of the tables, transaction by transaction
  of the run, on one connection; once into copies with the same keys and constraints, once
  into copies with none) and the engine alone (no database), so that the ratios say where
  time goes; the write phase and the raw peers also per thread-CPU second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.pool import NullPool

from loanbook.storage.close import DAYS, close_of_business
from loanbook.storage.db import WRITE
from loanbook.storage.importer import import_folder
from loanbook.storage.schema import Base
from loanbook.storage.store import Store
from loanbook.storage.url import database_url
from loanbook.time import Cycle, add_cycle

START = date(2025, 1, 2)
NOTE = """\
document:
  id: "{doc}"
  title: Benchmark note {n} (generated)
  kind: note
  date: {start}

loans:
  {loan}:
    borrower: {{value: borrower-{n}, cite: "{doc} ¶1"}}
    lender: {{value: bench-bank, cite: "{doc} ¶1"}}
    principal: {{value: {principal}, cite: "{doc} ¶1"}}
    start: {{value: {start}, cite: "{doc} ¶1"}}
    maturity: {{value: {maturity}, cite: "{doc} ¶1"}}
    day_count: {{value: actual/360, cite: "{doc} ¶1"}}
    rate:
      value: {{index: BENCH-1M, margin: {margin}%, reset: period_start}}
      cite: "{doc} ¶1"
    interest_rate_period: {{value: month_end, cite: "{doc} ¶1"}}
    interest_schedule:
      value: {{anchor: {first_due}, cycle: monthly, eom: true}}
      cite: "{doc} ¶1"
    amortization:
      value:
        kind: level_principal
        installment: {installment}
        schedule: {{anchor: {first_due}, cycle: monthly, eom: true, count: 60}}
      cite: "{doc} ¶1"
    waterfall:
      value:
        before_maturity: [interest, principal]
        after_maturity: [late_charge, interest, principal]
      cite: "{doc} ¶1"
    late_charge:
      value: {{rate: 18%, day_count: actual/360}}
      cite: "{doc} ¶1"
"""


def generate(folder: Path, loans: int, days: int) -> date:
    """Write the book folder; return the last day to close."""
    last = START + timedelta(days=days - 1)
    (folder / "rates").mkdir(parents=True)
    (folder / "events").mkdir()
    fixings = ["index,date,rate_percent"]
    day, pct = START - timedelta(days=40), Decimal("4.30000")
    while day <= last + timedelta(days=40):
        fixings.append(f"BENCH-1M,{day.isoformat()},{pct}")
        day, pct = day + timedelta(days=7), pct + Decimal("0.01250")
    (folder / "rates" / "bench-1m.csv").write_text("\n".join(fixings) + "\n")
    events = ["date,loan,kind,amount,reference,key"]
    for n in range(1, loans + 1):
        loan, doc = f"bench-{n:05d}", f"N{n:05d}"
        principal = Decimal(600_000 + 600 * (n % 997))
        installment = principal / 60
        (folder / f"{doc}.yaml").write_text(
            NOTE.format(
                doc=doc,
                n=n,
                loan=loan,
                principal=f"{principal:.2f}",
                start=START.isoformat(),
                maturity=add_cycle(last, Cycle.parse("monthly"), 59, True).isoformat(),
                margin=Decimal("2.00") + Decimal(n % 8) / 4,
                first_due=last.isoformat(),
                installment=f"{installment:.2f}",
            )
        )
        # the installment plus an estimate of the interest: what is over stays unapplied
        paid = installment + (principal * Decimal("0.07") * days / 360).quantize(Decimal("1"))
        events.append(f"{last.isoformat()},{loan},payment,{paid:.2f},remittance,pay-{n}")
    (folder / "events" / "payments.csv").write_text("\n".join(events) + "\n")
    return last


@contextmanager
def database(kind: str, pg_url: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url(pg_url), poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in pg_url else "?"
        yield database_url(f"{pg_url}{sep}options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


RAW_TABLES = ("postings", "entries", "closes")


def _transactions(conn: Any, batch: int) -> list[tuple[Any, Any, str, str]]:
    """The run's transactions: (first day, last day, first loan, last loan) of each batch of
    loans and each ``DAYS`` days of it (every loan of the generated book closes every day)."""
    loans = [r[0] for r in conn.exec_driver_sql("SELECT DISTINCT loan FROM closes ORDER BY loan")]
    days = [r[0] for r in conn.exec_driver_sql("SELECT DISTINCT day FROM closes ORDER BY day")]
    groups = [
        (loans[i], loans[min(i + batch, len(loans)) - 1]) for i in range(0, len(loans), batch)
    ]
    spans = [(days[k], days[min(k + DAYS, len(days)) - 1]) for k in range(0, len(days), DAYS)]
    return [(d0, d1, first, last) for first, last in groups for d0, d1 in spans]


def _raw_tables(store: Store, keyed: bool) -> str:
    """Empty copies of the run's tables: with their keys, indexes and constraints (``keyed``)
    or without any; returns the copies' name prefix."""
    prefix = "rawk_" if keyed else "raw_"
    with store.write() as conn:
        if keyed:
            copies = MetaData()
            # the copy of entries refers to the run's postings (the same rows as the copy's)
            Base.metadata.tables["postings"].to_metadata(copies)
            made = []
            for t in RAW_TABLES:
                made.append(Base.metadata.tables[t].to_metadata(copies, name=f"{prefix}{t}"))
                for item in (*made[-1].constraints, *made[-1].indexes):
                    item.name = f"{prefix}{item.name}" if item.name else None
            copies.create_all(conn, tables=made)
        else:
            for t in RAW_TABLES:
                conn.exec_driver_sql(f"CREATE TABLE {prefix}{t} AS SELECT * FROM {t} WHERE 1 = 0")
    return prefix


def raw_insert_rate(store: Store, keyed: bool, batch: int = 500) -> tuple[float, float]:
    """The peer: the very rows the run wrote (postings, entries, closes), INSERTed again by the
    driver's plain ``executemany`` (tuples; pipelined on psycopg) into empty copies of the
    tables (``keyed``: with the same keys and constraints; else none), one transaction per
    transaction of the run (a batch of loans' DAYS days: the same rows, the same sizes), on one
    connection. Only the INSERTs and commits are timed (not reading the rows back). Returns
    rows/s over wall and over thread-CPU seconds."""
    prefix = _raw_tables(store, keyed)
    mark = "?" if store.dialect == "sqlite" else "%s"
    day_column = {"postings": "posted_on", "entries": "posted_on", "closes": "day"}
    wall = cpu = 0.0
    done = 0
    with store.engine.connect() as raw:
        conn = raw.execution_options(**{WRITE: True})
        with conn.begin():
            transactions = _transactions(conn, batch)
        for d0, d1, first, last in transactions:
            found: list[tuple[str, list[Any]]] = []
            with conn.begin():
                for t in RAW_TABLES:
                    rows = conn.exec_driver_sql(
                        f"SELECT * FROM {t} WHERE {day_column[t]} BETWEEN {mark} AND {mark} "
                        f"AND loan BETWEEN {mark} AND {mark} ORDER BY {day_column[t]}, loan",
                        (d0, d1, first, last),
                    ).all()
                    if rows:
                        marks = ", ".join([mark] * len(rows[0]))
                        insert = f"INSERT INTO {prefix}{t} VALUES ({marks})"
                        found.append((insert, [tuple(r) for r in rows]))
            w, c = time.perf_counter(), time.thread_time()
            with conn.begin():
                for sql, rows in found:
                    conn.exec_driver_sql(sql, rows)
            wall += time.perf_counter() - w
            cpu += time.thread_time() - c
            done += sum(len(rows) for _, rows in found)
    return done / wall, done / cpu


def engine_rate(store: Store, last: date) -> tuple[float, int]:
    """The peer: the engine alone (no database), every loan run daily to the last day."""
    with store.read() as conn:
        view = store.view(conn)
    started, lines = time.perf_counter(), 0
    for loan in view.loans:
        lines += len(view.run(loan, last, daily=True).lines)
    return lines / (time.perf_counter() - started), lines


def bench(
    kind: str, pg_url: str, loans: int, days: int, process_from: int | None = None
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="loanbook-bench-"))
    try:
        t0 = time.perf_counter()
        last = generate(workdir / "book", loans, days)
        with database(kind, pg_url, workdir) as url, Store.open(url) as store:
            t1 = time.perf_counter()
            imported = import_folder(store, workdir / "book")
            t2 = time.perf_counter()
            report = (
                close_of_business(store, last)
                if process_from is None  # as ``loanbook run`` (and older versions)
                else close_of_business(store, last, process_from=process_from)
            )
            t3 = time.perf_counter()
            with store.read() as conn:
                events = conn.execute(
                    text("SELECT count(*) FROM (SELECT DISTINCT loan, event FROM postings) e")
                ).scalar_one()
                entries = conn.execute(text("SELECT count(*) FROM entries")).scalar_one()
                closes = conn.execute(text("SELECT count(*) FROM closes")).scalar_one()
                version = conn.execute(
                    text("SELECT sqlite_version()" if kind == "sqlite" else "SHOW server_version")
                ).scalar_one()
            seconds = t3 - t2
            write_s = getattr(report, "write_seconds", 0.0) or float("nan")  # older versions
            write_cpu = getattr(report, "write_cpu_seconds", 0.0) or float("nan")
            raw, raw_cpu = raw_insert_rate(store, keyed=False)
            keyed, keyed_cpu = raw_insert_rate(store, keyed=True)
            engine_lines_s, engine_lines = engine_rate(store, last)
        return {
            "database": kind,
            "loans": loans,
            "days": days,
            "loan_days": report.loan_days,
            "events": int(events),
            "postings": report.postings,
            "entries": int(entries),
            "seconds": round(seconds, 2),
            "events_per_s": round(events / seconds),
            "postings_per_s": round(report.postings / seconds),
            "loan_days_per_s": round(report.loan_days / seconds),
            "writer": getattr(report, "writer", "thread"),
            "rows_written": int(report.postings + entries + closes),
            "rows_written_per_s": round((report.postings + entries + closes) / seconds),
            "peer_raw_insert_rows_per_s": round(raw),
            "rows_written_vs_raw_insert": round(
                (report.postings + entries + closes) / seconds / raw, 3
            ),
            "write_seconds": round(write_s, 2),
            "rows_written_per_write_s": round((report.postings + entries + closes) / write_s)
            if write_s == write_s
            else None,
            "write_phase_vs_raw_insert": round(
                (report.postings + entries + closes) / write_s / raw, 3
            ),
            "write_cpu_seconds": round(write_cpu, 2),
            "peer_raw_insert_rows_per_cpu_s": round(raw_cpu),
            "write_phase_cpu_vs_raw_insert": round(
                (report.postings + entries + closes) / write_cpu / raw_cpu, 3
            ),
            "peer_raw_insert_keyed_rows_per_s": round(keyed),
            "peer_raw_insert_keyed_rows_per_cpu_s": round(keyed_cpu),
            "write_phase_vs_raw_insert_keyed": round(
                (report.postings + entries + closes) / write_s / keyed, 3
            ),
            "write_phase_cpu_vs_raw_insert_keyed": round(
                (report.postings + entries + closes) / write_cpu / keyed_cpu, 3
            ),
            "peer_engine_lines_per_s": round(engine_lines_s),
            "postings_vs_raw_insert": round(report.postings / seconds / raw, 3),
            "postings_vs_engine": round(report.postings / seconds / engine_lines_s, 3),
            "engine_lines": engine_lines,
            "machine": {
                "cpus": os.cpu_count(),
                "python": sys.version.split()[0],
                "database_version": str(version),
            },
            "setup": {
                "generate_s": round(t1 - t0, 2),
                "import_s": round(t2 - t1, 2),
                "documents": len(imported.documents_added),
                "payments": len(imported.events.added),
            },
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "LOANBOOK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="PostgreSQL URL (a scratch schema is created and dropped)",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--process-from",
        type=int,
        metavar="N",
        help="the writes in a process of their own from N loan-days (0: always; a huge N: "
        "the writer thread); default: as `loanbook run` (close.PROCESS_FROM)",
    )
    parser.add_argument(
        "--generate",
        type=Path,
        metavar="DIR",
        help="only write the book folder to DIR (for `loanbook import` and `run` by hand, e.g. "
        "to measure a run's peak memory); prints the last day to close",
    )
    args = parser.parse_args(argv)
    if args.generate is not None:
        print(generate(args.generate, args.loans, args.days).isoformat())
        return 0
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    results = []
    for kind in kinds:
        print(f"{kind}: {args.loans} loans x {args.days} days ...", file=sys.stderr, flush=True)
        results.append(bench(kind, args.pg, args.loans, args.days, args.process_from))
        r = results[-1]
        print(
            f"{kind:>10}: {r['loan_days']} loan-days in {r['seconds']}s (writer {r['writer']}): "
            f"{r['events_per_s']} events/s, {r['postings_per_s']} postings/s "
            f"({r['rows_written_per_s']} rows/s written = {r['rows_written_vs_raw_insert']:.0%}"
            f" of raw INSERT {r['peer_raw_insert_rows_per_s']} rows/s; in the write "
            f"transactions ({r['write_seconds']}s) {r['rows_written_per_write_s']} rows/s = "
            f"{r['write_phase_vs_raw_insert']:.0%} of raw, CPU {r['write_cpu_seconds']}s = "
            f"{r['write_phase_cpu_vs_raw_insert']:.0%} of raw per CPU s; against raw INSERT "
            f"into keyed tables {r['peer_raw_insert_keyed_rows_per_s']} rows/s: "
            f"{r['write_phase_vs_raw_insert_keyed']:.0%}, per CPU s "
            f"{r['write_phase_cpu_vs_raw_insert_keyed']:.0%}; engine alone "
            f"{r['peer_engine_lines_per_s']} lines/s)",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    else:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
