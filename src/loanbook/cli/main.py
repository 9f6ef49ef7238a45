"""``loanbook``: the command line. Every command takes ``--json`` (amounts as decimal strings)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from loanbook import services
from loanbook.book import Book
from loanbook.cli.common import (
    console,
    guarded,
    load_book,
    money,
    opt_date,
    parse_date,
    print_issues,
    print_json,
)
from loanbook.engine.commitment import check_advance
from loanbook.errors import LoanbookError
from loanbook.loader import read_book
from loanbook.terms.schema import json_schema
from loanbook.terms.versioning import history

app = typer.Typer(
    help="Loanbook: financing agreements as clause-cited terms; an exact loan engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

BookArg = Annotated[Path, typer.Argument(help="book folder (term files, rates/, events/)")]
BookOrDb = Annotated[
    Path | None, typer.Argument(help="book folder (or give --db for a stored book)")
]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="a stored book (path or URL) in place of BOOK")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
RatesOpt = Annotated[list[Path] | None, typer.Option("--rates", help="extra fixings CSV")]
EventsOpt = Annotated[list[Path] | None, typer.Option("--events", help="extra events CSV")]
KnownOpt = Annotated[str | None, typer.Option("--known-on", help="as known on (YYYY-MM-DD)")]


@app.command()
def validate(book: BookArg, as_json: JsonOpt = False) -> None:
    """Validate every term, rate and event file; print each error as file:line: field: reason."""
    try:
        loaded = read_book(book)
    except LoanbookError as exc:
        if as_json:
            print_json({"valid": False, "errors": [str(i) for i in exc.issues]})
        else:
            print_issues(exc)
        raise typer.Exit(1) from None
    if as_json:
        print_json(
            {
                "valid": True,
                "documents": [d.source for d in loaded.documents],
                "loans": list(loaded.loan_ids()),
            }
        )
    else:
        console.print(
            f"{book}: {len(loaded.documents)} documents, loans: "
            f"{', '.join(loaded.loan_ids())} - valid"
        )


@app.command()
def schema() -> None:
    """The JSON Schema of a term file."""
    print_json(json_schema())


def _open(
    book: Path | None,
    db: str | None,
    rates: list[Path] | None = None,
    events: list[Path] | None = None,
) -> Book:
    """The book from a folder, or the stored book with ``--db`` (not both)."""
    if db is None and book is not None:
        return load_book(book, rates, events)
    if book is not None or rates or events:
        raise_usage(
            "give a BOOK folder or --db, not both; with --db, record events and "
            "fixings with `loanbook record`"
        )
    from loanbook.cli.store import book_from_db

    return book_from_db(db)


def raise_usage(message: str) -> NoReturn:
    sys.stderr.write(f"{message}\n")
    raise typer.Exit(2)


def _term_rows(kind: str, item_id: str, terms: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    for name, term in terms.items():
        if isinstance(term, dict) and "cite" in term:
            value = term.get("value")
            cite = term["cite"] + (" [assumed]" if term.get("assumption") else "")
        else:
            value, cite = term, ""
        rows.append((f"{kind}.{item_id}.{name}", _short(value), cite))
    return rows


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_short(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + "; ".join(_short(v) for v in value) + "]"
    return str(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


@app.command()
def terms(
    as_of: Annotated[str, typer.Option("--as-of", help="terms in force on (YYYY-MM-DD)")],
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
) -> None:
    """The terms in force on a date, as known on a date, each with its citation."""
    loaded = _open(book, db)
    day, known = parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
    state = loaded.state(day, known)
    changes = [
        c
        for c in history(loaded.assertions, "")
        if c.effective <= day and (known is None or c.recorded <= known) and c.op != "set"
    ]
    if as_json:
        print_json(
            {
                "as_of": day.isoformat(),
                "known_on": known.isoformat() if known else None,
                "terms": _jsonable(state),
                "amendments": [
                    {
                        "path": c.path,
                        "op": c.op,
                        "effective": c.effective.isoformat(),
                        "recorded": c.recorded.isoformat(),
                        "document": c.document,
                        "cite": c.cite,
                    }
                    for c in changes
                ],
            }
        )
        return
    table = Table(title=f"Terms in force on {day}" + (f", as known on {known}" if known else ""))
    for col in ("term", "value", "cite"):
        table.add_column(col, overflow="fold")
    for kind in ("facilities", "loans"):
        for item_id, item in state[kind].items():
            for row in _term_rows(kind, item_id, item):
                table.add_row(*row)
    for name, term in state["defined_terms"].items():
        table.add_row(f'defined "{name}"', _short(term.get("value")), term.get("cite", ""))
    console.print(table)
    for c in changes:
        console.print(
            f"  {c.path}: {c.op} by {c.document} ({c.cite}) effective {c.effective}, "
            f"recorded {c.recorded}",
            markup=False,
        )


@app.command("history")
def term_history(
    book: BookArg,
    path: Annotated[str, typer.Option("--path", help="term path prefix, e.g. loans.cit-note")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Who changed what: every assertion about a term, with its document, clause and dates."""
    loaded = load_book(book)
    changes = history(loaded.assertions, path)
    if as_json:
        print_json(
            [
                {
                    "path": c.path,
                    "op": c.op,
                    "effective": c.effective.isoformat(),
                    "recorded": c.recorded.isoformat(),
                    "document": c.document,
                    "cite": c.cite,
                    "value": _jsonable(c.value),
                }
                for c in changes
            ]
        )
        return
    table = Table(title=f"History of {path or 'every term'}")
    for col in ("term", "op", "effective", "recorded", "document", "cite"):
        table.add_column(col, overflow="fold")
    for c in changes:
        table.add_row(
            c.path, c.op, c.effective.isoformat(), c.recorded.isoformat(), c.document, c.cite
        )
    console.print(table)


