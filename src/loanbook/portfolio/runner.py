"""Close of business over a portfolio folder, by partition: in this process, on a Dask
``LocalCluster``, or on a Dask cluster at an address (workers must see the same folder).

Each partition is one task: read its loans and events, run them to the date, publish the
positions (``files.publish``) and each loan's state (``stored``). A run to a later date
starts from the latest stored state, so one more day costs what that day's steps cost, not a
replay of every loan from origination. Partitions already published are skipped, so a killed run
resumes where it stopped and nothing is written twice. Results do not depend on where a
partition ran: the kernel is deterministic and partitions are independent (loans never
share state), which the tests check against the single-process run.
"""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from loanbook.portfolio import form, stored
from loanbook.portfolio.engine import (
    BY_EXACT,
    BY_KERNEL,
    METHODS,
    REFUSED_BY_EXACT,
    Market,
    run_prepared,
)
from loanbook.portfolio.files import Folder, publish


@dataclass(frozen=True)
class PartDone:
    part: int
    loans: int
    by_kernel: int
    by_exact: int
    refused: int
    written: bool  # False: another run published it first
    since: date | None = None  # the stored close it started from (None: from origination)


def run_partition(path: str, part: int, until: date, threads: int = 0) -> PartDone:
    """Run one partition and publish its positions and state (a Dask task: plain arguments).

    It starts from the partition's latest stored state before ``until`` that was computed from
    the same inputs, else from origination; either way the positions are the same."""
    if threads:
        import numba

        numba.set_num_threads(threads)
    folder = Folder.open(Path(path))
    target = folder.result_path(until, part)
    if target.exists():
        return PartDone(part, 0, 0, 0, 0, False)
    fixings = folder.fixings()
    market = Market.of(fixings)
    prep, inputs = stored.prepared(
        folder.path, part, folder.loans_path(part), folder.events_path(part), market.names
    )
    state = None
    for day in folder.state_dates(part, until):
        state = stored.load_state(
            folder.state_path(day, part), lambda d: stored.state_meta(inputs, fixings, d)
        )
        if state is not None:
            break
    result = run_prepared(prep, market, fixings, until, state=state, keep_state=True)
    assert result.state is not None
    stored.save_state(
        folder.state_path(until, part), result.state, stored.state_meta(inputs, fixings, until)
    )
    written = publish(result.loans, target)
    counts = np.bincount(
        result.loans.column("method").combine_chunks().indices.to_numpy(), minlength=3
    )
    return PartDone(
        part,
        result.loans.num_rows,
        int(counts[METHODS.index(BY_KERNEL)]),
        int(counts[METHODS.index(BY_EXACT)]),
        int(counts[METHODS.index(REFUSED_BY_EXACT)]),
        written,
        None if state is None else form.EPOCH + timedelta(days=state.as_of),
    )


def run_folder(
    path: Path,
    until: date,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    progress: Callable[[PartDone], None] | None = None,
) -> list[PartDone]:
    """Every partition of ``path`` not yet run to ``until``. ``scheduler``: None (this
    process), ``local`` (a Dask LocalCluster of ``workers`` processes) or a scheduler address
    such as ``tcp://10.0.0.5:8786``."""
    folder = Folder.open(path)
    todo = [i for i in range(folder.partitions) if i not in folder.done(until)]
    out: list[PartDone] = []
    if not todo:
        return out
    if scheduler is None:
        # two partitions at a time: while one is in the compiled kernel (both cores, the GIL
        # released, ``engine.KERNEL_LOCK``), the other reads its files, writes its results or
        # runs the exact engine; one after the other left a core idle in those parts
        with ThreadPoolExecutor(2) as pool:
            for done in pool.map(lambda part: run_partition(str(path), part, until), todo):
                out.append(done)
                if progress:
                    progress(done)
        return out
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(
            run_partition,
            [str(path.resolve())] * len(todo),
            todo,
            [until] * len(todo),
            [1] * len(todo),
            pure=False,
        )
        for future in as_completed(futures):
            done = future.result()
            out.append(done)
            if progress:
                progress(done)
    finally:
        # bounded: a cluster slow to stop must not hold results already published
        client.close(timeout=30)
        if cluster is not None:
            cluster.close(timeout=30)
    return sorted(out, key=lambda d: d.part)
