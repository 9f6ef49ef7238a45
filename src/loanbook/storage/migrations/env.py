"""Alembic environment: always online, on the connection ``loanbook.storage.migrate`` passes."""

from __future__ import annotations

from alembic import context

from loanbook.storage.schema import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes creating the same book at once: the second waits, then sees head.
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727001)")
    context.run_migrations()
