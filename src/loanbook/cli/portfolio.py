"""``loanbook portfolio``: generate, export, run and read a portfolio folder (Parquet).

Heavy imports (NumPy, Arrow, Numba, Dask) happen inside the commands, so ``loanbook --help``
does not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from loanbook.cli.common import (
    JsonOpt,
    console,
    err_console,
    guarded,
    parse_date,
    print_json,
)

if TYPE_CHECKING:
    import pyarrow as pa

portfolio_app = typer.Typer(
    help="The portfolio engine: many loans at once, as Parquet, with the exact engine's cents.",
    no_args_is_help=True,
)

DirArg = Annotated[Path, typer.Argument(help="a portfolio folder (portfolio.json, Parquet)")]
ToOpt = Annotated[str, typer.Option("--to", help="close of business up to this date (YYYY-MM-DD)")]
PART = 10_000


@portfolio_app.command()
def generate(
    loans: Annotated[int, typer.Option("--loans", help="how many loans", min=1)],
    out: Annotated[Path, typer.Option("--out", help="the folder to create (must be empty)")],
    seed: Annotated[int, typer.Option("--seed", help="random seed (same seed, same book)")] = 1,
    partition: Annotated[
        int, typer.Option("--partition-size", help="loans per Parquet partition", min=1)
    ] = PART,
) -> None:
    """A synthetic book: fixed and floating loans, rate paths and payment histories."""
    from rich.progress import Progress

    from loanbook.portfolio import generate as gen
    from loanbook.portfolio.files import write_portfolio

    def chunks() -> Iterator[tuple[pa.Table, pa.Table]]:
        for k, first in enumerate(range(0, loans, partition)):
            size = min(partition, loans - first)
            yield gen.loans_and_events(size, seed * 100_003 + k, first_number=first)

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("generating", total=loans)
        folder = guarded(
            lambda: write_portfolio(
                out,
                chunks(),
                gen.fixings(seed),
                {"seed": seed, "generated": True},
                lambda n: bar.advance(task, n),
            )
        )
    console.print(f"{folder.loans:,} loans in {folder.partitions} partitions: {out}")


@portfolio_app.command()
def export(
    book: Annotated[Path | None, typer.Argument(help="book folder (or --db)")] = None,
    out: Annotated[Path, typer.Option("--out", help="the folder to create (must be empty)")] = Path(
        "portfolio"
    ),
    db: Annotated[str | None, typer.Option("--db", help="a stored book (path or URL)")] = None,
    partition: Annotated[
        int, typer.Option("--partition-size", help="loans per Parquet partition", min=1)
    ] = PART,
) -> None:
    """The book's term loans in the portfolio form; loans it does not cover are listed with
    the reason (they stay with the exact engine)."""
    from loanbook.portfolio.export import export_book
    from loanbook.portfolio.files import write_portfolio

    if db is not None or book is None:
        from loanbook.cli.store import book_from_db

        loaded = book_from_db(db)
    else:
        from loanbook.cli.common import load_book

        loaded = load_book(book)
    found = guarded(lambda: export_book(loaded))
    ids = found.loans.column("loan")
    chunks = []
    for first in range(0, max(found.loans.num_rows, 1), partition):
        part = found.loans.slice(first, partition)
        import pyarrow.compute as pc

        mask = pc.is_in(found.events.column("loan"), value_set=part.column("loan").combine_chunks())
        chunks.append((part, found.events.filter(mask)))
    folder = guarded(lambda: write_portfolio(out, chunks, found.fixings, {"exported": True}))
    for loan, reason in found.refused:
        err_console.print(f"{loan}: left to the exact engine: {reason}")
    console.print(f"{len(ids):,} loans exported in {folder.partitions} partitions: {out}")


@portfolio_app.command()
def run(
    folder: DirArg,
    to: ToOpt,
    workers: Annotated[
        int, typer.Option("--workers", help="Dask worker processes (with --scheduler local)")
    ] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="'local' (a Dask LocalCluster) or a scheduler address (tcp://HOST:8786); "
            "default: this process",
        ),
    ] = None,
) -> None:
    """Close of business to --to over every loan, by partition; a rerun resumes."""
    from rich.progress import Progress

    from loanbook.portfolio.files import Folder
    from loanbook.portfolio.runner import PartDone, run_folder

    until = parse_date(to, "--to")
    opened = guarded(lambda: Folder.open(folder))
    already = len(opened.done(until))
    totals = {"loans": 0, "exact": 0, "refused": 0, "resumed": 0}
    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task(f"close of business {until}", total=opened.partitions)
        bar.advance(task, already)

        def step(done: PartDone) -> None:
            totals["loans"] += done.loans
            totals["exact"] += done.by_exact
            totals["refused"] += done.refused
            totals["resumed"] += done.since is not None
            bar.advance(task, 1)

        guarded(
            lambda: run_folder(folder, until, scheduler=scheduler, workers=workers, progress=step)
        )
    console.print(
        f"{totals['loans']:,} loans run to {until} ({already} partitions already done, "
        f"{totals['resumed']} from a stored close, the others from origination); "
        f"{totals['exact']:,} by the exact engine, {totals['refused']:,} refused: "
        f"{opened.results_dir(until)}"
    )


@portfolio_app.command()
def positions(
    folder: DirArg,
    to: ToOpt,
    loan: Annotated[list[str] | None, typer.Option("--loan", help="only this loan")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Read the positions of a run back (amounts in dollars)."""
    from decimal import Decimal

    import pyarrow as pa
    import pyarrow.compute as pc

    from loanbook.portfolio.engine import POSITION_COLUMNS
    from loanbook.portfolio.files import Folder

    until = parse_date(to, "--to")
    table = guarded(lambda: Folder.open(folder).results(until))
    if loan:
        table = table.filter(pc.is_in(table.column("loan"), value_set=pa.array(loan)))
    rows = table.to_pylist()
    out = [
        {
            "loan": r["loan"],
            **{c: Decimal(r[f"{c}_cents"]) / 100 for c in POSITION_COLUMNS},
            "method": r["method"],
            "note": r["note"],
        }
        for r in rows
    ]
    if as_json:
        print_json({"as_of": until, "loans": out})
        return
    from rich.table import Table

    from loanbook.cli.common import money, wide_console

    t = Table(title=f"Positions as of {until}")
    t.add_column("loan")
    for c in ("principal_not_due", "principal_due", "interest_accrued", "interest_due"):
        t.add_column(c.replace("_", " "), justify="right")
    t.add_column("method")
    for r in out[:200]:
        t.add_row(
            str(r["loan"]),
            *(
                money(r[c])
                for c in ("principal_not_due", "principal_due", "interest_accrued", "interest_due")
            ),
            str(r["method"]),
        )
    wide_console().print(t)
    if len(out) > 200:
        console.print(f"... {len(out) - 200:,} more (use --loan or --json)")


def register(app: typer.Typer) -> None:
    """Add ``loanbook portfolio`` to the application."""
    app.add_typer(portfolio_app, name="portfolio")
