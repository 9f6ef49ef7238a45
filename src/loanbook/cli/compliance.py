"""Compliance on the command line: ``compliance``, ``defaults``, ``calendar``, ``collateral``
and ``record-compliance``.

Each report takes a BOOK folder or ``--db``, ``--as-of``, ``--known-on`` and ``--json``.
Recording (``--db`` only) writes a document (a statement, a satisfaction, a move, a notice,
a creditor's action, a non-payment, or any compliance document with ``--file``) or an
election (an event the engines act on), after the same checks ``validate`` and ``import``
run; bad input gets one line per problem and records nothing.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from loanbook.cli.common import (
    console,
    err_console,
    fail,
    guarded,
    load_book,
    print_json,
    wide_console,
)
from loanbook.errors import Issue, ValidationError

if TYPE_CHECKING:  # the engines and the YAML writer load inside the commands (start-up time)
    from loanbook.book import Book

BookOrDb = Annotated[
    Path | None, typer.Argument(help="book folder (or give --db for a stored book)")
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="a stored book (SQLite path or URL) in place of BOOK"),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="the date asked about (default: today, UTC)")
]
KnownOpt = Annotated[
    str | None, typer.Option("--known-on", help="as the book knew it on (YYYY-MM-DD)")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _date(text: str | None, option: str, default: date | None = None) -> date:
    if text is None:
        if default is None:
            fail(ValidationError(Issue(option, option.lstrip("-").replace("-", "_"), "required")))
        return default
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(
            ValidationError(
                Issue(
                    option,
                    option.lstrip("-").replace("-", "_"),
                    f"{text!r} is not a YYYY-MM-DD date",
                )
            )
        )


def _today() -> date:
    return datetime.now(UTC).date()


def _book(book: Path | None, db: str | None, known_on: date | None) -> Book:
    if book is not None and db is not None:
        err_console.print("give a BOOK folder or --db, not both")
        raise typer.Exit(2)
    if book is not None:
        return load_book(book)
    from loanbook.cli.store import book_from_db

    return book_from_db(db, known_on)


def _ask(
    book: Path | None, db: str | None, as_of: str | None, known_on: str | None
) -> tuple[Book, date, date | None]:
    known = _date(known_on, "--known-on") if known_on else None
    return _book(book, db, known), _date(as_of, "--as-of", _today()), known


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "passed" if value else "FAILED"
    return f"{value:,}" if hasattr(value, "quantize") else str(value)


def _table(title: str, columns: list[str], rows: list[list[Any]], figures: set[str]) -> Table:
    table = Table(title=title, title_justify="left")
    for col in columns:
        if col in figures:  # figures are never cut
            table.add_column(col, justify="right", no_wrap=True)
        else:
            table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_text(v) for v in row))
    return table


def compliance(
    book: BookOrDb = None,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Covenant tests, Events of Default with their status, the lender's options, conditions
    and the next obligations, each with its clause."""
    from loanbook.compliance import service

    loaded, day, known = _ask(book, db, as_of, known_on)
    report = guarded(lambda: service.compliance(loaded, day, known))
    data = report.as_json()
    if as_json:
        print_json(data)
        return
    out = wide_console(120)
    c = data["compliance"]
    head = f"Compliance as of {day}" + (f", as known on {known}" if known else "")
    out.print(head, markup=False)
    print_summary(c)


