"""API benchmark: requests per second and p50/p99 latency of the statement endpoint and of
recording payments over HTTP on loopback, against the same operation through the service
call the CLI makes (``loanbook statement --db`` and ``loanbook record payment``: open the
book, call the service), measured in the same run; ``in-process`` is the service call on
an already open store (what the server itself does per request, less HTTP).

    .venv/bin/python benchmarks/api.py [--requests 300] [--concurrency 4] [--db sqlite|URL]

The server is ``loanbook serve`` (uvicorn, one process) on a copy of the example book; the
load generator is httpx clients in threads on the same machine (keep-alive connections).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from loanbook import services
from loanbook.engine.events import EventKind, LoanEvent
from loanbook.storage.importer import import_folder
from loanbook.storage.record import Incoming, record_events
from loanbook.storage.store import Store
from loanbook.storage.users import Role, add_user

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lexington"
LOAN = "cit-note"
AS_OF = "1999-12-31"


@dataclass(frozen=True)
class Result:
    operation: str
    path: str
    concurrency: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(
    operation: str, path: str, concurrency: int, n: int, call: Callable[[int, int], None]
) -> Result:
    """``call(worker, i)`` ``n`` times split over ``concurrency`` threads."""
    latencies: list[float] = []
    lock = threading.Lock()
    per = n // concurrency

    def work(worker: int) -> None:
        mine = []
        for i in range(per):
            t = time.perf_counter()
            call(worker, i)
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return Result(
        operation,
        path,
        concurrency,
        len(latencies),
        elapsed,
        statistics.median(latencies) * 1000,
        percentile(latencies, 0.99) * 1000,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=4, help="HTTP client threads")
    parser.add_argument("--db", default="sqlite", help="sqlite (a temporary file) or a URL")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="loanbook-bench-api-"))
    db = f"sqlite:///{tmp / 'book.db'}" if args.db == "sqlite" else args.db
    with Store.open(db) as store:
        import_folder(store, EXAMPLE)
        token = add_user(store, f"bench-{os.getpid()}", Role.LENDER, "cit")[1]
    port = free_port()
    exe = Path(sys.executable).with_name("loanbook")
    server = subprocess.Popen(
        [str(exe), "serve", "--db", db, "--port", str(port), "--four-eyes-above", "none"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    results: list[Result] = []
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        clients = [
            httpx.Client(base_url=base, headers=headers, timeout=120)
            for _ in range(args.concurrency)
        ]
        url = f"/api/v1/loans/{LOAN}/statement?as_of={AS_OF}"
        expected = clients[0].get(url).json()

        def http_statement(worker: int, _: int) -> None:
            response = clients[worker].get(url)
            assert response.status_code == 200

        def service_statement(_: int, __: int) -> None:
            with Store.open(db) as store:  # what `loanbook statement --db` does
                book = store.book()
            services.statement(book, LOAN, date.fromisoformat(AS_OF))

        check = Store.open(db)
        got = services.statement(check.book(), LOAN, date.fromisoformat(AS_OF)).as_json()
        assert got == expected, "the API and the service disagree"
        check.close()
        n = args.requests
        for c in sorted({1, args.concurrency}):
            results.append(measure("statement", "HTTP", c, n, http_statement))
        results.append(measure("statement", "service", 1, n, service_statement))
        with Store.open(db) as warm:

            def warm_statement(_: int, __: int) -> None:
                services.statement(warm.book(), LOAN, date.fromisoformat(AS_OF))

            results.append(measure("statement", "in-process", 1, n, warm_statement))

        def http_payment(tag: str) -> Callable[[int, int], None]:
            def call(worker: int, i: int) -> None:
                response = clients[worker].post(
                    f"/api/v1/loans/{LOAN}/payments",
                    json={
                        "date": "2000-03-31",
                        "amount": "1.00",
                        "reference": f"{tag}-{worker}-{i}",
                    },
                )
                assert response.status_code == 201, response.text

            return call

        def service_payment(tag: str, store: Store | None) -> Callable[[int, int], None]:
            def call(_: int, i: int) -> None:
                ev = LoanEvent(
                    date(2000, 3, 31), LOAN, EventKind.PAYMENT, Decimal("1.00"), f"{tag}-{i}"
                )
                if store is not None:
                    record_events(store, [Incoming(ev)])
                    return
                with Store.open(db) as opened:  # what `loanbook record payment` does
                    record_events(opened, [Incoming(ev)])

            return call

        for c in sorted({1, args.concurrency}):
            results.append(measure("record payment", "HTTP", c, n, http_payment(f"c{c}")))
        results.append(measure("record payment", "service", 1, n, service_payment("s", None)))
        with Store.open(db) as warm:
            results.append(
                measure("record payment", "in-process", 1, n, service_payment("w", warm))
            )
        for c in clients:
            c.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, database {args.db}, {args.requests} requests each"
    )
    print(
        f"{'operation':<16} {'path':<8} {'clients':>7} {'req/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'vs service':>10}"
    )
    peers = {r.operation: r for r in results if r.path == "service"}
    for r in results:
        ratio = r.per_second / peers[r.operation].per_second
        print(
            f"{r.operation:<16} {r.path:<8} {r.concurrency:>7} {r.per_second:>9,.1f} "
            f"{r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {ratio:>9.2f}x"
        )
    if args.json:
        args.json.write_text(
            json.dumps([{**r.__dict__, "per_second": r.per_second} for r in results], indent=2)
        )


if __name__ == "__main__":
    main()
