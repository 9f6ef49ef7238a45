"""``loanbook serve`` (the API and web application) and ``loanbook users`` (who may use it).

``users add`` prints the new token once, alone on the last line of its output: only its
hash is stored, so it cannot be shown again (``users token`` makes another one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from loanbook.cli.common import JsonOpt, console, err_console, fail, print_json
from loanbook.cli.store import DbOpt, _guard, _opened
from loanbook.errors import Issue, ValidationError
from loanbook.money import parse_amount

users_app = typer.Typer(help="Users of the API and web application: add, list, revoke.")

ROLE_HELP = "lender | borrower | auditor | admin"


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    texts: Annotated[
        Path | None,
        typer.Option(
            "--texts",
            help="book folder whose term files name the agreements' own text (clause links); "
            "default: examples/lexington if present",
        ),
    ] = None,
    four_eyes_above: Annotated[
        str,
        typer.Option(
            "--four-eyes-above",
            help="payments and prepayments above this amount wait for a second user; "
            "'none' for no limit",
        ),
    ] = "1000000.00",
    four_eyes: Annotated[
        str,
        typer.Option(
            "--four-eyes",
            help="comma-separated kinds that wait for a second user "
            "(waiver, acceleration, correction, default_rate, document; '' for none)",
        ),
    ] = "waiver,acceleration,correction,default_rate,document",
) -> None:
    """Serve the HTTP API (/api/v1, /openapi.json) and the web application (/)."""
    import uvicorn

    from loanbook.api.app import create_app
    from loanbook.api.operations import Settings

    limit = None
    if four_eyes_above.strip().lower() != "none":
        try:
            limit = parse_amount(four_eyes_above)
        except ValueError as exc:
            fail(ValidationError(Issue("--four-eyes-above", "amount", str(exc))))
    kinds = frozenset(k.strip() for k in four_eyes.split(",") if k.strip())
    folder = texts if texts is not None else Path("examples/lexington")
    settings = Settings(kinds, limit, folder if folder.is_dir() else None)
    with _opened(db) as store:
        app = create_app(store, settings)
        err_console.print(
            f"Loanbook on http://{host}:{port}/ (API /api/v1, /openapi.json) - {store.name}",
            markup=False,
        )
        uvicorn.run(app, host=host, port=port, log_level="warning")


def add(
    name: Annotated[str, typer.Argument(help="user name (letters, digits, . _ @ -)")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
    party: Annotated[str, typer.Option("--party", help="party id of the terms, e.g. cit, lpc")],
    db: DbOpt = None,
) -> None:
    """Add a user; its API token is printed once, alone on the last line."""
    from loanbook.storage.users import add_user, parse_role

    with _opened(db) as store:
        parsed = _guard(lambda: parse_role(role))
        user, token = _guard(lambda: add_user(store, name, parsed, party))
    console.print(
        f"added {user.name} ({user.role}, {user.party}); its token (shown once, stored hashed):",
        markup=False,
    )
    print(token)


def token(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOpt = None,
) -> None:
    """Make another token for a user; printed once, alone on the last line."""
    from loanbook.storage.users import new_token

    with _opened(db) as store:
        made = _guard(lambda: new_token(store, name))
    console.print(f"new token for {name} (shown once, stored hashed):", markup=False)
    print(made)


def revoke(
    name: Annotated[str, typer.Argument(help="user name")],
    db: DbOpt = None,
) -> None:
    """Revoke every token of a user (and end its browser sessions)."""
    from loanbook.storage.users import revoke as revoke_tokens

    with _opened(db) as store:
        count = _guard(lambda: revoke_tokens(store, name))
    console.print(f"revoked {count} token(s) of {name}", markup=False)


def list_users(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Every user, its role, party and number of live tokens."""
    from loanbook.storage.users import users

    with _opened(db) as store:
        found = users(store)
    if as_json:
        print_json(
            [
                {"name": u.name, "role": u.role.value, "party": u.party, "live_tokens": n}
                for u, n in found
            ]
        )
        return
    table = Table(title="Users")
    for col in ("name", "role", "party", "live tokens"):
        table.add_column(col, justify="right" if col == "live tokens" else "left")
    for u, n in found:
        table.add_row(u.name, u.role.value, u.party, str(n))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to the ``loanbook`` CLI."""
    app.command("serve")(serve)
    users_app.command("add")(add)
    users_app.command("token")(token)
    users_app.command("revoke")(revoke)
    users_app.command("list")(list_users)
    app.add_typer(users_app, name="users")