@app.command()
def schedule(
    loan: Annotated[str, typer.Option("--loan")],
    rates: RatesOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
) -> None:
    """Installments: due date, principal, interest (where rates are known), balance after."""
    loaded = _open(book, db, rates)
    sched = guarded(lambda: services.schedule(loaded, loan, opt_date(known_on, "--known-on")))
    if as_json:
        print_json(sched.as_json())
        return
    print_schedule(sched)


def print_schedule(sched: services.Schedule, rows: slice | None = None) -> None:
    table = Table(title=f"Schedule of {sched.loan}", caption=sched.interest_note)
    for col in ("#", "due date", "principal", "interest", "balance after", "cite"):
        table.add_column(col, justify="right" if col not in ("cite", "due date") else "left")
    items = list(enumerate(sched.rows, 1))
    for n, r in items[rows] if rows else items:
        table.add_row(
            str(n),
            r.due_date.isoformat(),
            money(r.principal),
            money(r.interest),
            money(r.balance_after),
            r.cite,
        )
    console.print(table)


@app.command()
def statement(
    loan: Annotated[str, typer.Option("--loan")],
    as_of: Annotated[str, typer.Option("--as-of")],
    rates: RatesOpt = None,
    events: EventsOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
) -> None:
    """What is due, paid, overdue and accrued on a date, line by line with clauses."""
    loaded = _open(book, db, rates, events)
    st = guarded(
        lambda: services.statement(
            loaded, loan, parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
        )
    )
    if as_json:
        print_json(st.as_json())
        return
    print_statement(st)


def print_statement(st: services.Statement) -> None:
    table = Table(title=f"Statement of {st.loan} as of {st.as_of}")
    for col in ("date", "line", "amount", "clause", "detail"):
        table.add_column(col, justify="right" if col == "amount" else "left", overflow="fold")
    table.columns[0].no_wrap = table.columns[2].no_wrap = True
    for line in st.result.lines:
        table.add_row(
            line.date.isoformat(),
            line.kind.value.replace("_", " "),
            money(line.amount),
            line.cite,
            line.memo,
        )
    console.print(table)
    p = st.position
    summary = Table(title="Position", show_header=False)
    summary.add_column("item")
    summary.add_column("amount", justify="right")
    for label, value in (
        ("principal outstanding", p.principal_outstanding),
        ("  of which due and unpaid", p.principal_due),
        ("interest due and unpaid", p.interest_due),
        ("interest accrued, not yet due", p.interest_accrued),
        ("late charges", p.late_charges),
        ("fees", p.fees),
        ("unapplied funds", p.unapplied),
        ("total due now", p.total_due),
    ):
        summary.add_row(label, money(value))
    console.print(summary)


@app.command()
def payoff(
    loan: Annotated[str, typer.Option("--loan")],
    as_of: Annotated[str, typer.Option("--as-of")],
    rates: RatesOpt = None,
    events: EventsOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
) -> None:
    """The amount that pays the loan in full on a date, by component."""
    loaded = _open(book, db, rates, events)
    quote = guarded(
        lambda: services.payoff(
            loaded, loan, parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
        )
    )
    if as_json:
        print_json(quote.as_json())
        return
    table = Table(title=f"Payoff of {loan} on {as_of}", show_header=False)
    table.add_column("component")
    table.add_column("amount", justify="right")
    for key, value in quote.as_json().items():
        if key not in ("loan", "as_of"):
            table.add_row(key, money(Decimal(value)))
    console.print(table)


