"""Bulk inserts: every row lands once, in order, whatever the row count against the statement size."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from predhub.store.bulk import insert_rows
from predhub.store.db import Database


@pytest.mark.parametrize("count", [0, 1, 499, 500, 1234])
def test_insert_rows_lands_every_row_with_its_values(db: Database, count: int) -> None:
    with db.write() as conn:
        conn.execute(text("CREATE TABLE bulk_probe (n INTEGER, label TEXT, x DOUBLE PRECISION, note TEXT)"))
    rows = [(i, f"row-{i}", i / 7, None if i % 3 else "third") for i in range(count)]
    with db.write() as conn:
        insert_rows(conn, "bulk_probe", ("n", "label", "x", "note"), rows)
    with db.read() as conn:
        stored = conn.execute(text("SELECT n, label, x, note FROM bulk_probe ORDER BY n")).all()
    assert [tuple(r) for r in stored] == rows


def test_a_failing_row_rolls_back_the_whole_insert(db: Database) -> None:
    with db.write() as conn:
        conn.execute(text("CREATE TABLE bulk_unique (n INTEGER PRIMARY KEY)"))
    with pytest.raises(Exception), db.write() as conn:  # noqa: B017 - the driver's own IntegrityError
        insert_rows(conn, "bulk_unique", ("n",), [(i,) for i in range(700)] + [(3,)])
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM bulk_unique")).scalar() == 0


def test_inserts_of_any_size_prepare_few_distinct_statements(db: Database) -> None:
    # sqlite3 keeps every statement it prepares: one per odd row count made a long import's memory grow.
    if not db.is_sqlite:
        pytest.skip("PostgreSQL takes rows by COPY")
    with db.write() as conn:
        conn.execute(text("CREATE TABLE bulk_sizes (n INTEGER, x DOUBLE PRECISION)"))
    seen: set[str] = set()
    with db.write() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.set_trace_callback(lambda sql: seen.add(sql) if sql.startswith("INSERT") else None)
        total = 0
        for count in range(1, 4000, 37):
            insert_rows(conn, "bulk_sizes", ("n", "x"), [(i, i / 3) for i in range(count)])
            total += count
        raw.set_trace_callback(None)
        assert conn.execute(text("SELECT count(*) FROM bulk_sizes")).scalar() == total
    assert len({sql.count("(") for sql in seen}) <= 14  # a dozen powers of two and the full size
