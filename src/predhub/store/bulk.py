"""Bulk inserts on the raw DBAPI connection, inside the caller's SQLAlchemy transaction.

The hot path inserts hundreds of thousands of rows a second; building SQLAlchemy statements or ORM
objects per row would cost more than the database does. SQLite gets multi-row ``INSERT … VALUES``
statements through ``executemany``; PostgreSQL gets ``COPY … FROM STDIN``, its fastest way in.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection

__all__ = ["insert_rows"]

# Rows per SQLite INSERT statement. One multi-row statement binds the same values as that many
# one-row statements but is stepped once, and sqlite3 releases the GIL for each step: stepping per
# row cost a third of the insert in Python overhead and let no other thread run in between.
_SQLITE_ROWS_PER_STATEMENT = 500
_SQLITE_MAX_VARIABLES = 32766


def _sqlite_insert(cursor: Any, head: str, width: int, rows: Sequence[Sequence[Any]]) -> None:
    per = max(1, min(_SQLITE_ROWS_PER_STATEMENT, _SQLITE_MAX_VARIABLES // width))
    one = "(" + ",".join("?" * width) + ")"
    flat = list(chain.from_iterable(rows))
    full = len(rows) // per * per
    if full:
        step = per * width
        batches = [flat[i : i + step] for i in range(0, full * width, step)]
        cursor.executemany(head + ",".join([one] * per), batches)
    if full < len(rows):
        cursor.execute(head + ",".join([one] * (len(rows) - full)), flat[full * width :])


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order; JSON columns as already-encoded text)."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "sqlite":
            _sqlite_insert(cursor, f'INSERT INTO "{table}" ({cols}) VALUES ', len(columns), rows)
        else:
            with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
    finally:
        cursor.close()
