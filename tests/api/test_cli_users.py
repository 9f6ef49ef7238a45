"""``loanbook users``: the token is printed once, alone on the last line, stored hashed, and
revocable; ``loanbook serve`` is registered with a help line for every option."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from loanbook.cli.main import app
from loanbook.storage.access_tables import TokenRow
from loanbook.storage.store import Store
from loanbook.storage.users import authenticate, sha256

runner = CliRunner()


def test_users_add_list_revoke(tmp_path: Path) -> None:
    db = str(tmp_path / "book.db")
    assert runner.invoke(app, ["init", "--db", db]).exit_code == 0  # only init creates a book
    added = runner.invoke(
        app, ["users", "add", "ann", "--role", "lender", "--party", "cit", "--db", db]
    )
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    assert token.startswith("lbk_") and " " not in token
    with Store.open(db) as store:
        user = authenticate(store, token)
        assert user is not None and (user.name, user.role.value, user.party) == (
            "ann",
            "lender",
            "cit",
        )
        with store.read() as conn:
            stored = conn.execute(select(TokenRow.token_sha256)).scalars().all()
        assert stored == [sha256(token)]  # only the hash is kept
    listed = runner.invoke(app, ["users", "list", "--db", db, "--json"])
    assert json.loads(listed.output) == [
        {"name": "ann", "role": "lender", "party": "cit", "live_tokens": 1}
    ]
    again = runner.invoke(
        app, ["users", "add", "ann", "--role", "lender", "--party", "cit", "--db", db]
    )
    assert again.exit_code == 1 and "already exists" in again.output
    bad = runner.invoke(
        app, ["users", "add", "bob", "--role", "boss", "--party", "cit", "--db", db]
    )
    assert bad.exit_code == 1 and "unknown role 'boss'" in bad.output
    revoked = runner.invoke(app, ["users", "revoke", "ann", "--db", db])
    assert revoked.exit_code == 0 and "revoked 1 token" in revoked.output
    with Store.open(db) as store:
        assert authenticate(store, token) is None
    fresh = runner.invoke(app, ["users", "token", "ann", "--db", db])
    with Store.open(db) as store:
        assert authenticate(store, fresh.output.strip().splitlines()[-1]) is not None


def test_serve_has_a_help_line_for_every_option() -> None:
    result = runner.invoke(app, ["serve", "--help"], terminal_width=120)
    assert result.exit_code == 0
    for option in ("--db", "--host", "--port", "--texts", "--four-eyes-above", "--four-eyes"):
        assert option in result.output
