"""Which database a command uses: ``--db PATH|URL``, else ``LOANBOOK_DATABASE_URL``, else
``loanbook.db`` (a SQLite file next to the user; ``loanbook init`` creates the book)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "LOANBOOK_DATABASE_URL"
DEFAULT_DB = "loanbook.db"


def given_database() -> str:
    """The book used when no ``--db`` is given, as the user wrote it."""
    return os.environ.get(ENV_VAR) or DEFAULT_DB


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL for ``db`` (a path or a URL); PostgreSQL URLs use psycopg 3."""
    text = str(db) if db is not None else given_database()
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser()}"
    scheme, rest = text.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg://{rest}"
    return text


def describe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
