"""Property-based tests of the whole API from its own OpenAPI document (schemathesis): no
answer is a server error, and every answer matches its documented status, media type and
schema. The number of examples per endpoint is bounded so the run takes about a minute.

The app is made when the module is collected (schemathesis reads its OpenAPI document
then) over an empty SQLite book; the example book is imported before the first request.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from loanbook.api.app import create_app
from loanbook.api.operations import Settings
from loanbook.storage.importer import import_folder
from loanbook.storage.store import Store
from loanbook.storage.users import Role, add_user
from tests.api.conftest import IMPORTED, book_folder
from tests.conftest import EXAMPLE

EXAMPLES = 10  # per endpoint: 29 endpoints x 10 requests, under a minute on two cores

_folder = Path(tempfile.mkdtemp(prefix="loanbook-schemathesis-"))
atexit.register(shutil.rmtree, _folder, True)
_store = Store.open(f"sqlite:///{_folder / 'book.db'}")
_token: list[str] = []
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(_store, Settings(texts=EXAMPLE))
)


def _token_for_a_filled_book() -> str:
    if not _token:
        import_folder(_store, book_folder(_folder), IMPORTED)
        _token.append(add_user(_store, "fuzz", Role.LENDER, "cit")[1])
    return _token[0]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {_token_for_a_filled_book()}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
