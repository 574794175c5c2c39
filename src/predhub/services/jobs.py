"""Jobs as the API shows them, with workspace isolation; importing this registers the job kinds."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select

from predhub.services import access, evaluation_job, imports, prediction_jobs, sample_sizes
from predhub.services.auth import User
from predhub.services.common import iso
from predhub.services.errors import NotFound
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store import jobs as job_store
from predhub.store.db import Database, Record
from predhub.store.schema import jobs

__all__ = ["cancel", "get", "list_jobs"]

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


def get(db: Database, user: User, job_id: int) -> dict[str, Any]:
    with db.read() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id, _visible(user))).first()
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return _describe(row)


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
