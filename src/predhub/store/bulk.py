"""Bulk inserts on the raw DBAPI connection, inside the caller's SQLAlchemy transaction.

The hot path inserts hundreds of thousands of rows a second; building SQLAlchemy statements or ORM
objects per row would cost more than the database does. SQLite gets ``executemany`` (a prepared
statement stepped per row in C); PostgreSQL gets ``COPY … FROM STDIN``, its fastest way in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

__all__ = ["insert_rows"]


def insert_rows(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order; JSON columns as already-encoded text)."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "sqlite":
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', rows)
        else:
            with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
    finally:
        cursor.close()
