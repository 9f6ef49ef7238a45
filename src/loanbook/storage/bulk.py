"""Many rows in one statement: the driver's ``executemany`` with values already in its form.

Close of business writes hundreds of thousands of rows. Through ``insert(Table)`` SQLAlchemy
builds a dictionary per row and runs each value through its column type's bind processor
(dates to text on SQLite, aware timestamps to naive UTC); most of the values repeat (the day,
the time stamp, the value dates). Here each column type's own processor runs once per distinct
value, rows are plain tuples, and one ``executemany`` of the driver (through SQLAlchemy, so a
duplicate key is still an ``IntegrityError``) writes them: the values stored are exactly those
``insert(Table)`` stores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


class BulkInsert:
    """INSERT into ``table`` of rows given as tuples in ``columns`` order."""

    def __init__(self, dialect: Dialect, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        mark = _MARKS.get(dialect.paramstyle)
        self.sql: str | None = None
        if mark is not None:  # SQLite's and psycopg's styles; any other: insert(table)
            quote = dialect.identifier_preparer.quote
            names = ", ".join(quote(c) for c in self.columns)
            marks = ", ".join([mark] * len(self.columns))
            table_name = dialect.identifier_preparer.format_table(table)
            self.sql = f"INSERT INTO {table_name} ({names}) VALUES ({marks})"
        self._processors: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = []
        for i, name in enumerate(self.columns):
            proc = table.c[name].type.bind_processor(dialect)
            if proc is not None:
                self._processors.append((i, proc, {}))

    def _bound(self, rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not self._processors:
            return list(rows)
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for i, proc, memo in self._processors:
                value = values[i]
                if value is not None:
                    found = memo.get(value)
                    if found is None:
                        found = memo[value] = proc(value)
                    values[i] = found
            out.append(tuple(values))
        for _, _, memo in self._processors:
            if len(memo) > 4096:  # bounded: value dates and stamps repeat, keys do not
                memo.clear()
        return out

    def execute(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.sql is None:
            params = [dict(zip(self.columns, r, strict=True)) for r in rows]
            conn.execute(insert(self.table), params)
            return
        conn.exec_driver_sql(self.sql, self._bound(rows))
