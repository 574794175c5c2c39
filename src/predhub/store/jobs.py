"""Server-side work as rows in the ``jobs`` table, claimed by workers.

A worker claims the oldest queued job in one statement: ``UPDATE … WHERE id = (SELECT … LIMIT 1 FOR
UPDATE SKIP LOCKED) RETURNING`` on PostgreSQL, so several server processes sharing a database never
run a job twice; on SQLite the same UPDATE…RETURNING is atomic because SQLite has one writer. A
running job's worker beats a heartbeat; a job whose heartbeat stopped (its server was killed) is
claimed again, so jobs survive restarts. Handlers are registered per kind with :func:`handler`.

Every transaction that finishes a job (done, failed, cancelled) announces it once committed, so that
a request waiting for a job of this process (:func:`wait_for_finish`) wakes at once instead of polling.
"""

from __future__ import annotations

import logging
import socket
import threading
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from predhub.store.db import Database, after_commit
from predhub.store.schema import jobs

__all__ = [
    "HANDLERS",
    "JobCancelled",
    "JobContext",
    "Worker",
    "cancel",
    "claim",
    "enqueue",
    "finish_count",
    "handler",
    "live_progress",
    "wait_for_finish",
    "wake_workers",
]

log = logging.getLogger("predhub.jobs")

STALE_AFTER = timedelta(seconds=30)
HEARTBEAT_EVERY = 5.0
MAX_ATTEMPTS = 3


# Progress of the jobs running in this process, for handlers that cannot write it to their row while
# they run: an import stores everything in one transaction, and on SQLite that transaction holds the
# only write lock until it commits. Readers of a running job overlay this on the stored progress.
_live: dict[int, tuple[float, str | None]] = {}


# The workers of this process, so that queuing a job can wake the idle ones (see wake_workers).
_workers: weakref.WeakSet[Worker] = weakref.WeakSet()


def wake_workers() -> None:
    """Have this process's idle workers look for a job now instead of at their next poll.

    :func:`enqueue` calls it once the transaction that queued the job committed (a worker woken
    earlier would find nothing). Workers of other processes sharing the database still find it at
    their next poll.
    """
    for worker in list(_workers):
        worker.wake()


def live_progress(job_id: int) -> tuple[float, str | None] | None:
    """(fraction, message) a job running in this process last noted, or None."""
    return _live.get(job_id)


# How many finishing transactions of this process have committed, and a condition to wait for the
# next one. One counter for all jobs rather than an event per job: a finish wakes every waiter, each
# re-reads its own job (one primary-key read), and nothing per job has to be created or cleaned up.
_finished = threading.Condition()
_finish_count = 0


def _announce_finish() -> None:
    global _finish_count
    with _finished:
        _finish_count += 1
        _finished.notify_all()


def finish_count() -> int:
    """How many job-finishing transactions this process has committed; pass it to
    :func:`wait_for_finish`. Read it *before* reading the job, so a finish between the read and the
    wait is not missed."""
    with _finished:
        return _finish_count


def wait_for_finish(seen: int, timeout: float) -> bool:
    """Block until a job of this process finishes after :func:`finish_count` returned ``seen``, or
    ``timeout`` seconds pass; True when one did. A job finished by another process (a worker of
    another server on the same PostgreSQL database) is not announced here: waiters re-read too."""
    with _finished:
        return _finished.wait_for(lambda: _finish_count != seen, timeout)


class JobCancelled(Exception):
    """Raised inside a handler (by :meth:`JobContext.progress`) when its job was cancelled."""


@dataclass
class JobContext:
    """What a handler gets: its job, the database, and whatever the server put in ``resources``."""

    db: Database
    id: int
    kind: str
    payload: dict[str, Any]
    worker: str
    resources: dict[str, Any] = field(default_factory=dict)

    def note(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0..1) in memory only: for a handler inside a long write transaction.
        Readers in this process see it (:func:`live_progress`); the row gets the final state."""
        _live[self.id] = (min(max(fraction, 0.0), 1.0), message)

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Record progress (0..1); raises :class:`JobCancelled` when the job was cancelled meanwhile."""
        with self.db.write() as conn:
            status = conn.execute(
                update(jobs)
                .where(jobs.c.id == self.id)
                .values(progress=min(max(fraction, 0.0), 1.0), message=message, heartbeat_at=_now())
                .returning(jobs.c.status)
            ).scalar_one()
        if status == "cancelled":
            raise JobCancelled(self.id)


