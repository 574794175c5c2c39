"""Long-polling a job (``services.jobs.get(..., wait=)``) over a real database, SQLite and PostgreSQL."""

from __future__ import annotations

import math
import threading
import time
from typing import Any

import pytest
from sqlalchemy import update

from predhub.services import jobs
from predhub.services.auth import User, authenticate, bootstrap_admin
from predhub.services.errors import Invalid, NotFound
from predhub.store import jobs as job_store
from predhub.store.db import Database
from predhub.store.schema import jobs as jobs_table


@pytest.fixture
def admin(db: Database) -> User:
    token = bootstrap_admin(db)
    assert token is not None
    return authenticate(db, token)


def _queued(db: Database) -> int:
    # A kind no worker handles: the job stays queued until the test finishes it.
    with db.write() as conn:
        return job_store.enqueue(conn, "held-by-the-test", {})


def test_a_job_finished_where_no_announcement_reaches_is_seen_by_rereading(db: Database, admin: User) -> None:
    job_id = _queued(db)
    answers: list[dict[str, Any]] = []
    waiter = threading.Thread(target=lambda: answers.append(jobs.get(db, admin, job_id, wait=30)))
    waiter.start()
    time.sleep(0.3)  # let the waiter start waiting (not an assertion: the outcome is the same either way)
    # As another server process would finish it: a plain UPDATE, announced to nobody in this process.
    with db.write() as conn:
        conn.execute(
            update(jobs_table)
            .where(jobs_table.c.id == job_id)
            .values(status="done", result={"by": "another"})
        )
    waiter.join(60)
    assert [(a["status"], a["result"]) for a in answers] == [("done", {"by": "another"})]


def test_a_cancel_in_this_process_ends_the_wait(db: Database, admin: User) -> None:
    job_id = _queued(db)
    answers: list[dict[str, Any]] = []
    waiter = threading.Thread(target=lambda: answers.append(jobs.get(db, admin, job_id, wait=30)))
    waiter.start()
    time.sleep(0.3)
    jobs.cancel(db, admin, job_id)
    waiter.join(60)
    assert [a["status"] for a in answers] == ["cancelled"]


def test_a_wait_that_runs_out_returns_the_job_as_it_is(db: Database, admin: User) -> None:
    job_id = _queued(db)
    job = jobs.get(db, admin, job_id, wait=0.1)
    assert (job["id"], job["status"]) == (job_id, "queued")


@pytest.mark.parametrize("wait", [0.0, -1.0, 30.001, 3600.0, math.nan, math.inf])
def test_a_wait_out_of_range_is_invalid_and_names_wait(db: Database, admin: User, wait: float) -> None:
    job_id = _queued(db)
    with pytest.raises(Invalid) as caught:
        jobs.get(db, admin, job_id, wait=wait)
    assert "wait" in caught.value.message
    assert [d.field for d in caught.value.details] == ["wait"]


def test_waiting_for_an_unknown_job_is_not_found(db: Database, admin: User) -> None:
    with pytest.raises(NotFound):
        jobs.get(db, admin, 10**9, wait=5)
