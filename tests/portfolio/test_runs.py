"""Portfolio folders: generate, run by partition (this process and a Dask LocalCluster with two
workers give identical results), resume after a kill without writing anything twice, export
a stored book and read the results back."""

from __future__ import annotations

import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.loader import read_book
from loanbook.portfolio.files import Folder, publish
from loanbook.portfolio.runner import run_folder
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from tests.conftest import CIT_BOOK

runner = CliRunner()
TO = "2026-06-30"


def call(*args: str, code: int = 0) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout) if "--json" in args else result


def _generated(tmp_path: Path) -> Path:
    out = tmp_path / "book"
    call(
        "portfolio",
        "generate",
        "--loans",
        "240",
        "--seed",
        "5",
        "--out",
        str(out),
        "--partition-size",
        "80",
    )
    return out


def test_dask_local_cluster_gives_the_single_process_results(tmp_path: Path) -> None:
    book = _generated(tmp_path)
    assert Folder.open(book).partitions == 3
    other = tmp_path / "copy"
    shutil.copytree(book, other)
    call("portfolio", "run", str(book), "--to", TO)
    until = date.fromisoformat(TO)
    done = run_folder(other, until, scheduler="local", workers=2)
    assert [d.part for d in done] == [0, 1, 2]
    single = Folder.open(book).results(until)
    dask = Folder.open(other).results(until)
    assert single.num_rows == 240
    assert single.equals(dask)
    assert call("portfolio", "positions", str(book), "--to", TO, "--json")["loans"][0]["loan"] == (
        "L0000000"
    )


def test_a_killed_run_resumes_by_partition_and_writes_nothing_twice(tmp_path: Path) -> None:
    book = _generated(tmp_path)
    until = date.fromisoformat(TO)
    done = run_folder(book, until)
    assert [d.part for d in done] == [0, 1, 2] and all(d.written for d in done)
    whole = Folder.open(book).results(until)
    folder = Folder.open(book)
    kept = {i: folder.result_path(until, i).stat().st_mtime_ns for i in (0, 2)}
    folder.result_path(until, 1).unlink()  # as if killed before partition 1 was published
    (folder.results_dir(until) / ".part-00001.parquet.dead.tmp").write_bytes(b"half")
    again = run_folder(book, until)
    assert [d.part for d in again] == [1]
    assert {i: folder.result_path(until, i).stat().st_mtime_ns for i in (0, 2)} == kept
    assert Folder.open(book).results(until).equals(whole)
    assert run_folder(book, until) == []  # nothing left to do
    assert publish(whole, folder.result_path(until, 0)) is False  # never overwritten


def test_a_stored_book_exported_run_and_read_back(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'book.db'}"
    with Store.open(db) as store:
        import_folder(store, CIT_BOOK)
    out = tmp_path / "portfolio"
    call("portfolio", "export", "--db", db, "--out", str(out))
    assert Folder.open(out).loans == 1
    call("portfolio", "run", str(out), "--to", "1997-06-30")
    got = call("portfolio", "positions", str(out), "--to", "1997-06-30", "--json")
    (loan,) = got["loans"]
    exact = read_book(CIT_BOOK).run("cit-note", date(1997, 6, 30)).position
    assert loan["loan"] == "cit-note" and loan["method"] == "portfolio"
    assert Decimal(loan["principal_not_due"]) == exact.principal_not_due
    assert Decimal(loan["interest_accrued"]) == exact.interest_accrued
    assert Decimal(loan["late_charges"]) == exact.late_charges
    assert Decimal(loan["unapplied"]) == exact.unapplied
    table = pq.read_table(out / "loans" / "part-00000.parquet")
    assert table.column("usury_max_e9").to_pylist() == [250_000_000]


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _set(path: Path, column: str, row: int, value: Any) -> None:
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[row] = value
    field = table.schema.field(column)
    table = table.set_column(table.schema.get_field_index(column), field, [values])
    pq.write_table(table, path)


def test_a_value_the_kernel_cannot_read_is_one_line_naming_file_column_and_row(
    tmp_path: Path,
) -> None:
    """An unknown or missing value in a partition is the user's input, refused as one line
    (file: column: row and reason; not "unexpected error ... please report it"), and nothing
    of that partition is written (the others stand alone: their results may be published,
    and the run resumes from them once the file is mended)."""
    pristine = _generated(tmp_path)
    cases = [
        ("loans", 1, "day_count", 5, "actual/999", "row 5: unknown day count 'actual/999'"),
        ("loans", 1, "convention", 7, None, "row 7: no convention"),
        ("loans", 2, "waterfall_after", 3, "interest,rent",
         "row 3: unknown waterfall component 'rent'"),
        ("events", 0, "kind", 2, "gift", "row 2: unknown event kind 'gift'"),
    ]  # fmt: skip
    for k, (table, part, column, row, value, reason) in enumerate(cases):
        out = tmp_path / f"case-{k}"
        shutil.copytree(pristine, out)
        folder = Folder.open(out)
        path = folder.loans_path(part) if table == "loans" else folder.events_path(part)
        original = path.read_bytes()
        _set(path, column, row, value)
        result = call("portfolio", "run", str(out), "--to", TO, code=1)
        assert result.stderr.strip() == f"{path}: {column}: {reason}"
        inputs = ("loans/", "events/", "portfolio.json", "fixings.parquet")
        written = [f for f in _files(out) if not f.startswith(inputs)]
        assert not [f for f in written if path.stem in f], written
        path.write_bytes(original)  # mended: the run resumes from the partitions done
        assert call("portfolio", "run", str(out), "--to", TO).exit_code == 0
