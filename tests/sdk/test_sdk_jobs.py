"""Server-side jobs through the SDK: the hub's ``sample_sizes`` job reads the sizes of URL images."""

from __future__ import annotations

import asyncio
from itertools import islice
from pathlib import Path

import pytest
from PIL import Image

import predhub
from predhub.sdk._base import poll_intervals
from tests.hub_fixtures import Hub
from tests.image_server import serve_folder
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
