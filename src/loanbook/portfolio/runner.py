"""Close of business over a portfolio folder, by partition: in this process, on a Dask
``LocalCluster``, or on a Dask cluster at an address (workers must see the same folder).

Each partition is one task: read its loans and events, run them to the date, publish the
positions (``files.publish``). Partitions already published are skipped, so a killed run
resumes where it stopped and nothing is written twice. Results do not depend on where a
partition ran: the kernel is deterministic and partitions are independent (loans never
share state), which the tests check against the single-process run.
"""

# mypy: disable-error-code="no-untyped-call"
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from loanbook.portfolio.engine import BY_EXACT, BY_KERNEL, REFUSED_BY_EXACT, run_portfolio
from loanbook.portfolio.files import Folder, publish


@dataclass(frozen=True)
class PartDone:
    part: int
    loans: int
    by_kernel: int
    by_exact: int
    refused: int
    written: bool  # False: another run published it first


def run_partition(path: str, part: int, until: date, threads: int = 0) -> PartDone:
    """Run one partition and publish its positions (a Dask task: plain arguments)."""
    if threads:
        import numba

        numba.set_num_threads(threads)
    folder = Folder.open(Path(path))
    target = folder.result_path(until, part)
    if target.exists():
        return PartDone(part, 0, 0, 0, 0, False)
    result = run_portfolio(folder.loans_of(part), folder.events_of(part), folder.fixings(), until)
    methods = result.loans.column("method").to_pylist()
    written = publish(result.loans, target)
    return PartDone(
        part,
        result.loans.num_rows,
        methods.count(BY_KERNEL),
        methods.count(BY_EXACT),
        methods.count(REFUSED_BY_EXACT),
        written,
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
        for part in todo:
            done = run_partition(str(path), part, until)
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
