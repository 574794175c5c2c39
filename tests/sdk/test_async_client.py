"""The asyncio client against a real hub: the same calls, awaited; bounded concurrent uploads; errors."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

import predhub
from predhub import Box, Label, Object
from predhub.sdk import _calls as api
from predhub.sdk._encoding import ChunkPlan
from tests.flaky_proxy import FlakyProxy
from tests.hub_process import HubProcess

from .conftest import ONTOLOGY


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10)).save(out, format="PNG")
    return out.getvalue()


def test_datasets_samples_and_pages(hub: HubProcess) -> None:
    async def scenario() -> None:
        async with predhub.AsyncClient(hub.url, hub.token) as client:
            for i in range(5):
                await client.create_dataset(f"async-{i}", ONTOLOGY)
            names = [d.name async for d in client.list_datasets(page_size=2)]
            assert {f"async-{i}" for i in range(5)} <= set(names)
            dataset = await client.get_dataset_by_name("async-3")
            assert (await client.get_dataset(dataset.id)).name == "async-3"
            ids = (
                await client.add_samples(
                    dataset,
                    [predhub.NewSample("png", image=_png())]
                    + [
                        {"key": f"u{i}", "url": "https://example.test/u.jpg", "width": 4, "height": 3}
                        for i in range(9)
                    ],
                    batch_size=4,
                )
            ).ids
            assert (await client.get_dataset(dataset)).sample_count == 10
            sample = await client.get_sample(ids[0])
            assert (sample.width, sample.height) == (20, 10)
            assert await client.get_sample_image(sample) == _png()
            assert [s.id async for s in client.list_samples(dataset, page_size=3)] == sorted(ids)
            await client.delete_dataset(dataset)
            with pytest.raises(predhub.NotFound):
                await client.get_dataset(dataset.id)

    asyncio.run(scenario())


def test_concurrent_upload_and_resume(hub: HubProcess) -> None:
    labels = [Label(f"k{i}", [Object("car", Box(0, 0, i + 1, 5), confidence=0.25)]) for i in range(40)]

    async def scenario() -> None:
        async with predhub.AsyncClient(hub.url, hub.token) as client:
            dataset = await client.create_dataset("async-upload", ONTOLOGY)
            await client.add_samples(
                dataset,
                [
                    {"key": x.sample_key, "url": "https://e.test/x.jpg", "width": 50, "height": 50}
                    for x in labels
                ],
            )
            label_set = await client.create_label_set(dataset, "preds", model_name="m")
            seen: list[tuple[int, int]] = []
            job = await client.upload_labels(
                label_set, labels, chunk_size=3, concurrency=5, progress=lambda d, t: seen.append((d, t))
            )
            assert job.status is predhub.UploadStatus.DONE
            assert job.counts.records == 40
            assert sorted(seen)[-1] == (14, 14)
            got = [x async for x in client.list_labels(label_set, page_size=9)]
            assert sorted(got, key=lambda x: int(x.sample_key[1:])) == labels

            # resume: a job with chunks 1 and 2 of 4 stored
            second = await client.create_label_set(dataset, "resumed")
            plan = ChunkPlan.by_size(labels, 10)
            open_job = await client._send(
                api.create_upload(second.id, "strict", "replace", plan.total_chunks)
            )
            for chunk in (1, 2):
                await client._send(api.put_chunk(open_job.id, chunk, plan.body(chunk)))
            chunks: list[int] = []
            done = await client.resume_upload(open_job, labels, on_chunk=lambda r: chunks.append(r.chunk))
            assert sorted(chunks) == [0, 3]
            assert done.counts.records == 40
            assert (await client.get_label_set(second)).label_count == 40

    asyncio.run(scenario())


def test_errors_map_like_the_sync_client(hub: HubProcess) -> None:
    async def scenario() -> None:
        async with predhub.AsyncClient(hub.url, "ph_wrong") as bad:
            with pytest.raises(predhub.Unauthorized):
                await bad.me()
        async with predhub.AsyncClient(hub.url, hub.token) as client:
            dataset = await client.create_dataset("async-errors", ONTOLOGY)
            with pytest.raises(predhub.Conflict):
                await client.create_dataset("async-errors", ONTOLOGY)
            label_set = await client.create_label_set(dataset, "x")
            with pytest.raises(predhub.ValidationError) as info:
                await client.add_labels(label_set, [{"sample": "nope", "objects": []}])
            assert [(e.record, e.field) for e in info.value.errors] == [(0, "sample")]

    asyncio.run(scenario())


def test_a_lost_response_is_retried_without_writing_twice(hub: HubProcess) -> None:
    proxy = FlakyProxy(hub.port)
    proxy.add("POST /api/v1/datasets ", "drop")
    retries = predhub.RetryPolicy(max_retries=3, backoff=0.01)

    async def scenario() -> None:
        async with predhub.AsyncClient(proxy.url, hub.token, retries=retries) as client:
            created = await client.create_dataset("async-lost", ONTOLOGY)
            assert [d.id async for d in client.list_datasets() if d.name == "async-lost"] == [created.id]

    try:
        asyncio.run(scenario())
    finally:
        proxy.close()
    assert proxy.hits[b"POST /api/v1/datasets "] == 2
