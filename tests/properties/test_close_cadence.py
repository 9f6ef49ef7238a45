"""Close of business does not depend on its cadence (issue 7, point 1), as a property.

For random books (the CIT note beside a second note with random terms and payments) and random
sequences of ``run --to`` dates, some interrupted part-way (a run that dies after committing a
random number of loan-days, as a kill between two transactions leaves it, or inside one, which
commits nothing), the book ends with exactly the postings, entries and closes of one run to the
last date, and ``check`` passes after every step.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN
from decimal import Decimal as D
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.pool import NullPool

from loanbook.storage.audit import check
from loanbook.storage.close import close_of_business
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK
from tests.storage.conftest import dump

IMPORTED = datetime(2026, 1, 1, tzinfo=UTC)
START = date(1996, 1, 17)
HORIZON = date(1996, 10, 31)  # about 290 loan-days a loan: room for short and long runs


class Killed(Exception):
    """Stands for SIGKILL: the run stops where it is, its open transaction rolled back."""


@dataclass(frozen=True)
class Note:
    principal: D
    cycle: str
    maturity: date | None
    installments: int
    late_charge: bool
    payments: tuple[tuple[date, D], ...]

    def yaml(self) -> str:
        maturity = (
            f"    maturity:\n      value: {self.maturity}\n      cite: T ¶1\n"
            if self.maturity
            else ""
        )
        late = (
            "    late_charge:\n      value:\n        rate: 18%\n        day_count: actual/360\n"
            "      cite: T ¶1\n"
            if self.late_charge
            else ""
        )
        step = (self.principal / self.installments).quantize(D("0.01"), rounding=ROUND_DOWN)
        return f"""document:
  id: T
  title: A note with random terms
  kind: note
  date: {START}
