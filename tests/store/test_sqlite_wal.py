"""SQLite's write-ahead log: commits never checkpoint inline; the background checkpointer does it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy import text

from predhub.store.db import Database, sqlite_url

_ROWS = (
    "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000) "
    "INSERT INTO probe SELECT n, printf('%0500d', n) FROM s"
)


def test_commits_leave_checkpoints_to_the_background_thread(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = Database(sqlite_url(path))
    try:
        with db.read() as conn:
            # A commit that crosses the autocheckpoint threshold would checkpoint inside COMMIT.
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        with db.write() as conn:
            conn.execute(text("CREATE TABLE probe (n INTEGER, note TEXT)"))
            conn.execute(text(_ROWS))
        # A megabyte of rows sits in the WAL until a checkpoint copies it into the database file
        # (watched by its size: checking the WAL from here would run a checkpoint itself).
        deadline = time.monotonic() + 60
        while path.stat().st_size < 1_000_000:
            assert time.monotonic() < deadline, "the background checkpointer never copied the WAL back"
            time.sleep(0.1)
    finally:
        db.dispose()


def test_holding_writes_makes_writers_wait_and_gives_way_to_a_busy_writer(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    db = Database(sqlite_url(path))
    try:
        with db.write() as conn:
            conn.execute(text("CREATE TABLE probe (n INTEGER)"))
        order: list[str] = []

        def write() -> None:
            with db.write() as conn:
                conn.execute(text("INSERT INTO probe VALUES (1)"))
            order.append("written")

        with db.hold_writes(timeout=5) as held:
            assert held
            writer = threading.Thread(target=write)
            writer.start()
            time.sleep(0.2)  # the writer is waiting now, or has not begun: either way it comes after
            order.append("released")
        writer.join()
        assert order == ["released", "written"]

        other = sqlite3.connect(path, isolation_level=None)  # another process's writer
        try:
            other.execute("BEGIN IMMEDIATE")
            with db.hold_writes(timeout=0.2) as held:
                assert not held
            other.execute("ROLLBACK")
        finally:
            other.close()
        with db.write() as conn:  # the lock and the connection were given back
            conn.execute(text("INSERT INTO probe VALUES (2)"))
    finally:
        db.dispose()
