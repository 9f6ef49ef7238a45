"""Which database a command uses: ``--db PATH|URL``, else ``LOANBOOK_DATABASE_URL``, else
``loanbook.db`` (a SQLite file next to the user; ``loanbook init`` creates the book)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from loanbook.errors import Issue, LoanbookError

ENV_VAR = "LOANBOOK_DATABASE_URL"
DEFAULT_DB = "loanbook.db"


def given_database() -> str:
    """The book used when no ``--db`` is given, as the user wrote it."""
    return os.environ.get(ENV_VAR) or DEFAULT_DB


SUPPORTED = (
    "Loanbook supports SQLite (a file path, or sqlite:///PATH) and PostgreSQL "
    "(postgresql://USER@HOST:PORT/DATABASE)"
)
_SCHEMES = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite+pysqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


def database_url(db: str | os.PathLike[str] | None = None) -> str:
    """The SQLAlchemy URL for ``db`` (a path or a URL); PostgreSQL URLs use psycopg 3.

    Any other database, or a URL SQLAlchemy cannot read, is refused with one clear issue."""
    text = str(db) if db is not None else given_database()
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser()}"
    scheme, rest = text.split("://", 1)
    if scheme.lower() not in _SCHEMES:
        raise LoanbookError(
            Issue(describe(text), "db", f"unsupported database {scheme!r}: {SUPPORTED}")
        )
    url = f"{_SCHEMES[scheme.lower()]}://{rest}"
    try:
        make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise LoanbookError(
            Issue(describe(text), "db", f"not a valid database URL ({exc}); {SUPPORTED}")
        ) from None
    return url


def describe(url: str) -> str:
    """The URL without a password, for messages."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}@{host}"
