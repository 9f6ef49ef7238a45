"""Schema migrations, run from code (no alembic.ini): ``upgrade`` on first use and ``init``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from loanbook.storage.db import WRITE

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str:
    """The newest revision shipped with this version of Loanbook."""
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None
    return rev


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: not a Loanbook book yet)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the database to ``revision``; safe when several processes do it at once."""
    cfg = _config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn.execution_options(**{WRITE: True})
        command.upgrade(cfg, revision)
    rev = current(engine)
    assert rev is not None
    return rev


def ensure(engine: Engine) -> None:
    """Create or upgrade the schema if it is not at head (a cheap check when it is)."""
    if current(engine) != head():
        upgrade(engine)
