"""The persistent book: an append-only event log and a posting ledger, SQLite or PostgreSQL.

- ``url``: which database (``--db PATH|URL``, ``LOANBOOK_DATABASE_URL``, ``loanbook.db``).
- ``schema`` / ``migrations`` / ``migrate``: the tables and their Alembic migrations, run
  from code on first use. Every table refuses UPDATE and DELETE (triggers).
- ``store``: the ``Store`` (a database and its transactions) and the pure ``Book`` it holds
  as known on a date; ``view`` runs it loan by loan.
- ``record`` / ``importer``: events and book folders in, validated first, idempotent by key.
- ``close``: close of business, day by day, resumable; corrections when the book learns late.
- ``postings`` / ``reports`` / ``audit`` / ``export``: the ledger out, ``status``,
  ``ledger``, ``check`` and the folder rebuilt.

Time: an event has a valid date (when it takes effect) and a recorded time (when the book
learned of it, UTC); a document has its own record date. ``known_on`` filters both. A
posting has a value date and ``posted_on``, the business day whose close posted it.
"""

from loanbook.storage.store import Store, StoredEvent
from loanbook.storage.url import database_url

__all__ = ["Store", "StoredEvent", "database_url"]
