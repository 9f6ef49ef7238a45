"""Many rows at once: PostgreSQL's ``COPY``, else the driver's ``executemany``, with values
already in the driver's form.

Close of business writes hundreds of thousands of rows. Through ``insert(Table)`` SQLAlchemy
builds a dictionary per row and runs each value through its column type's bind processor
(aware timestamps to naive UTC), then the driver adapts dates and times (SQLite's ``sqlite3``
calls a Python adapter per value); most of those values repeat (the day, the time stamp, the
value dates). Here the caller converts each such value once (``value``: the column type's own
processor, then the driver's own adapter, memoised), rows are plain tuples, and one
``executemany`` of the driver (through SQLAlchemy, so a duplicate key is still an
``IntegrityError``) writes them: the values stored are exactly those ``insert(Table)`` stores.

On PostgreSQL through psycopg the rows go by ``COPY ... FROM STDIN`` on the same connection
and transaction instead: one statement for all the rows, no per-row parse, bind and execute
(a per-row INSERT's cost, even pipelined). The table's constraints hold as for an INSERT (a
duplicate key refuses the whole COPY, raised as SQLAlchemy's ``IntegrityError``, as an
INSERT's is), so close of business stays append-only and idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_KEPT = 4096  # converted values kept per column (days and stamps repeat; bounded all the same)


def _driver_adapters(dialect: Dialect) -> dict[type, Callable[[Any], Any]]:
    """The driver's own Python adapters (SQLite: dates and datetimes to ISO text)."""
    if dialect.name != "sqlite":
        return {}
    import sqlite3

    return {
        kind: fn
        for (kind, proto), fn in sqlite3.adapters.items()
        if proto is sqlite3.PrepareProtocol
    }


class BulkInsert:
    """INSERT into ``table`` of rows given as tuples in ``columns`` order, each value either
    plain (text, integers: the driver takes them as they are) or passed through ``value``."""

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        mark = _MARKS.get(dialect.paramstyle)
        self.sql: str | None = None
        self.copy_sql: str | None = None
        if mark is not None:  # SQLite's and psycopg's styles; any other: insert(table)
            quote = dialect.identifier_preparer.quote
            names = ", ".join(quote(c) for c in self.columns)
            marks = ", ".join([mark] * len(self.columns))
            table_name = dialect.identifier_preparer.format_table(table)
            self.sql = f"INSERT INTO {table_name} ({names}) VALUES ({marks})"
            if dialect.name == "postgresql" and dialect.driver == "psycopg":
                self.copy_sql = f"COPY {table_name} ({names}) FROM STDIN"
        adapters = _driver_adapters(dialect) if self.sql is not None else {}
        self._convert: dict[str, Callable[[Any], Any]] = {}
        self._memo: dict[str, dict[Any, Any]] = {}
        for name in self.columns:
            proc = table.c[name].type.bind_processor(dialect) if self.sql is not None else None
            self._convert[name] = _converter(proc, adapters)
            self._memo[name] = {}

    def value(self, column: str, value: Any) -> Any:
        """``value`` as the driver is to receive it for ``column`` (converted once)."""
        if value is None:
            return None
        memo = self._memo[column]
        found = memo.get(value)
        if found is None:
            if len(memo) >= _KEPT:
                memo.clear()
            found = memo[value] = self._convert[column](value)
        return found

    def execute(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.sql is None:  # values were left as they are (no converter): SQLAlchemy's way
            params = [dict(zip(self.columns, r, strict=True)) for r in rows]
            conn.execute(insert(self.table), params)
            return
        if self.copy_sql is not None:
            _copy(conn, self.copy_sql, rows)
            return
        conn.exec_driver_sql(self.sql, list(rows))


def _copy(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """``rows`` by psycopg's ``COPY`` on ``conn``'s connection, inside its transaction."""
    import psycopg

    driver = conn.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:  # as SQLAlchemy raises an INSERT's (IntegrityError, ...)
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from None


def _converter(
    proc: Callable[[Any], Any] | None, adapters: dict[type, Callable[[Any], Any]]
) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if proc is not None:
            value = proc(value)
        adapt = adapters.get(type(value))
        return adapt(value) if adapt is not None else value

    return convert
