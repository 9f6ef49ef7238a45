"""``loanbook``: the command line. Every command takes ``--json`` (amounts as decimal strings).

The engines, the storage stack (SQLAlchemy), the API (FastAPI) and the portfolio engine (NumPy,
Arrow, Numba, Dask) are imported inside the commands that use them, so ``loanbook --help`` and
``loanbook X --help`` cost little more than Typer and Rich (a test checks the module imports no
SQLAlchemy).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from loanbook.cli.common import (
    JsonOpt,
    console,
    fail_with,
    guarded,
    load_book,
    money,
    opt_date,
    parse_date,
    parse_option_amount,
    print_json,
    reset_json_mode,
)
from loanbook.cli.tables import Column, print_table
from loanbook.errors import Issue

if TYPE_CHECKING:  # imported by the commands that use them (start-up time)
    from loanbook import services
    from loanbook.book import Book

app = typer.Typer(
    help="Loanbook: financing agreements as clause-cited terms; an exact loan engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from loanbook import __version__

        try:
            installed = version("loanbook")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            installed = __version__
        sys.stdout.write(f"loanbook {installed}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Loanbook: financing agreements as clause-cited terms; an exact loan engine."""
    reset_json_mode()


BookArg = Annotated[Path, typer.Argument(help="book folder (term files, rates/, events/)")]
BookOrDb = Annotated[
    Path | None, typer.Argument(help="book folder (or give --db for a stored book)")
]
DbOpt = Annotated[
    str | None, typer.Option("--db", help="a stored book (path or URL) in place of BOOK")
]
RatesOpt = Annotated[list[Path] | None, typer.Option("--rates", help="extra fixings CSV")]
EventsOpt = Annotated[list[Path] | None, typer.Option("--events", help="extra events CSV")]
KnownOpt = Annotated[str | None, typer.Option("--known-on", help="as known on (YYYY-MM-DD)")]
LoanOpt = Annotated[str, typer.Option("--loan", help="the loan id, e.g. cit-note")]
FacilityOpt = Annotated[str, typer.Option("--facility", help="the facility id, e.g. cit-facility")]
AsOfOpt = Annotated[str, typer.Option("--as-of", help="the date (YYYY-MM-DD)")]
WideOpt = Annotated[
    bool, typer.Option("--wide", help="every column, text unabbreviated (lines may be long)")
]


