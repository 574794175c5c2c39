"""Samples: bulk add from URLs, media-root paths, bytes and local files (via the blob store)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import predhub
from tests.sdk_helpers import ONTOLOGY


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def test_images_as_bytes_and_files_go_through_the_blob_store(
    client: predhub.Client, tmp_path: Path, name: str
) -> None:
    dataset = client.create_dataset(name, ONTOLOGY)
    local = tmp_path / "local.png"
    local.write_bytes(_png(64, 48))
    result = client.add_samples(
        dataset,
        [
            predhub.NewSample("from-bytes", image=_png(32, 16), metadata={"camera": "front"}),
            predhub.NewSample("from-file", image=local),
            predhub.NewSample("from-url", url="https://example.test/a.jpg", width=800, height=600),
        ],
    )
    assert (result.created, result.jobs) == (3, ())  # every size known: no size job
    ids = result.ids
    by_bytes = client.get_sample(ids[0])
    assert (by_bytes.key, by_bytes.width, by_bytes.height) == ("from-bytes", 32, 16)  # read by the hub
    assert by_bytes.metadata == {"camera": "front"}
    assert by_bytes.blob is not None
    by_file = client.get_sample_by_key(dataset, "from-file")
    assert (by_file.width, by_file.height) == (64, 48)
    assert client.get_sample_image(by_file) == local.read_bytes()
    assert client.get_sample_by_key(dataset, "from-url").url == "https://example.test/a.jpg"


def test_add_many_in_batches_and_list_every_page(client: predhub.Client, name: str) -> None:
    dataset = client.create_dataset(name, ONTOLOGY)
    samples = [
        {"key": f"k/{i:04d}.jpg", "url": f"https://example.test/{i}.jpg", "width": 10, "height": 10}
        for i in range(250)
    ]
    batches: list[tuple[int, int]] = []
    ids = client.add_samples(
        dataset, samples, batch_size=60, concurrency=3, progress=lambda d, t: batches.append((d, t))
    ).ids
    assert len(ids) == len(set(ids)) == 250
    assert batches[-1] == (5, 5)
    listed = list(client.list_samples(dataset, page_size=40))
    # Every page, in id order; batches ran concurrently, so ids follow batch commit order, and
    # add_samples returned them in input order.
    assert [s.id for s in listed] == sorted(ids)
    assert {s.id: s.key for s in listed} == dict(zip(ids, [s["key"] for s in samples], strict=True))
    assert client.get_dataset(dataset).sample_count == 250
    assert client.get_sample_by_key(dataset, "k/0007.jpg").id == ids[7]  # a key with a slash


def test_a_duplicate_key_rejects_the_whole_batch(client: predhub.Client, name: str) -> None:
    dataset = client.create_dataset(name, ONTOLOGY)
    client.add_samples(dataset, [{"key": "a", "url": "https://example.test/a.jpg", "width": 1, "height": 1}])
    records = [
        {"key": "b", "url": "https://example.test/b.jpg", "width": 1, "height": 1},
        {"key": "a", "url": "https://example.test/a.jpg", "width": 1, "height": 1},
    ]
    with pytest.raises(predhub.ValidationError) as info:
        client.add_samples(dataset, records)
    assert [(e.record, e.field) for e in info.value.errors] == [(1, "key")]
    assert [s.key for s in client.list_samples(dataset)] == ["a"]  # "b" was not stored either


def test_a_sample_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        predhub.NewSample("x", url="https://example.test/x.jpg", path="x.jpg")
    with pytest.raises(ValueError, match="exactly one"):
        predhub.NewSample("x")


def test_delete_a_sample_sync_and_async(client: predhub.Client, hub: Any, name: str) -> None:
    dataset = client.create_dataset(name, ONTOLOGY)
    ids = client.add_samples(
        dataset, [predhub.NewSample(k, url=f"https://example.test/{k}.jpg", width=8, height=8) for k in "abc"]
    ).ids
    client.delete_sample(client.get_sample(ids[0]))

    async def delete_async() -> None:
        async with predhub.AsyncClient(hub.url, hub.token) as aclient:
            await aclient.delete_sample(ids[1])

    asyncio.run(delete_async())
    assert [s.key for s in client.list_samples(dataset)] == ["c"]
    with pytest.raises(predhub.NotFound):
        client.delete_sample(ids[0])
