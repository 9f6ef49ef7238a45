"""Crash safety: ``loanbook run`` killed with SIGKILL at random points, then run again, ends
with a ledger identical, line for line, to a run that was never interrupted."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from loanbook.storage.audit import check
from loanbook.storage.close import close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK as EXAMPLE
from tests.storage.conftest import dump, fresh_db

# 3,637 loan-days of the CIT note: room for the kills to land (a run commits a loan-day in
# well under a millisecond on an idle machine, so a short book may end before the kill)
TO = date(2005, 12, 31)
KILLS = 20
IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)


def _closed(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM closes")).scalar_one())


def _ledger(store: Store) -> dict[str, list[tuple[object, ...]]]:
    rows = dump(store, volatile=False)
    return {t: rows[t] for t in ("postings", "entries", "closes")}


def test_sigkill_at_random_points_then_rerun_is_identical(
    db_kind: str, db_url: str, tmp_path: Path
) -> None:
    seed = int(os.environ.get("LOANBOOK_KILL_SEED", "20260509"))
    rng = random.Random(seed)
    with fresh_db(db_kind, tmp_path) as ref_url, Store.open(ref_url) as ref:
        import_folder(ref, EXAMPLE, IMPORTED)
        close_of_business(ref, TO)
        expected = _ledger(ref)
    store = Store.open(db_url)
    import_folder(store, EXAMPLE, IMPORTED)
    cmd = [sys.executable, "-m", "loanbook.cli.main", "run", "--to", TO.isoformat()]
    cmd += ["--db", db_url, "--json"]
    kills, progress = 0, []
    watcher = create_engine(store.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    poll = watcher.connect()  # every statement sees the latest commits
    while kills < KILLS:
        before = _closed(poll)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if rng.random() < 0.2:  # during start-up, planning or the first transaction
            # (a whole run takes about a second on an idle machine: stay within start-up)
            time.sleep(rng.uniform(0.0, 0.3))
        else:  # after a random number of further loan-days were committed
            target, deadline = before + rng.randint(1, 15), time.monotonic() + 60
            while proc.poll() is None and _closed(poll) < target:
                assert time.monotonic() < deadline, "run made no progress"
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.01))  # land inside or between transactions
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the run ended before it was killed"
        kills += 1
        progress.append(_closed(poll))
    poll.close()
    watcher.dispose()
    assert progress[-1] < len(expected["closes"]), "the kills must land before the end"
    assert len(set(progress)) > KILLS // 2, f"kills did not land at varied points: {progress}"
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _ledger(store) == expected
    report = check(store)
    assert report.ok and report.pending == [], report.as_json()
    # and once more: nothing to post
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and '"postings": 0' in again.stdout
    assert _ledger(store) == expected
    store.close()
