"""Server-side jobs through the SDK: the hub's ``sample_sizes`` job reads the sizes of URL images."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

import pytest
from PIL import Image

import predhub
from predhub.sdk._base import LONG_POLL_WAIT, LongPoll, poll_intervals
from tests.hub_fixtures import Hub
from tests.image_server import Gate, serve_folder, serve_gated_image
from tests.sdk_helpers import ONTOLOGY


@pytest.fixture
def images(tmp_path: Path) -> Path:
    for name, size in (("a.png", (120, 80)), ("b.png", (33, 44))):
        Image.new("RGB", size, (0, 128, 255)).save(tmp_path / name)
    return tmp_path


def test_wait_for_the_job_that_reads_url_image_sizes(client: predhub.Client, images: Path, name: str) -> None:
    dataset = client.create_dataset(name, ONTOLOGY)
    with serve_folder(images) as base:
        result = client.add_samples(
            dataset,
            [
                predhub.NewSample("a", url=f"{base}/a.png"),
                predhub.NewSample("b", url=f"{base}/b.png"),
                predhub.NewSample("c", url=f"{base}/missing.png"),
                predhub.NewSample("d", url=f"{base}/a.png", width=120, height=80),
            ],
        )
        [job_id] = result.jobs
        job = client.wait_job(job_id, poll_interval=0.05)
    assert job.kind == "sample_sizes"
    assert job.status is predhub.JobStatus.DONE
    assert job.status.finished and job.progress == 1.0
    assert job.finished_at is not None and job.created_at is not None
    sizes = {s.key: (s.width, s.height) for s in client.list_samples(dataset)}
    assert sizes == {"a": (120, 80), "b": (33, 44), "c": (None, None), "d": (120, 80)}
    assert client.get_job(job_id) == job
    assert job_id in {j.id for j in client.list_jobs(page_size=1)}  # every page


def test_the_async_client_waits_too(hub: Hub, images: Path, name: str) -> None:
    async def scenario(base: str) -> predhub.Job:
        async with predhub.AsyncClient(hub.url, hub.token) as client:
            dataset = await client.create_dataset(name, ONTOLOGY)
            result = await client.add_samples(dataset, [predhub.NewSample("a", url=f"{base}/a.png")])
            return await client.wait_job(result.jobs[0], poll_interval=0.05)

    with serve_folder(images) as base:
        job = asyncio.run(scenario(base))
    assert job.status is predhub.JobStatus.DONE


def test_an_unknown_job_is_not_found(client: predhub.Client) -> None:
    with pytest.raises(predhub.NotFound):
        client.get_job(10**9)


def test_waiting_polls_often_at_first_then_backs_off_to_the_poll_interval() -> None:
    assert list(islice(poll_intervals(0.5), 6)) == [0.05, 0.1, 0.2, 0.4, 0.5, 0.5]
    assert list(islice(poll_intervals(0.01), 2)) == [0.01, 0.01]


@contextmanager
def held_job(client: predhub.Client, name: str) -> Iterator[tuple[int, Gate]]:
    """A job the hub is running, held until the gate opens (at the latest on exit)."""
    dataset = client.create_dataset(name, ONTOLOGY)
    with serve_gated_image() as gate:
        [job_id] = client.add_samples(dataset, [predhub.NewSample("held", url=gate.url)]).jobs
        assert gate.requested.wait(60), "the hub's worker never asked for the image"
        yield job_id, gate


def test_wait_job_returns_the_job_once_it_finishes(client: predhub.Client, name: str) -> None:
    with held_job(client, name) as (job_id, gate):
        opener = threading.Timer(0.3, gate.open)  # finishes the job while wait_job waits
        opener.start()
        job = client.wait_job(job_id, timeout=60)
        opener.join()
    assert job.status is predhub.JobStatus.DONE and job.result["sized"] == 1


def test_wait_job_returns_the_unfinished_job_when_its_timeout_passes(
    client: predhub.Client, hub: Hub, name: str
) -> None:
    # A read timeout shorter than the wait: the long poll raises it for its own request, or this
    # would end in a TransportError after retries.
    with held_job(client, name) as (job_id, _gate), predhub.Client(hub.url, hub.token, timeout=0.5) as short:
        job = short.wait_job(job_id, timeout=1.5)
        assert job.id == job_id and job.status is predhub.JobStatus.RUNNING
        assert client.wait_job(job_id, timeout=0).status is predhub.JobStatus.RUNNING


def test_the_async_client_honours_the_timeout_too(client: predhub.Client, hub: Hub, name: str) -> None:
    async def wait(job_id: int) -> predhub.Job:
        async with predhub.AsyncClient(hub.url, hub.token, timeout=0.5) as short:
            return await short.wait_job(job_id, timeout=1.5)

    with held_job(client, name) as (job_id, gate):
        assert asyncio.run(wait(job_id)).status is predhub.JobStatus.RUNNING
        gate.open()
        assert client.wait_job(job_id, timeout=60).status is predhub.JobStatus.DONE


def test_long_polls_ask_for_at_most_the_time_left() -> None:
    assert LongPoll(None, 0.5).wait() == LONG_POLL_WAIT
    left = LongPoll(2.0, 0.5).wait()
    assert left is not None and 0 < left <= 2.0
    assert LongPoll(0.0, 0.5).wait() is None  # no time left: ask for the job as it is


def test_an_early_answer_falls_back_to_polling_with_backoff() -> None:
    # A hub that ignores ``wait`` answers at once with the job unfinished: sleep as the old polling did.
    waits = LongPoll(None, 0.5)
    pauses = []
    for _ in range(6):
        waits.wait()
        pauses.append(waits.pause())
    assert pauses == [0.05, 0.1, 0.2, 0.4, 0.5, 0.5]


def test_a_long_poll_that_waited_is_followed_at_once() -> None:
    waits = LongPoll(None, 0.5)
    waits.wait()
    waits._sent_at = time.monotonic() - LONG_POLL_WAIT  # as if the hub held the request its full wait
    assert waits.pause() == 0.0
