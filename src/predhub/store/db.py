"""The database handle: one engine from a URL, and read / write transactions over it.

SQLite (the zero-set-up default) gets WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writes, and all
writes of one process go through one lock, matching SQLite's single writer (as datasette does): a
writer never fails with "database is locked" half-way through. PostgreSQL (``postgresql+psycopg://``)
takes any number of concurrent writers.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import orjson
from sqlalchemy import Connection, Engine, Row, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["Database", "Record", "after_commit", "is_transient", "json_dumps", "sqlite_url"]

_AFTER_COMMIT = "predhub_after_commit"  # the connection's info key: actions for after its commit


def after_commit(conn: Connection, action: Callable[[], None]) -> None:
    """Run ``action`` once the :meth:`Database.write` transaction of ``conn`` has committed (never if
    it rolls back). Outside such a transaction it is not run: nothing says when that one commits."""
    actions = conn.info.get(_AFTER_COMMIT)
    if actions is not None:
        actions.append(action)


T = TypeVar("T")

# A result row of any width (attribute access by column name).
Record: TypeAlias = Row[*tuple[Any, ...]]


def json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# PostgreSQL states worth retrying a whole transaction for: serialization failure, deadlock, and a
# unique violation from a concurrent insert of the same row (the retry then sees that row).
_TRANSIENT_SQLSTATES = {"40001", "40P01", "23505"}


def is_transient(exc: BaseException) -> bool:
    """Whether a failed write transaction may succeed when simply run again (PostgreSQL races).

    Takes SQLAlchemy's wrapped errors and the driver's own (bulk inserts use the raw connection).
    """
    state = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return state in _TRANSIENT_SQLSTATES


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


_BUSY_TIMEOUT_MS = 30000  # how long a statement waits for another connection's lock


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, autocheckpoint: int) -> None:
    # Let us issue BEGIN ourselves (pysqlite's implicit transactions are neither IMMEDIATE nor
    # visible to SQLAlchemy), then set the pragmas every connection needs.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable across application crashes in WAL mode
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
    cur.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


# Where no background checkpointer runs (an in-memory database), SQLite's own: 80 MiB of WAL.
# With one, none: an automatic checkpoint runs inside the COMMIT that crosses the threshold, so a
# million-box import waited most of a second for its own WAL to be copied back and synced.
_AUTOCHECKPOINT_PAGES = 20000


class _Checkpointer:
    """Runs passive WAL checkpoints every ``interval`` seconds after writes, on its own connection.

    A passive checkpoint never blocks readers or the writer, so the fsyncs it does leave the write path.
    """

    def __init__(self, path: str, interval: float = 0.5) -> None:
        self.path = path
        self.interval = interval
        self.dirty = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="predhub-checkpoint", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        try:
            while not self.stopped.is_set():
                if self.dirty.wait(self.interval) and not self.stopped.wait(self.interval):
                    self.dirty.clear()
                    # Busy now? The next round (or the autocheckpoint) does it.
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopped.set()
        self.dirty.set()
        self.thread.join(timeout=10)


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("predhub_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine plus the two kinds of transaction the services use."""

    def __init__(self, url: str, *, echo: bool = False, checkpoints: bool = True) -> None:
        """``checkpoints=False``: no background WAL checkpointer (a short-lived reader's engine)."""
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {
            "echo": echo,
            "json_serializer": json_dumps,
            "json_deserializer": orjson.loads,
        }
        if self.dialect == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            # Up to one connection per request thread (anyio runs 40) plus the job workers.
            kwargs["pool_size"] = 8
            kwargs["max_overflow"] = 48
        elif self.dialect == "postgresql":
            kwargs["pool_size"] = 8
            kwargs["max_overflow"] = 32
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._checkpointer: _Checkpointer | None = None
        if self.dialect == "sqlite":
            if checkpoints and parsed.database and parsed.database != ":memory:":
                self._checkpointer = _Checkpointer(parsed.database)
            pages = 0 if self._checkpointer is not None else _AUTOCHECKPOINT_PAGES
            event.listen(self.engine, "connect", functools.partial(_sqlite_pragmas, autocheckpoint=pages))
            event.listen(self.engine, "begin", _sqlite_begin)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def placeholder(self) -> str:
        """The DBAPI parameter marker for raw bulk statements (sqlite3: ``?``, psycopg: ``%s``)."""
        return "?" if self.is_sqlite else "%s"

    @contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read transaction. ``snapshot``: every statement sees the same state of the store, as
        of its first (PostgreSQL's REPEATABLE READ; a SQLite read transaction always does)."""
        with self.engine.connect() as conn:
            if snapshot and not self.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back on any exception. What
        :func:`after_commit` registered on it runs once it has committed."""
        with self._write_lock or contextlib.nullcontext(), self.engine.connect() as conn:
            if self._write_lock is not None:
                conn = conn.execution_options(predhub_write=True)
            conn.info[_AFTER_COMMIT] = []
            try:
                with conn.begin():
                    yield conn
                actions: list[Callable[[], None]] = conn.info[_AFTER_COMMIT]
            finally:
                del conn.info[_AFTER_COMMIT]
        if self._checkpointer is not None:
            self._checkpointer.dirty.set()
        for action in actions:
            action()

    @contextmanager
    def hold_writes(self, timeout: float) -> Iterator[bool]:
        """On SQLite, keep every writer (of this process and of others) waiting while the block runs,
        if the write lock comes within ``timeout`` seconds; yields whether it was had. Readers that
        begin meanwhile all read the same state. Other stores: yields False."""
        if self._write_lock is None or not self._write_lock.acquire(timeout=timeout):
            yield False
            return
        try:
            with self.engine.connect() as conn:
                raw: Any = conn.connection.dbapi_connection
                raw.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    held = True
                except sqlite3.OperationalError:  # another process is writing
                    held = False
                finally:
                    raw.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
                try:
                    yield held
                finally:
                    if held:
                        raw.execute("ROLLBACK")
        finally:
            self._write_lock.release()

    def write_retrying(self, work: Callable[[Connection], T], attempts: int = 3) -> T:
        """Run ``work`` in a write transaction, again from scratch when it lost a race (PostgreSQL)."""
        for attempt in range(attempts):
            try:
                with self.write() as conn:
                    return work(conn)
            except Exception as exc:
                if attempt == attempts - 1 or not is_transient(exc):
                    raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()