def print_summary(c: dict[str, Any]) -> None:
    """The compact report (``make demo`` prints it after the loan status): each covenant's
    latest test and every failed one, the Events of Default with their status and waiver,
    the lender's options, the documents waiting for (or in effect since) their conditions
    precedent, and the next obligations. ``--json`` and ``defaults`` say more."""
    out = wide_console(120)
    latest: dict[str, dict[str, Any]] = {}
    for t in c["covenants"]:
        latest[t["covenant"]] = t
    shown = [t for t in c["covenants"] if t["passed"] is False or latest[t["covenant"]] is t]
    out.print(
        _table(
            "Covenant tests (the latest of each, and every failure)",
            ["test date", "covenant", "value", "threshold", "headroom", "%", "result", "cite"],
            [
                [
                    t["test_date"],
                    t["name"],
                    t["value"],
                    t["threshold"],
                    t["headroom"],
                    t["headroom_percent"],
                    t["passed"] if t["passed"] is not None else t["status"],
                    t["cite"],
                ]
                for t in shown
            ],
            {"test date", "value", "threshold", "headroom", "%"},
        )
    )
    out.print(
        _table(
            "Events of Default",
            ["occurred", "id", "status", "since", "waived by", "cite"],
            [
                [e["occurred_on"], e["id"], e["status"], e["since"], e["waived_by"], e["cite"]]
                for e in c["events_of_default"]
            ],
            {"occurred", "since"},
        )
    )
    if c["options"]:
        out.print(
            _table(
                "Lender's options",
                ["subject", "option", "available from", "cite"],
                [[o["subject"], o["option"], o["available_from"], o["cite"]] for o in c["options"]],
                {"available from"},
            )
        )
    else:
        out.print("Lender's options: none (no Event of Default continues unwaived)")
    if c["documents"]:
        out.print(
            _table(
                "Documents in effect only once their conditions precedent are met",
                ["document", "dated", "in effect from", "open conditions", "cite"],
                [
                    [
                        d["document"],
                        d["dated"],
                        d["effective_from"] or "not in effect",
                        ", ".join(d["open"]) or "none",
                        d["cite"],
                    ]
                    for d in c["documents"]
                ],
                {"dated", "in effect from"},
            )
        )
    out.print(
        _table(
            "Next obligations",
            ["date", "kind", "description", "status", "cite"],
            [
                [i["date"], i["kind"], i["description"], i["status"], i["cite"]]
                for i in c["next_obligations"][:10]
            ],
            {"date"},
        )
    )


