"""The HTTP API (FastAPI): the same service layer as the CLI, for a lender's systems.

- ``app``: the application (API, web pages, health); ``loanbook serve`` runs it.
- ``routes`` / ``models``: the ``/api/v1`` endpoints and their pydantic models.
- ``operations``: the use cases for one signed-in user (tenancy, four eyes), shared with the
  web pages; ``access``: who may see and change what; ``problems``: RFC 9457 errors.
"""
