"""``GET /jobs/{id}?wait=``: the long poll, against the real hub (SQLite and PostgreSQL).

A ``sample_sizes`` job reading an image from :func:`serve_gated_image` runs until the test opens the
gate, so each test decides when its job finishes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from predhub.store import jobs as job_store
from predhub.store.db import Database, sqlite_url
from tests.hub_fixtures import Hub, assert_error
from tests.image_server import Gate, serve_gated_image


@contextmanager
def held_job(api: httpx.Client, dataset: dict[str, Any]) -> Iterator[tuple[int, Gate]]:
    """A job the hub is running, held until the gate opens (at the latest on exit)."""
    with serve_gated_image() as gate:
        made = api.post(f"/datasets/{dataset['id']}/samples", json=[{"key": "held", "url": gate.url}])
        assert made.status_code == 201, made.text
        assert gate.requested.wait(60), "the hub's worker never asked for the image"
        yield made.json()["job"], gate


def waiting(hub: Hub, job_id: int, wait: float) -> tuple[threading.Thread, list[httpx.Response]]:
    """``GET /jobs/{id}?wait=`` from another thread (its own connection); join, then read the answer."""
    answers: list[httpx.Response] = []

    def ask() -> None:
        with hub.api() as client:
            answers.append(client.get(f"/jobs/{job_id}", params={"wait": wait}))

    thread = threading.Thread(target=ask)
    thread.start()
    time.sleep(0.3)  # let the request start waiting (not an assertion: either way the answer is the same)
    return thread, answers


def test_a_job_that_finishes_while_a_client_waits_is_answered_done(
    hub: Hub, api: httpx.Client, dataset: dict[str, Any]
) -> None:
    with held_job(api, dataset) as (job_id, gate):
        thread, answers = waiting(hub, job_id, 30)
        gate.open()
        thread.join(60)
    [answer] = answers
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert (job["id"], job["kind"], job["status"]) == (job_id, "sample_sizes", "done")
    assert job["result"]["sized"] == 1 and job["finished_at"] is not None


def test_a_wait_that_runs_out_answers_with_the_running_job(
    api: httpx.Client, dataset: dict[str, Any]
) -> None:
    with held_job(api, dataset) as (job_id, _gate):
        answer = api.get(f"/jobs/{job_id}", params={"wait": 0.2})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "running"
    assert api.get(f"/jobs/{job_id}", params={"wait": 30}).json()["status"] == "done"


def test_a_cancel_through_the_api_ends_the_wait(hub: Hub, api: httpx.Client, dataset: dict[str, Any]) -> None:
    with held_job(api, dataset) as (job_id, _gate):
        thread, answers = waiting(hub, job_id, 30)
        assert api.post(f"/jobs/{job_id}/cancel").json()["status"] == "cancelled"
        thread.join(60)
    assert [a.json()["status"] for a in answers] == ["cancelled"]


def test_a_job_cancelled_by_another_process_ends_the_wait(
    hub: Hub, api: httpx.Client, dataset: dict[str, Any]
) -> None:
    # This test process writes to the hub's database itself, as a second server process would: the
    # hub hears nothing of it and finds the cancel by re-reading the job while it waits.
    url = hub.server.database_url or sqlite_url(hub.data_dir.resolve() / "predhub.db")
    with held_job(api, dataset) as (job_id, _gate):
        thread, answers = waiting(hub, job_id, 30)
        other = Database(url)
        try:
            with other.write() as conn:
                assert job_store.cancel(conn, job_id)
        finally:
            other.dispose()
        thread.join(60)
    assert [a.json()["status"] for a in answers] == ["cancelled"]


def test_a_finished_job_is_answered_with_a_wait_too(api: httpx.Client, dataset: dict[str, Any]) -> None:
    with held_job(api, dataset) as (job_id, gate):
        gate.open()
        first = api.get(f"/jobs/{job_id}", params={"wait": 30}).json()
    assert first["status"] == "done"
    assert api.get(f"/jobs/{job_id}", params={"wait": 30}).json() == first


@pytest.mark.parametrize("wait", ["0", "-1", "30.5", "3600", "nan", "inf"])
def test_a_wait_out_of_range_is_422_naming_wait(
    api: httpx.Client, dataset: dict[str, Any], wait: str
) -> None:
    job_id = _finished_job(api, dataset)
    error = assert_error(api.get(f"/jobs/{job_id}", params={"wait": wait}), 422, "validation_error")
    assert "wait" in error["message"] and "30" in error["message"]
    assert [d["field"] for d in error["details"]] == ["wait"]


def test_a_wait_that_is_not_a_number_is_422_naming_wait(api: httpx.Client, dataset: dict[str, Any]) -> None:
    job_id = _finished_job(api, dataset)
    error = assert_error(api.get(f"/jobs/{job_id}", params={"wait": "soon"}), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["wait"]


def test_waiting_keeps_the_auth_and_404_rules(
    hub: Hub, api: httpx.Client, dataset: dict[str, Any], unique: Callable[[str], str]
) -> None:
    job_id = _finished_job(api, dataset)
    assert_error(api.get(f"/jobs/{10**9}", params={"wait": 30}), 404, "not_found")
    with hub.api("") as anonymous:
        assert_error(anonymous.get(f"/jobs/{job_id}", params={"wait": 30}), 401, "unauthorized")
    user = api.post("/users", json={"name": unique("outsider")}).json()
    token = api.post(f"/users/{user['id']}/tokens").json()["token"]
    with hub.api(token) as outsider:
        assert_error(outsider.get(f"/jobs/{job_id}", params={"wait": 30}), 404, "not_found")


def _finished_job(api: httpx.Client, dataset: dict[str, Any]) -> int:
    with held_job(api, dataset) as (job_id, gate):
        gate.open()
    job_id_done = api.get(f"/jobs/{job_id}", params={"wait": 30}).json()
    assert job_id_done["status"] == "done"
    return job_id