def defaults(
    book: BookOrDb = None,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Events of Default: status, since when, cause, waiver, timeline; and the options."""
    from loanbook.compliance import service

    loaded, day, known = _ask(book, db, as_of, known_on)
    data = guarded(lambda: service.compliance(loaded, day, known)).as_json()["compliance"]
    if as_json:
        print_json(
            {
                "as_of": day,
                "known_on": known,
                "events_of_default": data["events_of_default"],
                "options": data["options"],
            }
        )
        return
    out = wide_console(120)
    rows = []
    for e in data["events_of_default"]:
        history = ", ".join(f"{t['date']} {t['status']}" for t in e["timeline"])
        rows.append([e["id"], e["kind"], e["status"], e["waived_by"], history, e["cite"]])
    out.print(
        _table(
            f"Events of Default as of {day}",
            ["id", "kind", "status", "waived by", "timeline", "cite"],
            rows,
            set(),
        )
    )
    out.print(
        _table(
            "Lender's options",
            ["subject", "option", "available from", "because", "cite"],
            [
                [o["subject"], o["option"], o["available_from"], "; ".join(o["because"]), o["cite"]]
                for o in data["options"]
            ],
            {"available from"},
        )
    )


def calendar(
    book: BookOrDb = None,
    db: DbOpt = None,
    start: Annotated[str, typer.Option("--from", help="first date (YYYY-MM-DD)")] = "",
    end: Annotated[str, typer.Option("--to", help="last date (YYYY-MM-DD)")] = "",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="statuses as of (default: --to)")
    ] = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The obligations calendar: every dated duty from --from to --to, with its status."""
    from loanbook.compliance import service
    from loanbook.compliance.report import calendar_json

    first = _date(start or None, "--from")
    last = _date(end or None, "--to")
    if last < first:
        fail(ValidationError(Issue("--to", "to", f"{last} is before --from {first}")))
    loaded = _book(book, db, _date(known_on, "--known-on") if known_on else None)
    day = _date(as_of, "--as-of", last)
    known = _date(known_on, "--known-on") if known_on else None
    items = guarded(lambda: service.obligations(loaded, day, first, last, known))
    data = {
        "calendar": {
            "from": first,
            "to": last,
            "as_of": day,
            "items": [calendar_json(i) for i in items],
        }
    }
    if as_json:
        print_json(data)
        return
    wide_console(120).print(
        _table(
            f"Obligations {first} to {last} (status as of {day})",
            ["date", "kind", "description", "status", "cite"],
            [[i.date, i.kind, i.description, i.status, i.cite] for i in items],
            {"date"},
        )
    )


def collateral(
    book: BookOrDb = None,
    db: DbOpt = None,
    as_of: AsOfOpt = None,
    known_on: KnownOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Collateral items and where they are, liens, consents, guarantors."""
    from loanbook.compliance import service

    loaded, day, known = _ask(book, db, as_of, known_on)
    data = guarded(lambda: service.collateral(loaded, day, known))
    if as_json:
        print_json({"collateral": data})
        return
    out = wide_console(120)
    out.print(
        _table(
            f"Collateral as of {day}",
            ["item", "kind", "serial", "location", "since", "cost", "liens", "cite"],
            [
                [
                    i["id"],
                    i["kind"],
                    i["serial"],
                    i["location"],
                    i["since"],
                    i["cost"],
                    ", ".join(i["liens"]),
                    i["cite"],
                ]
                for i in data["items"]
            ],
            {"since", "cost"},
        )
    )
    out.print(
        _table(
            "Liens",
            ["lien", "secured party", "grantor", "priority", "from", "secures", "cite"],
            [
                [
                    lien["id"],
                    lien["secured_party"],
                    lien["grantor"],
                    lien["priority"],
                    lien["from"],
                    lien["secures"],
                    lien["cite"],
                ]
                for lien in data["liens"]
            ],
            {"from", "priority"},
        )
    )
    out.print(
        _table(
            "Consents",
            ["consent", "by", "to", "effective", "subject to", "cite"],
            [
                [c["id"], c["by"], c["to"], c["effective"], c["subject_to"], c["cite"]]
                for c in data["consents"]
            ],
            {"effective"},
        )
    )
    out.print(
        _table(
            "Guarantors",
            ["guarantor", "party", "guarantees", "consents", "cite"],
            [
                [g["id"], g["party"], g["guarantees"], ", ".join(g["consents"]), g["cite"]]
                for g in data["guarantors"]
            ],
            set(),
        )
    )


# -- recording -----------------------------------------------------------------------------
KINDS = (
    "statement",
    "satisfaction",
    "move",
    "notice",
    "creditor-action",
    "non-payment",
    "election",
)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            fail(ValidationError(Issue(option, option.lstrip("-"), f"{item!r} is not NAME=VALUE")))
        out[name.strip()] = value.strip()
    return out


def _fact(kind: str, opts: dict[str, Any]) -> tuple[dict[str, Any], date, str]:
    """The fact a KIND and its options state, its date, and a title."""
    from loanbook.money import parse_amount

    day = _date(opts["date"], "--date") if kind != "statement" else None
    if kind == "statement":
        received = _date(opts["received"], "--received")
        period = _date(opts["period_end"], "--period-end")
        items = {}
        for name, text in _pairs(opts["item"] or [], "--item").items():
            try:
                items[name] = str(parse_amount(text))
            except ValueError as exc:
                fail(ValidationError(Issue("--item", name, str(exc))))
        fact = {
            "kind": "statement",
            "id": opts["id"] or f"fs-{opts['borrower']}-{period}",
            "borrower": opts["borrower"],
            "period_end": period,
            "received": received,
            "items": items,
            "source": opts["source"] or "recorded from the command line",
        }
        if opts["label"]:
            fact["label"] = opts["label"]
        return fact, received, f"financial statement for {period}"
    assert day is not None
    if kind == "satisfaction":
        return (
            {
                "kind": "satisfaction",
                "condition": opts["condition"],
                "date": day,
                "note": opts["note"],
            },
            day,
            f"condition {opts['condition']} satisfied",
        )
    if kind == "move":
        return (
            {
                "kind": "move",
                "item": opts["collateral"],
                "to": opts["to"],
                "date": day,
                "note": opts["note"],
            },
            day,
            f"{opts['collateral']} moved to {opts['to']}",
        )
    if kind == "notice":
        return (
            {
                "kind": "notice",
                "id": opts["id"] or f"notice-{day}",
                "date": day,
                "to": opts["to"] or "",
                "subject": opts["subject"] or "collateral_move",
                "serials": list(opts["serial"] or []),
                "note": opts["note"],
            },
            day,
            "written notice to the lender",
        )
    if kind == "creditor-action":
        return (
            {
                "kind": "creditor_action",
                "instrument": opts["instrument"],
                "action": opts["action"] or "seeks_acceleration",
                "date": day,
                "note": opts["note"],
            },
            day,
            f"holder of {opts['instrument']} acts",
        )
    return (
        {
            "kind": "non_payment",
            "instrument": opts["instrument"],
            "date": day,
            "note": opts["note"],
        },
        day,
        f"{opts['instrument']} not paid",
    )


def _dump(data: Any) -> str:
    import yaml

    class _TreeDumper(yaml.SafeDumper):
        """YAML without anchors and aliases: term files refuse aliases (no alias bombs), so a
        value used twice (a date) is written out twice."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

    return yaml.dump(data, Dumper=_TreeDumper, sort_keys=False, allow_unicode=True)


def _document(kind: str, opts: dict[str, Any], recorded: date | None) -> tuple[str, str]:
    fact, day, title = _fact(kind, opts)
    body = _dump([fact])
    digest = hashlib.sha256(body.encode()).hexdigest()[:8]
    doc_id = f"{kind}-{day}-{digest}"
    head = {
        "id": doc_id,
        "title": title,
        "kind": "statement" if kind == "statement" else "notice",
        "date": day,
        "recorded": recorded or _today(),
    }
    text = _dump({"document": head, "facts": [fact]})
    return doc_id, text


def record_compliance(
    kind: Annotated[str | None, typer.Argument(help=f"{'|'.join(KINDS)} (or give --file)")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="a compliance document (YAML), e.g. a waiver")
    ] = None,
    on: Annotated[str | None, typer.Option("--date", help="the fact's date (YYYY-MM-DD)")] = None,
    recorded_on: Annotated[
        str | None, typer.Option("--recorded-on", help="record date (default: today, UTC)")
    ] = None,
    doc_id: Annotated[str | None, typer.Option("--id", help="statement or notice id")] = None,
    borrower: Annotated[str, typer.Option("--borrower", help="statement: borrower")] = "",
    period_end: Annotated[
        str | None, typer.Option("--period-end", help="statement: period end")
    ] = None,
    received: Annotated[
        str | None, typer.Option("--received", help="statement: date received")
    ] = None,
    item: Annotated[
        list[str] | None, typer.Option("--item", help="statement: NAME=AMOUNT (repeat)")
    ] = None,
    source: Annotated[str, typer.Option("--source", help="statement: where from")] = "",
    label: Annotated[str, typer.Option("--label", help="statement: e.g. invented")] = "",
    condition: Annotated[str, typer.Option("--condition", help="satisfaction: id")] = "",
    collateral_item: Annotated[str, typer.Option("--collateral", help="move: item id")] = "",
    to: Annotated[str, typer.Option("--to", help="move: location; notice: addressee")] = "",
    serial: Annotated[
        list[str] | None, typer.Option("--serial", help="notice: a serial number (repeat)")
    ] = None,
    subject: Annotated[
        str, typer.Option("--subject", help="notice: collateral_move|other; election: loan")
    ] = "",
    instrument: Annotated[
        str, typer.Option("--instrument", help="creditor-action, non-payment: debt id")
    ] = "",
    action: Annotated[
        str, typer.Option("--action", help="creditor-action: seeks_acceleration|...")
    ] = "",
    option: Annotated[
        str, typer.Option("--option", help="election: default_rate|acceleration")
    ] = "",
    cite: Annotated[str, typer.Option("--cite", help="election: the clause")] = "",
    key: Annotated[str | None, typer.Option("--key", help="election: idempotency key")] = None,
    note: Annotated[str, typer.Option("--note", help="a note kept with the fact")] = "",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a compliance fact or document in the stored book (validated; idempotent)."""
    from loanbook.cli.store import _opened
    from loanbook.storage.documents import record_document

    if (kind is None) == (file is None):
        fail(
            ValidationError(
                Issue(
                    "record-compliance",
                    "kind",
                    f"give a KIND ({', '.join(KINDS)}) or --file, not both",
                )
            )
        )
    if kind is not None and kind not in KINDS:
        fail(
            ValidationError(
                Issue("record-compliance", "kind", f"unknown kind {kind!r} ({', '.join(KINDS)})")
            )
        )
    if kind == "election":
        _record_election(db, subject, option, on, cite, key, as_json)
        return
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(ValidationError(Issue(str(file), "file", str(exc))))
        source = f"compliance/{file.name}"
        where = str(file)
    else:
        assert kind is not None
        opts = {
            "date": on,
            "id": doc_id,
            "borrower": borrower,
            "period_end": period_end,
            "received": received,
            "item": item,
            "source": source,
            "label": label,
            "condition": condition,
            "collateral": collateral_item,
            "to": to,
            "serial": serial,
            "subject": subject,
            "instrument": instrument,
            "action": action,
            "note": note,
        }
        recorded = _date(recorded_on, "--recorded-on") if recorded_on else None
        name, text = _document(kind, opts, recorded)
        source = where = f"compliance/{name}.yaml"
    with _opened(db) as store:
        result = guarded(lambda: record_document(store, text, where))
    if as_json:
        print_json({"document": result.id, "added": result.added, "source": source})
    elif result.added:
        console.print(f"recorded {result.id}", markup=False)
    else:
        console.print(f"already recorded {result.id} (nothing changed)", markup=False)


def _record_election(
    db: str | None,
    subject: str,
    option: str,
    on: str | None,
    cite: str,
    key: str | None,
    as_json: bool,
) -> None:
    """An election is an event the engines act on: a ``notice`` with subject
    ``default_rate`` (the revolving engine charges the default margin from its date) or an
    ``acceleration`` (the term-loan engine makes everything due)."""
    from loanbook.cli.store import _opened
    from loanbook.compliance import service
    from loanbook.engine.events import LoanEvent
    from loanbook.storage.record import Incoming, record_events

    if option not in service.ELECTION_KINDS:
        fail(
            ValidationError(
                Issue("--option", "option", f"{option!r} is not default_rate or acceleration")
            )
        )
    if not subject:
        fail(ValidationError(Issue("--subject", "subject", "required (the loan elected on)")))
    day = _date(on, "--date")
    detail = (("subject", "default_rate"),) if option == "default_rate" else ()
    if cite:
        detail = (*detail, ("cite", cite))
    event = LoanEvent(
        day,
        subject,
        service.ELECTION_KINDS[option],
        None,
        f"election: {option}",
        key or f"election-{option}-{subject}-{day}",
        detail,
    )
    with _opened(db) as store:
        result = guarded(lambda: record_events(store, [Incoming(event)]))
    if as_json:
        print_json({"added": list(result.added), "existing": list(result.existing)})
        return
    for k in result.added:
        console.print(f"recorded {k}", markup=False)
    for k in result.existing:
        console.print(f"already recorded {k} (nothing changed)", markup=False)


def register(app: typer.Typer) -> None:
    """Add the compliance commands to the ``loanbook`` CLI."""
    app.command("compliance")(compliance)
    app.command("defaults")(defaults)
    app.command("calendar")(calendar)
    app.command("collateral")(collateral)
    app.command("record-compliance")(record_compliance)
