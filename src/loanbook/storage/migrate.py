"""Schema migrations, run from code (no alembic.ini): ``upgrade`` on first use and ``init``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from loanbook.errors import Issue, LoanbookError
from loanbook.storage.db import WRITE

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest revision; a test checks it is Alembic's head. Knowing it lets every command
#: check the schema with one query, without loading Alembic.
HEAD = "0002"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    """The newest revision shipped with this version of Loanbook (from the scripts)."""
    from alembic.script import ScriptDirectory

    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: not a Loanbook book yet)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the database to ``revision``; safe when several processes do it at once."""
    from alembic import command
    from alembic.script import ScriptDirectory

    cfg = _config()
    at = current(engine)
    if at is not None and at not in {
        s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()
    }:
        raise _unknown(engine, at)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(**{WRITE: True})
        command.upgrade(cfg, revision)
    rev = current(engine)
    assert rev is not None
    return rev


def ensure(engine: Engine) -> None:
    """Create or upgrade the schema if it is not at head (one query when it is)."""
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:  # no table yet: a new book
        found = []
    if found != [HEAD]:
        upgrade(engine)


def _unknown(engine: Engine, rev: str) -> LoanbookError:
    return LoanbookError(
        Issue(
            engine.url.render_as_string(hide_password=True),
            "schema",
            f"the book is at schema revision {rev!r}, which this version of Loanbook does not "
            f"know (it knows up to {HEAD}); was it written by a newer Loanbook?",
        )
    )