Handler = Callable[[JobContext], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def _now() -> datetime:
    return datetime.now(UTC)


def enqueue(conn: Connection, kind: str, payload: dict[str, Any], *, workspace_id: int | None = None) -> int:
    """Queue a job inside the caller's transaction: it exists exactly when the caller's writes do."""
    job_id: int = conn.execute(
        insert(jobs)
        .values(kind=kind, payload=payload, workspace_id=workspace_id, status="queued")
        .returning(jobs.c.id)
    ).scalar_one()
    # Once committed, this process's idle workers claim it now rather than at their next poll.
    after_commit(conn, wake_workers)
    return job_id


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    kind: str
    payload: dict[str, Any]


def claim(db: Database, worker: str, kinds: list[str]) -> Claimed | None:
    """Atomically take the oldest runnable job of one of ``kinds`` (queued, or running but abandoned)."""
    now = _now()
    abandoned = and_(jobs.c.status == "running", jobs.c.heartbeat_at < now - STALE_AFTER)
    with db.write() as conn:
        # A job abandoned too often is failing its workers (or killing them): stop retrying it.
        given_up = conn.execute(
            update(jobs)
            .where(abandoned, jobs.c.attempts >= MAX_ATTEMPTS)
            .values(status="failed", error=f"abandoned {MAX_ATTEMPTS} times by its worker", finished_at=now)
        )
        if given_up.rowcount:
            after_commit(conn, _announce_finish)
        candidate = (
            select(jobs.c.id)
            .where(or_(jobs.c.status == "queued", abandoned), jobs.c.kind.in_(kinds))
            .order_by(jobs.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        row = conn.execute(
            update(jobs)
            .where(jobs.c.id == candidate)
            .values(
                status="running",
                worker=worker,
                heartbeat_at=now,
                started_at=now,
                attempts=jobs.c.attempts + 1,
            )
            .returning(jobs.c.id, jobs.c.kind, jobs.c.payload)
        ).first()
    return None if row is None else Claimed(row.id, row.kind, row.payload)


def _finish(db: Database, job_id: int, worker: str, **values: Any) -> None:
    with db.write() as conn:
        # Only the worker that holds the job may close it (another may have re-claimed it).
        closed = conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.worker == worker, jobs.c.status == "running")
            .values(finished_at=_now(), **values)
        )
        if closed.rowcount:
            after_commit(conn, _announce_finish)


def cancel(conn: Connection, job_id: int) -> bool:
    """Mark a queued or running job cancelled; a running handler stops at its next progress report.
    Waiters of this process hear of it once the caller's transaction commits."""
    done = conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status.in_(["queued", "running"]))
        .values(status="cancelled", finished_at=_now())
    )
    if done.rowcount:
        after_commit(conn, _announce_finish)
    return bool(done.rowcount)


class Worker:
    """Runs registered handlers on claimed jobs in background threads until :meth:`stop`."""

    def __init__(
        self,
        db: Database,
        *,
        resources: dict[str, Any] | None = None,
        threads: int = 1,
        poll_seconds: float = 0.5,
        handlers: dict[str, Handler] | None = None,
    ) -> None:
        self.db = db
        self.resources = resources or {}
        self.handlers = HANDLERS if handlers is None else handlers
        self.poll_seconds = poll_seconds
        self.name = f"{socket.gethostname()}:{threading.get_native_id()}:{id(self):x}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"predhub-worker-{i}", daemon=True)
            for i in range(threads)
        ]

    def start(self) -> None:
        _workers.add(self)
        for t in self._threads:
            t.start()

    def wake(self) -> None:
        """Look for a job now (see :func:`wake_workers`)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        _workers.discard(self)
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout)

    def run_one(self) -> bool:
        """Claim and run one job; False when there was none."""
        job = claim(self.db, self.name, sorted(self.handlers))
        if job is None:
            return False
        ctx = JobContext(self.db, job.id, job.kind, job.payload or {}, self.name, self.resources)
        beat = threading.Event()
        heart = threading.Thread(target=self._heartbeat, args=(job.id, beat), daemon=True)
        heart.start()
        try:
            result = self.handlers[job.kind](ctx)
        except JobCancelled:
            log.info("job %s cancelled", job.id)
        except Exception as exc:
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            _finish(
                self.db, job.id, self.name, status="failed", error=f"{exc}\n{traceback.format_exc(limit=5)}"
            )
        else:
            _finish(self.db, job.id, self.name, status="done", progress=1.0, result=result or {})
        finally:
            beat.set()
            heart.join()
            _live.pop(job.id, None)
        return True

    def _heartbeat(self, job_id: int, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_EVERY):
            try:
                with self.db.write() as conn:
                    conn.execute(
                        update(jobs)
                        .where(jobs.c.id == job_id, jobs.c.worker == self.name)
                        .values(heartbeat_at=_now())
                    )
            except Exception:  # a missed beat only risks a re-claim; never kill the job over it
                log.exception("heartbeat of job %s failed", job_id)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_one()
            except Exception:
                log.exception("job worker error")
                ran = False
            if not ran:
                # A wake-up set while this thread was claiming (or running a job) is not lost: the
                # event stays set, and the wait returns at once for one more claim.
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