@app.command()
def commitment(
    facility: Annotated[str, typer.Option("--facility")],
    as_of: Annotated[str, typer.Option("--as-of")],
    advance: Annotated[str | None, typer.Option(help="test an advance of this amount")] = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
) -> None:
    """The commitment cap, each part of its formula, the loans made and the room left."""
    loaded = _open(book, db)
    day = parse_date(as_of, "--as-of")
    report = guarded(
        lambda: services.commitment(loaded, facility, day, opt_date(known_on, "--known-on"))
    )
    data = services.commitment_json(report)
    refusals = []
    if advance is not None:
        refusals = [str(i) for i in check_advance(report, Decimal(advance), day)]
        data["advance"] = {"amount": advance, "allowed": not refusals, "refused": refusals}
    if as_json:
        print_json(data)
    else:
        table = Table(title=f"Commitment of {facility} on {day} ({data['cite']})")
        for col in ("item", "amount", "cite"):
            table.add_column(col, justify="right" if col == "amount" else "left")
        table.add_row("fixed amount", money(report.commitment.fixed_cap), data["cite"])
        for p in report.commitment.parts:
            table.add_row(
                f"  {p.description}" + (" [assumed]" if p.assumption else ""),
                money(p.amount),
                p.cite,
            )
        table.add_row("formula total", money(report.commitment.formula_total), "")
        table.add_row("cap (lesser)", money(report.commitment.cap), data["cite"])
        for m in report.loans_made:
            table.add_row(f"loan {m.loan} ({m.date})", money(m.principal), m.cite)
        table.add_row("room left", money(report.room), "")
        console.print(table)
        for r in refusals:
            console.print(f"refused: {r}", markup=False, soft_wrap=True)
    if refusals:
        raise typer.Exit(1)


@app.command()
def availability(
    facility: Annotated[str, typer.Option("--facility")],
    as_of: Annotated[str, typer.Option("--as-of")],
    book: BookOrDb = None,
    db: DbOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The borrowing base line by line, with the rule that included or excluded each item,
    availability, and any overadvance and its rate status."""
    loaded = _open(book, db)
    report = guarded(
        lambda: services.availability(
            loaded, facility, parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
        )
    )
    data = report.as_json()
    if as_json:
        print_json(data)
        return
    table = Table(
        title=f"Borrowing base of {facility} on {as_of} "
        f"(certificate of {data['certificate']['as_of']})"
    )
    for col in ("item", "location", "value", "eligible", "rate", "lendable", "rule", "clause"):
        table.add_column(
            col, justify="right" if col in ("value", "lendable") else "left", overflow="fold"
        )
    for item in report.base.items:
        table.add_row(
            item.item.description,
            item.item.location,
            money(item.item.value),
            "yes" if item.eligible else "no",
            f"{item.advance_rate * 100:.0f}%",
            money(item.lendable),
            item.rule,
            item.cite,
        )
    console.print(table)
    summary = Table(show_header=False)
    summary.add_column("item")
    summary.add_column("amount", justify="right")
    for label, key in (
        ("maximum credit", "maximum_credit"),
        ("borrowing base", "borrowing_base"),
        ("reserves", "reserves"),
        ("outstanding", "outstanding"),
        ("availability", "availability"),
        ("overadvance", "overadvance"),
    ):
        summary.add_row(label, money(Decimal(data[key])))
    console.print(summary)
    console.print(f"overadvance rate: {data['overadvance_rate']}", soft_wrap=True)


@app.command()
def demo(
    book: BookArg = Path("examples/lexington"),
    as_of: Annotated[str, typer.Option("--as-of")] = "1996-12-31",
) -> None:
    """The main job on the example book: the CIT note's terms, schedule and statement."""
    loaded: Book = load_book(book)
    day = parse_date(as_of, "--as-of")
    console.rule("[bold]Loanbook demo: the CIT Promissory Note (003) as amended by 000")
    sched = guarded(lambda: services.schedule(loaded, "cit-note"))
    print_schedule(sched, slice(0, 12))
    console.print(
        f"... {len(sched.rows)} installments in all; the last on {sched.rows[-1].due_date}."
    )
    print_statement(guarded(lambda: services.statement(loaded, "cit-note", day)))


def _register_extensions() -> None:
    """Command groups that live in their own modules (the store, ACTUS)."""
    for name in ("store", "actus", "portfolio"):
        module = f"loanbook.cli.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(app)


_register_extensions()

if __name__ == "__main__":  # pragma: no cover
    app()
