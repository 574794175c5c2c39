"""Upload jobs: large label uploads in numbered chunks, resumable.

Each chunk is validated and stored in one transaction together with its result row, so a chunk is
stored whole or not at all, and a chunk index already stored answers its first result and writes
nothing (retries after a lost response never write twice). ``GET`` lists the chunks stored, so a
client that was interrupted sends only the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from predhub.core.box_columns import BoxColumns
from predhub.services import access, labels
from predhub.services.auth import User
from predhub.services.common import iso
from predhub.services.errors import Conflict, Detail, Invalid
from predhub.services.labels import Mode, OnConflict
from predhub.store.db import Database, Record
from predhub.store.schema import upload_chunks, upload_jobs

__all__ = ["MAX_ERRORS", "ChunkResult", "complete", "create", "get", "put_chunk"]

MAX_ERRORS = 1000  # errors listed by GET /uploads/{id}; counts stay exact


@dataclass(frozen=True, slots=True)
class ChunkResult:
    chunk: int
    stored: int
    skipped: int
    rejected: int
    objects: int
    errors: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk": self.chunk,
            "stored": self.stored,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "objects": self.objects,
            "errors": self.errors,
        }


def create(
    conn: Connection,
    user: User,
    label_set_id: int,
    mode: str = "strict",
    on_conflict: str = "replace",
    total_chunks: int | None = None,
) -> dict[str, Any]:
    access.label_set_row(conn, user, label_set_id)
    job_id = conn.execute(
        insert(upload_jobs)
        .values(
            label_set_id=label_set_id,
            user_id=user.id,
            mode=Mode(mode).value,
            on_conflict=OnConflict(on_conflict).value,
            status="open",
            total_chunks=total_chunks,
        )
        .returning(upload_jobs.c.id)
    ).scalar_one()
    return _describe(conn, access.upload_row(conn, user, job_id))


def _describe(conn: Connection, job: Record) -> dict[str, Any]:
    chunks = conn.execute(
        select(
            upload_chunks.c.chunk,
            upload_chunks.c.records,
            upload_chunks.c.rejected,
            upload_chunks.c.objects,
        )
        .where(upload_chunks.c.job_id == job.id)
        .order_by(upload_chunks.c.chunk)
    ).all()
    errors: list[dict[str, Any]] = []
    if any(c.rejected for c in chunks):
        for row in conn.execute(
            select(upload_chunks.c.chunk, upload_chunks.c.errors)
            .where(upload_chunks.c.job_id == job.id, upload_chunks.c.rejected > 0)
            .order_by(upload_chunks.c.chunk)
        ):
            errors.extend({"chunk": row.chunk, **e} for e in row.errors[: MAX_ERRORS - len(errors)])
            if len(errors) >= MAX_ERRORS:
                break
    done = job.status != "open"
    if job.total_chunks:
        progress = 1.0 if done else min(len(chunks) / job.total_chunks, 1.0)
    else:
        progress = 1.0 if done else 0.0
    return {
        "id": job.id,
        "label_set_id": job.label_set_id,
        "status": job.status,
        "mode": job.mode,
        "on_conflict": job.on_conflict,
        "chunks_stored": [c.chunk for c in chunks],
        "total_chunks": job.total_chunks,
        "progress": progress,
        "counts": {
            "records": sum(c.records for c in chunks),
            "objects": sum(c.objects for c in chunks),
            "rejected": sum(c.rejected for c in chunks),
        },
        "errors": errors,
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
    }


def get(db: Database, user: User, job_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return _describe(conn, access.upload_row(conn, user, job_id))


def _stored_result(conn: Connection, job_id: int, chunk: int) -> ChunkResult | None:
    row = conn.execute(
        select(upload_chunks).where(upload_chunks.c.job_id == job_id, upload_chunks.c.chunk == chunk)
    ).first()
    if row is None:
        return None
    return ChunkResult(row.chunk, row.stored, row.skipped, row.rejected, row.objects, row.errors)


def _check_open(job: Record, chunk: int) -> None:
    if job.status != "open":
        raise Conflict(f"upload {job.id} is {job.status}; start a new upload to send more")
    if chunk < 0 or (job.total_chunks is not None and chunk >= job.total_chunks):
        limit = f" (this upload has {job.total_chunks} chunks)" if job.total_chunks else ""
        raise Invalid.field("chunk", f"must be between 0 and total_chunks - 1{limit}")


def put_chunk(
    db: Database, user: User, job_id: int, chunk: int, records: list[Any] | BoxColumns
) -> ChunkResult:
    with db.read() as conn:
        job = access.upload_row(conn, user, job_id)
        stored = _stored_result(conn, job_id, chunk)
    if stored is not None:
        return stored
    _check_open(job, chunk)
    # Validate outside the write transaction; the write re-checks that the chunk is still new.
    prepared = labels.prepare_records(db, user, job.label_set_id, records)
    mode, on_conflict = Mode(job.mode), OnConflict(job.on_conflict)

    def write(conn: Connection) -> ChunkResult:
        job = access.upload_row(conn, user, job_id)
        stored = _stored_result(conn, job_id, chunk)
        if stored is not None:
            return stored
        _check_open(job, chunk)
        result = labels.store(conn, job.label_set_id, prepared, mode, on_conflict)
        errors = [{"record": d.record, "field": d.field, "message": d.message} for d in result.errors]
        conn.execute(
            insert(upload_chunks).values(
                job_id=job_id,
                chunk=chunk,
                records=prepared.total,
                stored=result.stored,
                skipped=result.skipped,
                rejected=result.rejected,
                objects=result.objects,
                errors=errors,
            )
        )
        return ChunkResult(chunk, result.stored, result.skipped, result.rejected, result.objects, errors)

    # A retry after a lost race (PostgreSQL) starts by looking for the chunk again: when the race was
    # this very chunk, sent twice at once, the retry answers the first one's stored result.
    return db.write_retrying(write)


def complete(db: Database, user: User, job_id: int) -> dict[str, Any]:
    """Close the upload: ``done``, or ``failed`` in strict mode when any chunk had errors."""
    with db.write() as conn:
        job = access.upload_row(conn, user, job_id)
        if job.status == "open":
            stored = set(
                conn.execute(select(upload_chunks.c.chunk).where(upload_chunks.c.job_id == job_id)).scalars()
            )
            if job.total_chunks is not None:
                missing = sorted(set(range(job.total_chunks)) - stored)
                if missing:
                    shown = ", ".join(map(str, missing[:20])) + (" …" if len(missing) > 20 else "")
                    raise Conflict(
                        f"upload {job_id} still misses {len(missing)} chunk(s): {shown}",
                        [Detail(None, "chunks", f"missing {missing[:1000]}")],
                    )
            rejected = conn.execute(
                select(func.coalesce(func.sum(upload_chunks.c.rejected), 0)).where(
                    upload_chunks.c.job_id == job_id
                )
            ).scalar_one()
            status = "failed" if job.mode == Mode.STRICT and rejected else "done"
            conn.execute(
                update(upload_jobs)
                .where(upload_jobs.c.id == job_id)
                .values(status=status, finished_at=datetime.now(UTC))
            )
            job = access.upload_row(conn, user, job_id)
        return _describe(conn, job)
