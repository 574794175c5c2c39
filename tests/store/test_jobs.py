"""Jobs as rows: claimed once, run by registered handlers, re-claimed when their worker died."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from predhub.store import jobs
from predhub.store.db import Database, after_commit
from predhub.store.schema import jobs as jobs_table


def _row(db: Database, job_id: int) -> Any:
    with db.read() as conn:
        return conn.execute(select(jobs_table).where(jobs_table.c.id == job_id)).one()


def _enqueue(db: Database, kind: str, payload: dict[str, Any]) -> int:
    with db.write() as conn:
        return jobs.enqueue(conn, kind, payload)


def test_concurrent_workers_never_claim_a_job_twice(db: Database) -> None:
    ids = [_enqueue(db, "count", {"n": i}) for i in range(40)]
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name: str) -> None:
        while (job := jobs.claim(db, name, ["count"])) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == ids  # each exactly once
    assert jobs.claim(db, "late", ["count"]) is None


def test_claim_takes_only_known_kinds_oldest_first(db: Database) -> None:
    other = _enqueue(db, "other", {})
    first = _enqueue(db, "mine", {"a": 1})
    _enqueue(db, "mine", {"a": 2})
    job = jobs.claim(db, "w", ["mine"])
    assert job is not None and (job.id, job.payload) == (first, {"a": 1})
    assert _row(db, other).status == "queued"


def test_worker_runs_handlers_and_records_results_and_failures(db: Database) -> None:
    def double(ctx: jobs.JobContext) -> dict[str, Any]:
        ctx.progress(0.5, "half way")
        return {"twice": ctx.payload["n"] * 2}

    def broken(ctx: jobs.JobContext) -> None:
        raise ValueError("no good")

    ok, bad = _enqueue(db, "double", {"n": 21}), _enqueue(db, "broken", {})
    worker = jobs.Worker(db, handlers={"double": double, "broken": broken})
    while worker.run_one():
        pass
    done, failed = _row(db, ok), _row(db, bad)
    assert (done.status, done.result, done.progress, done.message) == ("done", {"twice": 42}, 1.0, "half way")
    assert done.finished_at is not None and done.started_at is not None
    assert failed.status == "failed" and "no good" in failed.error


def test_cancelled_job_stops_at_its_next_progress_report(db: Database) -> None:
    seen: list[str] = []

    def slow(ctx: jobs.JobContext) -> None:
        with ctx.db.write() as conn:
            jobs.cancel(conn, ctx.id)
        ctx.progress(0.1)
        seen.append("not reached")

    job_id = _enqueue(db, "slow", {})
    assert jobs.Worker(db, handlers={"slow": slow}).run_one()
    assert _row(db, job_id).status == "cancelled" and seen == []


def test_a_job_whose_worker_died_is_claimed_again(db: Database) -> None:
    job_id = _enqueue(db, "k", {})
    assert jobs.claim(db, "dead-worker", ["k"]) is not None
    assert jobs.claim(db, "alive", ["k"]) is None  # still running with a fresh heartbeat
    stale = datetime.now(UTC) - jobs.STALE_AFTER - timedelta(seconds=5)
    with db.write() as conn:
        conn.execute(update(jobs_table).where(jobs_table.c.id == job_id).values(heartbeat_at=stale))
    again = jobs.claim(db, "alive", ["k"])
    assert again is not None and again.id == job_id
    row = _row(db, job_id)
    assert (row.worker, row.attempts) == ("alive", 2)


def test_a_job_abandoned_too_often_fails(db: Database) -> None:
    job_id = _enqueue(db, "k", {})
    stale = datetime.now(UTC) - jobs.STALE_AFTER - timedelta(seconds=5)
    for _ in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim(db, "crashy", ["k"]) is not None
        with db.write() as conn:
            conn.execute(update(jobs_table).where(jobs_table.c.id == job_id).values(heartbeat_at=stale))
    assert jobs.claim(db, "crashy", ["k"]) is None
    assert _row(db, job_id).status == "failed"


def test_progress_noted_inside_a_long_transaction_is_visible_while_the_job_runs(db: Database) -> None:
    noted, release = threading.Event(), threading.Event()

    def long_import(ctx: jobs.JobContext) -> dict[str, Any]:
        with ctx.db.write():  # holds SQLite's only write lock, as an import does
            ctx.note(0.4, "400 of 1000 records")
            noted.set()
            release.wait(30)
        return {"ok": True}

    job_id = _enqueue(db, "long", {})
    worker = jobs.Worker(db, handlers={"long": long_import}, poll_seconds=0.05)
    worker.start()
    try:
        assert noted.wait(30)
        assert jobs.live_progress(job_id) == (0.4, "400 of 1000 records")
        release.set()
    finally:
        worker.stop()
    assert jobs.live_progress(job_id) is None
    row = _row(db, job_id)
    assert (row.status, row.progress) == ("done", 1.0)


def test_a_committed_job_has_an_idle_worker_claim_it_at_once(db: Database) -> None:
    ran = threading.Event()
    worker = jobs.Worker(db, handlers={"quick": lambda ctx: ran.set() or {}}, poll_seconds=3600)
    worker.start()
    try:
        # The worker found nothing and sleeps for an hour; without the wake-up the job would wait.
        assert not ran.wait(0.3)
        _enqueue(db, "quick", {})  # enqueue wakes the workers once the transaction commits
        assert ran.wait(30)
    finally:
        worker.stop()


def test_after_commit_runs_after_a_commit_and_never_after_a_rollback(db: Database) -> None:
    seen: list[str] = []
    with db.write() as conn:
        after_commit(conn, lambda: seen.append("committed"))
        assert seen == []  # not before the commit
    assert seen == ["committed"]
    with pytest.raises(RuntimeError), db.write() as conn:
        after_commit(conn, lambda: seen.append("rolled back"))
        raise RuntimeError("roll back")
    with db.write():
        pass  # the rolled back transaction's action does not linger on the pooled connection
    assert seen == ["committed"]


def test_a_job_finishing_wakes_its_waiters_once_its_transaction_commits(db: Database) -> None:
    started, release = threading.Event(), threading.Event()

    def held(ctx: jobs.JobContext) -> dict[str, Any]:
        started.set()
        release.wait(30)
        return {}

    job_id = _enqueue(db, "held", {})
    worker = jobs.Worker(db, handlers={"held": held}, poll_seconds=0.05)
    worker.start()
    try:
        assert started.wait(30)
        seen = jobs.finish_count()
        woke: list[tuple[bool, str]] = []

        def waiter() -> None:
            # Woken by the finish, the waiter reads the job: already committed, so done.
            woke.append((jobs.wait_for_finish(seen, 30), _row(db, job_id).status))

        thread = threading.Thread(target=waiter)
        thread.start()
        release.set()
        thread.join(60)
    finally:
        release.set()
        worker.stop()
    assert woke == [(True, "done")]


def test_a_cancel_wakes_waiters_once_committed_and_not_when_rolled_back(db: Database) -> None:
    job_id = _enqueue(db, "never-run", {})
    seen = jobs.finish_count()
    with pytest.raises(RuntimeError), db.write() as conn:
        assert jobs.cancel(conn, job_id)
        raise RuntimeError("roll back")
    assert jobs.finish_count() == seen
    assert not jobs.wait_for_finish(seen, 0.01)  # nothing finished: the wait runs out
    with db.write() as conn:
        assert jobs.cancel(conn, job_id)
        assert jobs.finish_count() == seen  # not before the commit
    assert jobs.finish_count() > seen
    assert jobs.wait_for_finish(seen, 30)
    with db.write() as conn:
        assert not jobs.cancel(conn, job_id)  # already finished: no second announcement
    assert jobs.finish_count() == seen + 1
