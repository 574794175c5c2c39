"""Bulk inserts on the raw DBAPI connection, inside the caller's SQLAlchemy transaction.

The hot path inserts hundreds of thousands of rows a second; building SQLAlchemy statements or ORM
objects per row would cost more than the database does. SQLite gets multi-row ``INSERT … VALUES``
statements through ``executemany``; PostgreSQL gets ``COPY … FROM STDIN``, its fastest way in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection

__all__ = ["Rows", "insert_rows"]


class Rows:
    """A table's rows as one flat, row-major list of values: what multi-row INSERTs bind.

    Columnar code fills it a column at a time (``values[k::width] = column``) without building a tuple
    per row; row-at-a-time code appends tuples. Both read back as tuples.
    """

    __slots__ = ("values", "width")

    def __init__(self, width: int, values: list[Any] | None = None) -> None:
        self.width = width
        self.values: list[Any] = [] if values is None else values

    @classmethod
    def from_columns(cls, columns: Sequence[Sequence[Any]]) -> Rows:
        """Rows from equally long columns (the first column's length is the row count)."""
        width, count = len(columns), len(columns[0])
        values: list[Any] = [None] * (width * count)
        for k, column in enumerate(columns):
            values[k::width] = column
        return cls(width, values)

    def __len__(self) -> int:
        return len(self.values) // self.width

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rows):
            return self.width == other.width and self.values == other.values
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Rows({list(self)!r})"

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*[iter(self.values)] * self.width, strict=True)

    def append(self, row: Sequence[Any]) -> None:
        self.values.extend(row)

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        if isinstance(rows, Rows):
            self.values.extend(rows.values)
        else:
            self.values.extend(chain.from_iterable(rows))

    def absorb(self, rows: Rows) -> None:
        """Add ``rows``, taking their list over when this is empty (no copy): ``rows`` is used up."""
        if self.values:
            self.values.extend(rows.values)
        else:
            self.values = rows.values
        rows.values = []

    def where(self, keep: Callable[[tuple[Any, ...]], bool]) -> Rows:
        return Rows(self.width, list(chain.from_iterable(row for row in self if keep(row))))


# Rows per SQLite INSERT statement (3,000 rows of 10 columns stay under SQLite's 32,766 variables).
# A multi-row statement binds the same values as as many one-row statements but is stepped once, and
# sqlite3 releases the GIL while SQLite steps it: stepping per row cost a third of the insert in
# Python overhead, and handed the GIL back and forth with every other thread once per row.
_SQLITE_ROWS_PER_STATEMENT = 3000
_SQLITE_MAX_VARIABLES = 32766


def _sqlite_insert(cursor: Any, head: str, width: int, flat: list[Any]) -> None:
    per = max(1, min(_SQLITE_ROWS_PER_STATEMENT, _SQLITE_MAX_VARIABLES // width))
    one = "(" + ",".join("?" * width) + ")"
    count = len(flat) // width
    full = count // per * per
    if full:
        step = per * width
        batches = [flat[i : i + step] for i in range(0, full * width, step)]
        cursor.executemany(head + ",".join([one] * per), batches)
    # The rest in statements of power-of-two row counts: sqlite3 caches every statement it prepares
    # (a 3,000-row INSERT holds megabytes), so a statement of each odd count made memory grow with
    # every batch of a large import; these are a dozen sizes, prepared once.
    at = full
    while at < count:
        rows = 1 << ((count - at).bit_length() - 1)
        cursor.execute(head + ",".join([one] * rows), flat[at * width : (at + rows) * width])
        at += rows


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Rows | Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples or :class:`Rows` in ``columns`` order; JSON columns as encoded text)."""
    if not rows:
        return
    flat = rows.values if isinstance(rows, Rows) else list(chain.from_iterable(rows))
    width = len(columns)
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conn.dialect.name == "sqlite":
            _sqlite_insert(cursor, f'INSERT INTO "{table}" ({cols}) VALUES ', width, flat)
        else:
            with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for start in range(0, len(flat), width):
                    copy.write_row(flat[start : start + width])
    finally:
        cursor.close()