@app.command()
def validate(
    book: BookArg,
    db: Annotated[
        str | None,
        typer.Option("--db", help="check against this stored book (default: a new, empty book)"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every check `import` runs, writing nothing; each error as file:line: field: reason."""
    from loanbook.storage.importer import validate_folder

    if db is None:
        report = guarded(lambda: validate_folder(book))
    else:
        from loanbook.cli.store import opened_book

        with opened_book(db) as store:
            report = guarded(lambda: validate_folder(book, store))
    documents = [*report.documents_added, *report.documents_unchanged]
    # values that are legal but implausible: printed, refusing nothing
    warnings = [str(w) for w in report.warnings]
    if as_json:
        print_json(
            {
                "valid": True,
                "documents": documents,
                "loans": list(report.loans),
                "events": len(report.events.added) + len(report.events.existing),
                "warnings": warnings,
                **report.as_json(),
            }
        )
    else:
        for warning in warnings:  # one unwrapped line each, like the errors, for grep
            typer.echo(f"warning: {warning}")
        console.print(
            f"{book}: {len(documents)} documents, loans: {', '.join(report.loans)} - valid",
            markup=False,
        )


@app.command()
def schema(as_json: JsonOpt = False) -> None:
    """The JSON Schema of a term file (JSON with or without --json)."""
    from loanbook.terms.schema import json_schema

    print_json(json_schema())


def _open(
    book: Path | None,
    db: str | None,
    rates: list[Path] | None = None,
    events: list[Path] | None = None,
    known_on: str | None = None,
) -> Book:
    """The book from a folder, or the stored book with ``--db`` (not both). ``known_on``:
    the stored book as known then (events and fixings recorded by then); a folder's events
    are filtered by their ``recorded`` column when the command runs."""
    if db is None and book is not None:
        return load_book(book, rates, events)
    if book is not None or rates or events:
        raise_usage(
            "give a BOOK folder or --db, not both; with --db, record events and "
            "fixings with `loanbook record`"
        )
    from loanbook.cli.store import book_from_db

    return book_from_db(db, opt_date(known_on, "--known-on"))


def raise_usage(message: str) -> NoReturn:
    fail_with(Issue("usage", "options", message), code=2)


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
    wide: WideOpt = False,
) -> None:
    """The terms in force on a date, as known on a date, each with its citation."""
    from loanbook.terms.versioning import history

    loaded = _open(book, db, known_on=known_on)
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
    rows: list[list[str]] = []
    for kind in ("facilities", "loans"):
        for item_id, item in state[kind].items():
            rows.extend(list(r) for r in _term_rows(kind, item_id, item))
    for name, term in state["defined_terms"].items():
        rows.append([f'defined "{name}"', _short(term.get("value")), term.get("cite", "")])
    columns = [Column("term", middle=True), Column("value"), Column("cite", drop=1)]
    title = f"Terms in force on {day}" + (f", as known on {known}" if known else "")
    print_table(title, columns, rows, wide=wide)
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
    wide: WideOpt = False,
) -> None:
    """Who changed what: every assertion about a term, with its document, clause and dates."""
    from loanbook.terms.versioning import history

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
    columns = [
        Column("term", middle=True),
        Column("op", drop=2),
        Column("effective", figure=True, left=True),
        Column("recorded", figure=True, left=True, drop=3),
        Column("document", drop=1),
        Column("cite"),
    ]
    rows = [
        [c.path, c.op, c.effective.isoformat(), c.recorded.isoformat(), c.document, c.cite]
        for c in changes
    ]
    print_table(f"History of {path or 'every term'}", columns, rows, wide=wide)


@app.command()
def schedule(
    loan: LoanOpt,
    rates: RatesOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
    wide: WideOpt = False,
) -> None:
    """Installments: due date, principal, interest (where rates are known), balance after."""
    from loanbook import services

    loaded = _open(book, db, rates, known_on=known_on)
    sched = guarded(lambda: services.schedule(loaded, loan, opt_date(known_on, "--known-on")))
    if as_json:
        print_json(sched.as_json())
        return
    print_schedule(sched, wide=wide)


def print_schedule(sched: services.Schedule, rows: slice | None = None, wide: bool = False) -> None:
    columns = [
        Column("#", figure=True, drop=2),
        Column("due date", figure=True, left=True),
        Column("principal", figure=True),
        Column("interest", figure=True),
        Column("balance after", figure=True),
        Column("cite", drop=1),
    ]
    items = list(enumerate(sched.rows, 1))
    table = [
        [
            str(n),
            r.due_date.isoformat(),
            money(r.principal),
            money(r.interest),
            money(r.balance_after),
            r.cite,
        ]
        for n, r in (items[rows] if rows else items)
    ]
    print_table(f"Schedule of {sched.loan}", columns, table, wide=wide, caption=sched.interest_note)


@app.command()
def statement(
    loan: LoanOpt,
    as_of: AsOfOpt,
    rates: RatesOpt = None,
    events: EventsOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
    wide: WideOpt = False,
) -> None:
    """What is due, paid, overdue and accrued on a date, line by line with clauses."""
    from loanbook import services

    loaded = _open(book, db, rates, events, known_on)
    st = guarded(
        lambda: services.statement(
            loaded, loan, parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
        )
    )
    if as_json:
        print_json(st.as_json())
        return
    print_statement(st, wide=wide)


def print_statement(st: services.Statement, wide: bool = False) -> None:
    columns = [
        Column("date", figure=True, left=True),
        Column("line"),
        Column("amount", figure=True),
        Column("clause", drop=2),
        Column("detail", drop=1),
    ]
    rows = [
        [
            line.date.isoformat(),
            line.kind.value.replace("_", " "),
            money(line.amount),
            line.cite,
            line.memo,
        ]
        for line in st.result.lines
    ]
    print_table(f"Statement of {st.loan} as of {st.as_of}", columns, rows, wide=wide)
    p = st.position
    summary: list[list[str]] = []
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
        summary.append([label, money(value)])
    print_table("Position", [Column("item"), Column("amount", figure=True)], summary, wide=wide)


@app.command()
def payoff(
    loan: LoanOpt,
    as_of: AsOfOpt,
    rates: RatesOpt = None,
    events: EventsOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
    wide: WideOpt = False,
) -> None:
    """The amount that pays the loan in full on a date, by component."""
    from loanbook import services

    loaded = _open(book, db, rates, events, known_on)
    quote = guarded(
        lambda: services.payoff(
            loaded, loan, parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
        )
    )
    if as_json:
        print_json(quote.as_json())
        return
    rows = [
        [key.replace("_", " "), money(Decimal(value))]
        for key, value in quote.as_json().items()
        if key not in ("loan", "as_of")
    ]
    columns = [Column("component"), Column("amount", figure=True)]
    print_table(f"Payoff of {loan} on {as_of}", columns, rows, wide=wide, show_header=False)


@app.command()
def commitment(
    facility: FacilityOpt,
    as_of: AsOfOpt,
    advance: Annotated[str | None, typer.Option(help="test an advance of this amount")] = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    book: BookOrDb = None,
    db: DbOpt = None,
    wide: WideOpt = False,
) -> None:
    """The commitment cap, each part of its formula, the loans made and the room left."""
    from loanbook import services
    from loanbook.engine.commitment import check_advance

    loaded = _open(book, db, known_on=known_on)
    day = parse_date(as_of, "--as-of")
    report = guarded(
        lambda: services.commitment(loaded, facility, day, opt_date(known_on, "--known-on"))
    )
    data = services.commitment_json(report)
    refusals = []
    if advance is not None:
        amount = parse_option_amount(advance, "--advance")
        refusals = [str(i) for i in check_advance(report, amount, day)]
        data["advance"] = {"amount": advance, "allowed": not refusals, "refused": refusals}
    if as_json:
        print_json(data)
    else:
        rows = [["fixed amount", money(report.commitment.fixed_cap), data["cite"]]]
        for p in report.commitment.parts:
            assumed = " [assumed]" if p.assumption else ""
            rows.append([f"  {p.description}{assumed}", money(p.amount), p.cite])
        rows.append(["formula total", money(report.commitment.formula_total), ""])
        rows.append(["cap (lesser)", money(report.commitment.cap), data["cite"]])
        for m in report.loans_made:
            rows.append([f"loan {m.loan} ({m.date})", money(m.principal), m.cite])
        rows.append(["room left", money(report.room), ""])
        columns = [Column("item"), Column("amount", figure=True), Column("cite", drop=1)]
        title = f"Commitment of {facility} on {day} ({data['cite']})"
        print_table(title, columns, rows, wide=wide)
        for r in refusals:
            console.print(f"refused: {r}", markup=False, soft_wrap=True)
    if refusals:
        raise typer.Exit(1)


@app.command()
def availability(
    facility: FacilityOpt,
    as_of: AsOfOpt,
    book: BookOrDb = None,
    db: DbOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """The borrowing base line by line, with the rule that included or excluded each item,
    availability, and any overadvance and its rate status."""
    from loanbook import services

    loaded = _open(book, db, known_on=known_on)
    report = guarded(
        lambda: services.availability(
            loaded, facility, parse_date(as_of, "--as-of"), opt_date(known_on, "--known-on")
        )
    )
    data = report.as_json()
    if as_json:
        print_json(data)
        return
    columns = [
        Column("item"),
        Column("location", drop=3),
        Column("value", figure=True),
        Column("eligible", figure=True, left=True, drop=4),
        Column("rate", figure=True),
        Column("lendable", figure=True),
        Column("rule", drop=2),
        Column("clause", drop=1),
    ]
    rows = [
        [
            item.item.description,
            item.item.location,
            money(item.item.value),
            "yes" if item.eligible else "no",
            f"{item.advance_rate * 100:.0f}%",
            money(item.lendable),
            item.rule,
            item.cite,
        ]
        for item in report.base.items
    ]
    title = (
        f"Borrowing base of {facility} on {as_of} (certificate of {data['certificate']['as_of']})"
    )
    print_table(title, columns, rows, wide=wide)
    summary = [
        [label, money(Decimal(data[key]))]
        for label, key in (
            ("maximum credit", "maximum_credit"),
            ("borrowing base", "borrowing_base"),
            ("reserves", "reserves"),
            ("outstanding", "outstanding"),
            ("availability", "availability"),
            ("overadvance", "overadvance"),
        )
    ]
    print_table(None, [Column("item"), Column("amount", figure=True)], summary, show_header=False)
    console.print(f"overadvance rate: {data['overadvance_rate']}", soft_wrap=True)


@app.command()
def demo(
    book: BookArg = Path("examples/lexington"),
    as_of: Annotated[str, typer.Option("--as-of", help="the statement date (YYYY-MM-DD)")] = (
        "1996-12-31"
    ),
    as_json: JsonOpt = False,
) -> None:
    """The main job on the example book: the CIT note's terms, schedule and statement."""
    from loanbook import services

    loaded: Book = load_book(book)
    day = parse_date(as_of, "--as-of")
    if as_json:
        sched = guarded(lambda: services.schedule(loaded, "cit-note"))
        st = guarded(lambda: services.statement(loaded, "cit-note", day))
        print_json({"schedule": sched.as_json(), "statement": st.as_json()})
        return
    console.rule("[bold]Loanbook demo: the CIT Promissory Note (003) as amended by 000")
    sched = guarded(lambda: services.schedule(loaded, "cit-note"))
    print_schedule(sched, slice(0, 12))
    console.print(
        f"... {len(sched.rows)} installments in all; the last on {sched.rows[-1].due_date}."
    )
    print_statement(guarded(lambda: services.statement(loaded, "cit-note", day)))


def _register_extensions() -> None:
    """Command groups that live in their own modules (the store, ACTUS, compliance, serve and
    users, the portfolio engine)."""
    for name in ("store", "actus", "compliance", "serve", "portfolio"):
        module = f"loanbook.cli.{name}"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module).register(app)


_register_extensions()


def main() -> None:
    """The ``loanbook`` command. Bad input is reported where it is found, as one line; should
    anything else escape (a bug), the user still gets one line, not a traceback, and exit 1
    (``LOANBOOK_DEBUG=1`` shows the traceback). The tests call ``app`` and see every escape."""
    import os

    try:
        app()
    except Exception as exc:  # the last resort: every known failure is reported before this
        if os.environ.get("LOANBOOK_DEBUG"):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write(
            f"loanbook: unexpected error ({type(exc).__name__}): {message}; please report it "
            "(LOANBOOK_DEBUG=1 shows where)\n"
        )
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
