"""Jobs as the API shows them, with workspace isolation; importing this registers the job kinds.

:func:`get` can long-poll: with ``wait`` it answers once the job is finished or ``wait`` seconds
passed. A job finished in this process wakes its waiters at once (the store announces each finish
after its commit); one finished by another process sharing the database (PostgreSQL) is seen at the
next re-read, every :data:`RECHECK_SECONDS`. A waiter holds no database connection between reads.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from predhub.services import access, evaluation_job, imports, prediction_jobs, sample_sizes
from predhub.services.auth import User
from predhub.services.common import iso
from predhub.services.errors import Invalid, NotFound
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store import jobs as job_store
from predhub.store.db import Database, Record
from predhub.store.schema import jobs

__all__ = ["LONG_POLLS", "MAX_WAIT", "RECHECK_SECONDS", "cancel", "get", "list_jobs"]

# The longest a request may wait for its job. Each waiting request holds one of the threads the server
# runs its handlers on (anyio's pool: 40) for that long, so waits stay short and clients ask again.
MAX_WAIT = 30.0
# How many requests of this process may wait at once; more are answered at once, as without ``wait``
# (the SDK then falls back to polling). Keeps most of the 40 threads for every other request.
LONG_POLLS = 16
# How often a waiter re-reads its job, for finishes this process does not hear of (another server
# process on the same PostgreSQL database, or a cancel through one).
RECHECK_SECONDS = 0.25

_FINISHED = ("done", "failed", "cancelled")
_long_polls = threading.BoundedSemaphore(LONG_POLLS)

# Imported for their side effect: registering the job kinds
# "sample_sizes", "import", "evaluation" and "predict".
_JOB_KINDS = (sample_sizes, imports, evaluation_job, prediction_jobs)


def _describe(row: Record) -> dict[str, Any]:
    progress, message = row.progress, row.message
    live = job_store.live_progress(row.id) if row.status == "running" else None
    if live is not None:  # noted by a handler of this process that cannot write its row yet
        progress, message = live
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "progress": progress,
        "message": message,
        "result": row.result,
        "error": row.error,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
    }


def _visible(user: User) -> ColumnElement[bool]:
    # Jobs without a workspace (hub maintenance) are the admins'.
    if user.is_admin:
        return or_(jobs.c.workspace_id.in_(access.member_of(user)), jobs.c.workspace_id.is_(None))
    return jobs.c.workspace_id.in_(access.member_of(user))


def _read(db: Database, user: User, job_id: int) -> Record:
    with db.read() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id, _visible(user))).first()
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return row


def get(db: Database, user: User, job_id: int, *, wait: float | None = None) -> dict[str, Any]:
    """The job; with ``wait`` (0 < wait <= :data:`MAX_WAIT` seconds) once it is finished, or as it
    is when ``wait`` seconds passed (or at once when :data:`LONG_POLLS` requests already wait)."""
    if wait is None:
        return _describe(_read(db, user, job_id))
    if not 0 < wait <= MAX_WAIT:  # also refuses NaN
        raise Invalid.field("wait", f"must be more than 0 and at most {MAX_WAIT:g} seconds (got {wait:g})")
    deadline = time.monotonic() + wait
    if not _long_polls.acquire(blocking=False):
        return _describe(_read(db, user, job_id))
    try:
        while True:
            seen = job_store.finish_count()  # before the read: a finish after it then ends the wait
            row = _read(db, user, job_id)
            left = deadline - time.monotonic()
            if row.status in _FINISHED or left <= 0:
                return _describe(row)
            job_store.wait_for_finish(seen, min(left, RECHECK_SECONDS))
    finally:
        _long_polls.release()


def list_jobs(
    db: Database, user: User, *, limit: int = 100, cursor: str | None = None
) -> Page[dict[str, Any]]:
    check_limit(limit)
    with db.read() as conn:
        rows = conn.execute(
            select(jobs)
            .where(_visible(user), jobs.c.id > decode_cursor(cursor))
            .order_by(jobs.c.id)
            .limit(limit + 1)
        ).all()
    page = page_of(rows, limit, lambda r: int(r.id))
    return Page([_describe(r) for r in page.items], page.next_cursor)


def cancel(db: Database, user: User, job_id: int) -> dict[str, Any]:
    with db.write() as conn:
        if conn.execute(select(jobs.c.id).where(jobs.c.id == job_id, _visible(user))).first() is None:
            raise NotFound(f"job {job_id} not found")
        job_store.cancel(conn, job_id)
    return get(db, user, job_id)