loans:
  test-note:
    facility:
      value: cit-facility
      cite: T ¶1
    borrower:
      value: lpc
      cite: T ¶1
    lender:
      value: cit
      cite: T ¶1
    principal:
      value: {self.principal}
      cite: T ¶1
    start:
      value: {START}
      cite: T ¶1
{maturity}    day_count:
      value: actual/360
      cite: T ¶1
    rate:
      value:
        index: PRIME
        margin: 1.5%
        reset: daily
      cite: T ¶1
    interest_schedule:
      value:
        anchor: 1996-02-29
        cycle: {self.cycle}
        eom: true
      cite: T ¶1
    amortization:
      value:
        kind: level_principal
        installment: {step}
        schedule:
          anchor: 1996-02-29
          cycle: monthly
          eom: true
          count: {self.installments}
      cite: T ¶1
{late}"""

    def events(self) -> str:
        rows = ["date,loan,kind,amount,reference"]
        rows += [f"{d},test-note,payment,{a},paid {d} {a}" for d, a in self.payments]
        return "\n".join(rows) + "\n"


_LAST_INSTALLMENT = {6: date(1996, 7, 31), 36: date(1999, 1, 31)}


def _month_ends() -> list[date]:
    out, d = [], date(1996, 2, 29)
    while d <= HORIZON:
        out.append(d)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)  # the next month's 1st
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return out


notes = st.builds(
    Note,
    principal=st.integers(10_000, 5_000_000).map(lambda n: D(n) * 10),
    cycle=st.sampled_from(["monthly", "quarterly"]),
    maturity=st.sampled_from([None, None, date(1996, 7, 31), date(1999, 1, 31)]),
    installments=st.sampled_from([6, 36]),
    late_charge=st.booleans(),
    payments=st.lists(
        st.tuples(
            st.sampled_from(_month_ends()).flatmap(
                lambda d: st.integers(0, 20).map(lambda n: d + timedelta(days=n))
            ),
            st.integers(100, 200_000).map(lambda c: D(c) * 10),
        ),
        max_size=6,
    ),
).filter(  # the last installment falls on the maturity (validate refuses anything else)
    lambda n: n.maturity is None or n.maturity == _LAST_INSTALLMENT[n.installments]
)

# each step: how many days further to run (0: the same day again; the last closed day comes
# back when a kill left it short), and where, if anywhere, the run is killed: after that many
# loan-days were committed, or inside the transaction that would commit the next one
steps = st.lists(
    st.tuples(st.integers(0, 120), st.none() | st.tuples(st.integers(0, 200), st.booleans())),
    min_size=2,
    max_size=5,
)


def _scratch(tmp_path: Path) -> Path:
    """A new folder in memory-backed files where the machine has them: the property is about
    what is committed, not about the disk, and a run commits once a loan-day."""
    shm = Path("/dev/shm")
    where = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    return Path(tempfile.mkdtemp(prefix="loanbook-cadence-", dir=where))


def _book(folder: Path, note: Note) -> Path:
    shutil.copytree(CIT_BOOK, folder)
    (folder / "900-test-note.yaml").write_text(note.yaml(), encoding="utf-8")
    (folder / "events" / "test-note.csv").write_text(note.events(), encoding="utf-8")
    return folder


def _ledger(store: Store) -> dict[str, list[tuple[object, ...]]]:
    rows = dump(store, volatile=False)
    return {t: rows[t] for t in ("postings", "entries", "closes")}


def _run(store: Store, to: date, kill: tuple[int, bool] | None) -> None:
    if kill is None:
        close_of_business(store, to, batch=1)
        return
    after, inside = kill

    def progress(done: int, total: int) -> None:
        if done >= after and total:
            raise Killed

    original = store.write_on
    if inside:  # the next transaction fails before it commits (its rows written, then undone)

        @contextmanager
        def write_on(conn: Connection) -> Iterator[Connection]:
            calls.append(1)
            with original(conn):
                yield conn
                if len(calls) > after:
                    raise Killed

        calls: list[int] = []
        store.write_on = write_on  # type: ignore[method-assign]
    try:
        close_of_business(store, to, progress, batch=1)
    except Killed:
        pass
    finally:
        store.write_on = original  # type: ignore[method-assign]


@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking would take minutes
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(note=notes, plan=steps)
def test_any_cadence_stores_the_postings_of_one_run(
    tmp_path: Path, note: Note, plan: list[tuple[int, tuple[int, bool] | None]]
) -> None:
    here = _scratch(tmp_path)
    try:
        _check_cadence(here, note, plan)
    finally:
        shutil.rmtree(here)


def _check_cadence(here: Path, note: Note, plan: list[tuple[int, tuple[int, bool] | None]]) -> None:
    folder = _book(here / "book", note)
    dates, day = [], START
    for n, _ in plan:
        day = min(day + timedelta(days=n), HORIZON)
        dates.append(day)
    last = max(dates)  # a run to an earlier date than already closed posts nothing
    with Store.open(f"sqlite:///{here / 'one.db'}") as one:
        import_folder(one, folder, IMPORTED)
        close_of_business(one, last)
        expected = _ledger(one)
        assert check(one).ok
    with Store.open(f"sqlite:///{here / 'steps.db'}") as store:
        import_folder(store, folder, IMPORTED)
        for to, (_, kill) in zip(dates, plan, strict=True):
            _run(store, to, kill)
            report = check(store)
            assert report.ok, (to, kill, report.as_json())
        close_of_business(store, last)  # the operator runs again after a kill
        assert check(store).ok
        assert _ledger(store) == expected


def test_check_passes_right_after_each_sigkill(tmp_path: Path) -> None:
    """The same with real kills: ``loanbook run`` SIGKILLed a few times at random loan-days of
    a book whose note has no maturity (its interest cycle runs as long as the book)."""
    here = _scratch(tmp_path)
    try:
        note = Note(D("1200000"), "monthly", None, 36, True, ((date(1996, 3, 29), D("5000")),))
        folder = _book(here / "book", note)
        url = f"sqlite:///{here / 'killed.db'}"
        with Store.open(url) as store:
            import_folder(store, folder, IMPORTED)
        cmd = [sys.executable, "-m", "loanbook.cli.main", "run", "--to", str(HORIZON)]
        cmd += ["--db", url, "--json"]
        rng = random.Random(7)
        watcher = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with watcher.connect() as poll:
            for _ in range(3):
                target = _closes(poll) + rng.randint(20, 120)
                proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                deadline = time.monotonic() + 60
                while proc.poll() is None and _closes(poll) < target:
                    assert time.monotonic() < deadline, "run made no progress"
                    time.sleep(0.002)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                with Store.open(url) as store:
                    report = check(store)
                    assert report.ok, report.as_json()
        watcher.dispose()
        with Store.open(url) as store:
            close_of_business(store, HORIZON)
            assert check(store).ok
            killed = _ledger(store)
        with Store.open(f"sqlite:///{here / 'one.db'}") as one:
            import_folder(one, folder, IMPORTED)
            close_of_business(one, HORIZON)
            assert _ledger(one) == killed
    finally:
        shutil.rmtree(here)


def _closes(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM closes")).scalar_one())
