"""Several people recording into one book at once: two processes x 500 payments give 1,000
events, none lost, none duplicated; a key both record at the same time is one event."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from loanbook.storage.importer import import_folder
from loanbook.storage.record import log
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK as EXAMPLE

N = 500
SHARED = 50

WRITER = """
import json, sys, time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.storage.record import record_event
from loanbook.storage.store import Store

url, prefix, go = sys.argv[1], sys.argv[2], Path(sys.argv[5])
n, shared = int(sys.argv[3]), int(sys.argv[4])
store = Store.open(url)
while not go.exists():
    time.sleep(0.001)
added, existing = [], []
def pay(i, key):
    ev = LoanEvent(date(1996, 2, 1) + timedelta(days=i % 28), "cit-note", EventKind.PAYMENT,
                   Decimal(i + 1), "concurrent", key)
    r = record_event(store, ev)  # one transaction per payment
    added.extend(r.added)
    existing.extend(r.existing)
for i in range(n):
    pay(i, f"{prefix}-{i}")
    if i < shared:
        pay(i, f"shared-{i}")  # the other process records the same key at about the same time
print(json.dumps({"added": added, "existing": existing}))
"""


def test_two_processes_record_500_payments_each(db_url: str, tmp_path: Path) -> None:
    with Store.open(db_url) as store:
        import_folder(store, EXAMPLE, datetime(2026, 1, 1, tzinfo=UTC))
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), db_url, name, str(N), str(SHARED), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("alice", "bob")
    ]
    time.sleep(0.5)
    go.touch()  # both start together
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    with Store.open(db_url) as store:
        keys = [s.event.key for s in log(store) if s.event.reference == "concurrent"]
    counts = Counter(keys)
    assert len(keys) == 2 * N + SHARED and max(counts.values()) == 1
    for name in ("alice", "bob"):
        assert {f"{name}-{i}" for i in range(N)} <= set(counts)
    assert {f"shared-{i}" for i in range(SHARED)} <= set(counts)
    # every process saw each of its own keys added; each shared key was added exactly once
    added = Counter(k for r in results for k in r["added"])
    assert all(added[f"shared-{i}"] == 1 for i in range(SHARED))
    existing = [k for r in results for k in r["existing"]]
    assert sorted(existing) == sorted(f"shared-{i}" for i in range(SHARED))
