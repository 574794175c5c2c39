"""Workspace isolation in one place: every lookup of a resource by id goes through here.

A resource in a workspace the user is not a member of is reported exactly like one that does not
exist (404), so ids reveal nothing across workspaces.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, select

from predhub.services.auth import User
from predhub.services.errors import NotFound
from predhub.store.db import Record
from predhub.store.schema import datasets, label_sets, memberships, samples, upload_jobs

__all__ = ["dataset_row", "label_set_row", "member_of", "sample_row", "upload_row"]


def member_of(user: User) -> Select[Any]:
    """A subquery of the workspace ids the user is a member of."""
    return select(memberships.c.workspace_id).where(memberships.c.user_id == user.id)


def _one(conn: Connection, query: Select[Any], what: str) -> Record:
    """The row of a lookup already limited to the user's workspaces, or 404 naming ``what``."""
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"{what} not found")
    return row


def dataset_row(conn: Connection, user: User, dataset_id: int) -> Record:
    query = select(datasets).where(datasets.c.id == dataset_id, datasets.c.workspace_id.in_(member_of(user)))
    return _one(conn, query, f"dataset {dataset_id}")


def label_set_row(conn: Connection, user: User, label_set_id: int) -> Record:
    query = (
        select(label_sets)
        .join(datasets, datasets.c.id == label_sets.c.dataset_id)
        .where(label_sets.c.id == label_set_id, datasets.c.workspace_id.in_(member_of(user)))
    )
    return _one(conn, query, f"label set {label_set_id}")


def sample_row(conn: Connection, user: User, sample_id: int) -> Record:
    query = (
        select(samples)
        .join(datasets, datasets.c.id == samples.c.dataset_id)
        .where(samples.c.id == sample_id, datasets.c.workspace_id.in_(member_of(user)))
    )
    return _one(conn, query, f"sample {sample_id}")


def upload_row(conn: Connection, user: User, job_id: int) -> Record:
    query = (
        select(upload_jobs, label_sets.c.dataset_id)
        .join(label_sets, label_sets.c.id == upload_jobs.c.label_set_id)
        .join(datasets, datasets.c.id == label_sets.c.dataset_id)
        .where(upload_jobs.c.id == job_id, datasets.c.workspace_id.in_(member_of(user)))
    )
    return _one(conn, query, f"upload {job_id}")
