"""What each key and constraint of the ledger costs SQLite: the rows of one close of business
INSERTed again into tables of several layouts, with the book's PRAGMAs.

Reproduce (from the repository root)::

    .venv/bin/python benchmarks/sqlite_layouts.py --loans 2000 --days 30 --rounds 3

A generated book (``run.py``'s) is imported and closed once; its postings, entries and closes
are read back and INSERTed by the driver's ``executemany`` (tuples, as ``storage.bulk`` does)
into a fresh database per layout, one transaction per transaction of the run (a batch of 500
loans over ``--days-per-transaction`` days), the layouts taking turns in each round, the best
round kept. Only the INSERTs and commits are timed, in wall and thread-CPU seconds, on one
thread (no engine beside it: ``run.py`` measures that). The layouts:

- ``bare``: the three tables without any key, index or constraint (``run.py``'s bare peer);
- ``book``: the book's tables (0001: postings and entries keyed by (loan, posted_on, seq),
  entries' foreign key to postings, the closes' unique key);
- ``book-no-fk``, ``book-no-closes-key``: the same less the foreign key, less the closes'
  unique key;
- ``without-rowid``: the book's, postings and entries ``WITHOUT ROWID``;
- ``legs-bare``, ``legs-keyed``: the two entries of a posting as columns of it (debit,
  credit, amount_cents: the same information, no entries table), bare and keyed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from run import generate

from loanbook.storage.close import BATCH, DAYS, close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store

PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")  # as storage.db's
P = (
    "loan VARCHAR(200) NOT NULL, posted_on DATE NOT NULL, seq INTEGER NOT NULL, "
    "date DATE NOT NULL, kind VARCHAR(30) NOT NULL, event VARCHAR(300) NOT NULL, "
    "term VARCHAR(300) NOT NULL, cite VARCHAR(300) NOT NULL, component VARCHAR(30) NOT NULL, "
    "memo TEXT NOT NULL, reverses_on DATE, reverses_seq INTEGER, posted_at DATETIME NOT NULL"
)
E = (
    "loan VARCHAR(200) NOT NULL, posted_on DATE NOT NULL, seq INTEGER NOT NULL, "
    "leg INTEGER NOT NULL, side VARCHAR(6) NOT NULL, account VARCHAR(40) NOT NULL, "
    "amount_cents BIGINT NOT NULL"
)
E_CHECKS = ", CHECK (side IN ('debit', 'credit')), CHECK (amount_cents > 0)"
C = (
    "id INTEGER NOT NULL PRIMARY KEY, loan VARCHAR(200) NOT NULL, day DATE NOT NULL, "
    "events_upto INTEGER NOT NULL, loan_events INTEGER NOT NULL, "
    "loan_events_max INTEGER NOT NULL, market_events INTEGER NOT NULL, "
    "market_events_max INTEGER NOT NULL, documents INTEGER NOT NULL, "
    "documents_max INTEGER NOT NULL, fixings INTEGER NOT NULL, fixings_max INTEGER NOT NULL, "
    "closed_at DATETIME NOT NULL"
)
C_KEY = ", UNIQUE (loan, day, events_upto, documents_max, fixings_max)"
LEGS = ", debit VARCHAR(40) NOT NULL, credit VARCHAR(40) NOT NULL, amount_cents BIGINT NOT NULL"
P_KEY = ", PRIMARY KEY (loan, posted_on, seq)"
E_KEY = ", PRIMARY KEY (loan, posted_on, seq, leg)"
E_FK = ", FOREIGN KEY (loan, posted_on, seq) REFERENCES postings (loan, posted_on, seq)"


def _book(p_key: str, e_key: str, c_key: str, suffix: str = "") -> list[str]:
    return [
        f"CREATE TABLE postings ({P}{p_key}){suffix}",
        f"CREATE TABLE entries ({E}{E_CHECKS}{e_key}){suffix}",
        f"CREATE TABLE closes ({C}{c_key})",
    ]


LAYOUTS: dict[str, tuple[list[str], bool]] = {  # DDL, legs as columns
    "bare": (
        [
            f"CREATE TABLE postings ({P})",
            f"CREATE TABLE entries ({E})",
            f"CREATE TABLE closes ({C})",
        ],
        False,
    ),
    "book": (_book(P_KEY, E_KEY + E_FK, C_KEY), False),
    "book-no-fk": (_book(P_KEY, E_KEY, C_KEY), False),
    "book-no-closes-key": (_book(P_KEY, E_KEY + E_FK, ""), False),
    "without-rowid": (_book(P_KEY, E_KEY + E_FK, C_KEY, " WITHOUT ROWID"), False),
    "legs-bare": ([f"CREATE TABLE postings ({P}{LEGS})", f"CREATE TABLE closes ({C})"], True),
    "legs-keyed": (
        [
            f"CREATE TABLE postings ({P}{LEGS}, CHECK (amount_cents > 0){P_KEY})",
            f"CREATE TABLE closes ({C}{C_KEY})",
        ],
        True,
    ),
}
Tx = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


def closed_book(folder: Path, loans: int, days: int) -> Path:
    """A generated book, imported and closed by this code; its database file."""
    last = generate(folder / "book", loans, days)
    path = folder / "book.db"
    with Store.open(f"sqlite:///{path}") as store:
        import_folder(store, folder / "book")
        close_of_business(store, last)
    return path


def transactions(path: Path, per: int) -> list[Tx]:
    """The run's rows as the run's transactions: a batch of loans, ``per`` days at a time."""
    db = sqlite3.connect(path)
    postings = db.execute("SELECT * FROM postings ORDER BY posted_on, loan, seq").fetchall()
    entries = db.execute("SELECT * FROM entries ORDER BY posted_on, loan, seq, leg").fetchall()
    closes = db.execute("SELECT * FROM closes ORDER BY id").fetchall()
    db.close()
    loans = sorted({c[1] for c in closes})
    days = sorted({c[2] for c in closes})
    group = {loan: i // BATCH for i, loan in enumerate(loans)}
    span = {day: i // per for i, day in enumerate(days)}
    out: dict[tuple[int, int], Tx] = {}
    for i, rows in enumerate((postings, entries)):
        for r in rows:
            out.setdefault((group[r[0]], span[r[1]]), ([], [], []))[i].append(r)
    for r in closes:
        out.setdefault((group[r[1]], span[r[2]]), ([], [], []))[2].append(r)
    return [out[k] for k in sorted(out)]


def statements(txs: list[Tx], legs: bool) -> list[list[tuple[str, list[tuple[Any, ...]]]]]:
    def insert(table: str, n: int) -> str:
        return f"INSERT INTO {table} VALUES ({', '.join(['?'] * n)})"

    if not legs:
        return [
            [(insert("postings", 13), p), (insert("entries", 7), e), (insert("closes", 13), c)]
            for p, e, c in txs
        ]
    out = []
    for p, e, c in txs:
        leg: dict[tuple[Any, ...], list[Any]] = {}
        for r in e:
            found = leg.setdefault(r[:3], [None, None, r[6]])
            found[0 if r[4] == "debit" else 1] = r[5]
        wide = [(*r, *leg[r[:3]]) for r in p]
        out.append([(insert("postings", 16), wide), (insert("closes", 13), c)])
    return out


def timed(
    folder: Path, name: str, work: list[list[tuple[str, list[tuple[Any, ...]]]]]
) -> dict[str, float]:
    path = folder / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    for ddl in LAYOUTS[name][0]:
        db.execute(ddl)
    wall = cpu = 0.0
    for stmts in work:
        w, c = time.perf_counter(), time.thread_time()
        db.execute("BEGIN IMMEDIATE")
        for sql, rows in stmts:
            db.executemany(sql, rows)
        db.execute("COMMIT")
        wall += time.perf_counter() - w
        cpu += time.thread_time() - c
    db.close()
    return {"wall_s": wall, "cpu_s": cpu, "bytes": path.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loans", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days-per-transaction", type=int, nargs="+", default=[1, DAYS])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="loanbook-layouts-"))
    results: list[dict[str, Any]] = []
    try:
        source = closed_book(folder, args.loans, args.days)
        for per in args.days_per_transaction:
            txs = transactions(source, per)
            postings = sum(len(t[0]) for t in txs)
            work = {name: statements(txs, legs) for name, (_, legs) in LAYOUTS.items()}
            best: dict[str, dict[str, float]] = {}
            for _ in range(args.rounds):
                for name in LAYOUTS:
                    got = timed(folder, name, work[name])
                    was = best.get(name, got)
                    best[name] = {k: min(got[k], was[k]) for k in got}
            bare = best["bare"]
            for name, r in best.items():
                shape = "legs-bare" if name.startswith("legs") else "bare"
                row = {
                    "days_per_transaction": per,
                    "layout": name,
                    "postings": postings,
                    "wall_s": round(r["wall_s"], 3),
                    "cpu_s": round(r["cpu_s"], 3),
                    "postings_per_cpu_s": round(postings / r["cpu_s"]),
                    "vs_bare_cpu": round(bare["cpu_s"] / r["cpu_s"], 3),
                    "vs_bare_wall": round(bare["wall_s"] / r["wall_s"], 3),
                    "vs_same_shape_bare_cpu": round(best[shape]["cpu_s"] / r["cpu_s"], 3),
                    "mb": round(r["bytes"] / 1e6, 1),
                }
                results.append(row)
                print(
                    f"{per:>2} days/tx {name:>18}: CPU {row['cpu_s']:.3f}s "
                    f"wall {row['wall_s']:.3f}s {row['postings_per_cpu_s']:>7} postings/CPU s; "
                    f"vs bare {row['vs_bare_cpu']:.0%} (wall {row['vs_bare_wall']:.0%}), "
                    f"vs bare of its shape {row['vs_same_shape_bare_cpu']:.0%}; {row['mb']} MB",
                    flush=True,
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(
            json.dumps({"load": os.getloadavg(), "results": results}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
