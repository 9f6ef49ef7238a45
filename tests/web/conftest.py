"""The web pages use the API tests' book and users."""

from tests.api.conftest import api_sqlite, template_db

__all__ = ["api_sqlite", "template_db"]
