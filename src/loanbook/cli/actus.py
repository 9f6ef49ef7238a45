"""``loanbook actus CASES.json``: run an ACTUS reference test file through the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loanbook.cli.common import JsonOpt, console, fail_with, print_json
from loanbook.errors import Issue


def actus(
    cases: Annotated[Path, typer.Argument(help="an ACTUS test file (actus-tests-*.json)")],
    as_json: JsonOpt = False,
) -> None:
    """Run every case of an ACTUS test file and compare each expected event (date, type,
    payoff, notional, rate, accrued interest) within 1e-6 absolute or 1e-8 relative.
    Exit code 1 if any case fails."""
    from loanbook.adapters.actus import load_cases, run_case

    try:
        loaded = load_cases(cases)
    except (OSError, ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        fail_with(Issue(str(cases), "file", reason), code=2)
    results = [run_case(case_id, case) for case_id, case in loaded.items()]
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    if as_json:
        print_json({"passed": passed, "failed": failed, "cases": [r.as_dict() for r in results]})
    else:
        table = Table(title=f"ACTUS {cases.name}: {passed} passed, {failed} failed")
        table.add_column("id")
        table.add_column("passed")
        table.add_column("first mismatch", overflow="fold")
        for r in results:
            mark = "[green]yes[/green]" if r.passed else "[red]no[/red]"
            table.add_row(r.id, mark, r.mismatches[0] if r.mismatches else "")
        console.print(table)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``loanbook actus`` to the application."""
    app.command(name="actus")(actus)
