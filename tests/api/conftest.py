"""Fixtures: the example book in a real database (SQLite file or a PostgreSQL schema), a
user of every role for each party, and an API client over the app.

The book is the example book with the CIT note's remittances after 1996 left out, so that
tests can record them through the API (the 1996 ones stay: the note is current at the end
of 1996). SQLite copies one imported file per test; PostgreSQL imports afresh per test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loanbook.api.app import create_app
from loanbook.api.operations import Settings
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from loanbook.storage.users import Role, add_user
from tests.conftest import EXAMPLE
from tests.storage.conftest import fresh_db

#: When the fixture book was imported (record time), so that known-on reads can go before
#: what the tests record now.
IMPORTED = datetime(2020, 1, 1, tzinfo=UTC)

#: user name -> (role, party): every role, for CIT, Congress and the two borrowers.
USERS = {
    "cit-ops": (Role.LENDER, "cit"),
    "cit-ops2": (Role.LENDER, "cit"),
    "cit-admin": (Role.ADMIN, "cit"),
    "cit-auditor": (Role.AUDITOR, "cit"),
    "congress-ops": (Role.LENDER, "congress"),
    "congress-admin": (Role.ADMIN, "congress"),
    "congress-auditor": (Role.AUDITOR, "congress"),
    "lpc-treasurer": (Role.BORROWER, "lpc"),
    "lrg-treasurer": (Role.BORROWER, "lrg"),
}


def book_folder(target: Path) -> Path:
    """The example book without the CIT note's payments after 1996."""
    folder = target / "book"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("seeds", "*.py"))
    events = folder / "events" / "term-note-payments.csv"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    events.write_text("".join(line for line in lines if ",cit-note," not in line), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One imported SQLite book per test process, copied by each test."""
    base = tmp_path_factory.mktemp("api-template")
    path = base / "book.db"
    with Store.open(str(path)) as store:
        import_folder(store, book_folder(base), IMPORTED)
    return path


@dataclass
class Api:
    store: Store
    client: TestClient
    tokens: dict[str, str]

    def headers(self, user: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}", **extra}

    def get(self, user: str, url: str) -> object:
        return self.client.get(url, headers=self.headers(user))


def make_api(url: str, settings: Settings | None = None) -> Iterator[Api]:
    with Store.open(url) as store:
        tokens = {
            name: add_user(store, name, role, party)[1] for name, (role, party) in USERS.items()
        }
        app = create_app(store, settings or Settings(texts=EXAMPLE))
        with TestClient(app) as client:
            yield Api(store, client, tokens)


@pytest.fixture
def api_sqlite(template_db: Path, tmp_path: Path) -> Iterator[Api]:
    path = tmp_path / "book.db"
    shutil.copy(template_db, path)
    yield from make_api(f"sqlite:///{path}")


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request: pytest.FixtureRequest, template_db: Path, tmp_path: Path) -> Iterator[Api]:
    """The API over SQLite and over PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "book.db"
        shutil.copy(template_db, path)
        yield from make_api(f"sqlite:///{path}")
        return
    with fresh_db("postgresql", tmp_path) as url:
        with Store.open(url) as store:
            import_folder(store, book_folder(tmp_path), IMPORTED)
        yield from make_api(url)
