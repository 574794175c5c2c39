"""Upload jobs: chunked, concurrent, strict and partial, resumable."""

from __future__ import annotations

import pytest

import predhub
from predhub import Box, Label, Object
from predhub.sdk import _calls as api
from predhub.sdk._encoding import encode_labels


def _labels(n: int, boxes: int = 3) -> list[Label]:
    return [
        Label(
            f"img-{i:03d}",
            [Object("car", Box(j, i, j + 10.5, i + 20.25), confidence=0.5) for j in range(boxes)],
        )
        for i in range(n)
    ]


def test_upload_in_concurrent_chunks(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "chunked")
    labels = _labels(30)
    seen: list[tuple[int, int]] = []
    job = client.upload_labels(
        label_set, labels, chunk_size=4, concurrency=3, progress=lambda d, t: seen.append((d, t))
    )
    assert job.status is predhub.UploadStatus.DONE
    assert job.total_chunks == 8 and job.chunks_stored == frozenset(range(8))
    assert (job.counts.records, job.counts.objects, job.counts.rejected) == (30, 90, 0)
    assert sorted(seen) == [(i, 8) for i in range(1, 9)]
    assert sorted(client.list_labels(label_set), key=lambda x: x.sample_key) == labels


def test_wire_dicts_upload_like_labels(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "dicts")
    records = [
        {"sample": f"img-{i:03d}", "objects": [{"class": "person", "box": [0, 0, 9, 9]}]} for i in range(30)
    ]
    job = client.upload_labels(label_set, records, chunk_size=7)
    assert job.counts.records == 30
    assert client.get_label(label_set, "img-029").objects[0].class_name == "person"


def test_strict_upload_with_a_bad_record_fails_and_names_it(
    client: predhub.Client, dataset: predhub.Dataset
) -> None:
    label_set = client.create_label_set(dataset, "strict-bad")
    records: list[dict[str, object]] = [
        {"sample": f"img-{i:03d}", "objects": [{"class": "car", "box": [0, 0, 9, 9]}]} for i in range(20)
    ]
    records[13] = {"sample": "img-013", "objects": [{"class": "car", "box": [0, 0, "nine", 9]}]}
    job = client.upload_labels(label_set, records, chunk_size=5)
    assert job.status is predhub.UploadStatus.FAILED
    [error] = job.errors
    assert (error.chunk, error.record, error.field) == (
        2,
        3,
        "objects[0].box[2]",
    )  # record 13 = chunk 2, line 3
    # Chunks are atomic: chunk 2 stored nothing, the others are whole.
    stored = {x.sample_key for x in client.list_labels(label_set)}
    assert stored == {f"img-{i:03d}" for i in range(20) if not 10 <= i < 15}


def test_partial_upload_keeps_the_good_records(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "partial-upload")
    records = [
        {"sample": f"img-{i:03d}", "objects": [{"class": "car", "box": [0, 0, 9, 9]}]} for i in range(10)
    ]
    records[4] = {"sample": "img-999", "objects": []}
    job = client.upload_labels(label_set, records, chunk_size=3, mode="partial")
    assert job.status is predhub.UploadStatus.DONE
    assert (job.counts.records, job.counts.rejected) == (10, 1)
    # 10 records in 4 even chunks: [0, 2), [2, 5), [5, 7), [7, 10); record 4 is line 2 of chunk 1.
    assert [(e.chunk, e.record, e.field) for e in job.errors] == [(1, 2, "sample")]
    assert client.get_label_set(label_set).label_count == 9


def test_resume_sends_only_the_missing_chunks(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "resumed")
    labels = _labels(30)
    plan_size = 3
    # A first attempt that stored chunks 0, 4 and 9 of 10, then stopped (sent through the same calls
    # upload_labels uses).
    from predhub.sdk._encoding import ChunkPlan

    plan = ChunkPlan.by_size(labels, plan_size)
    job = client._send(api.create_upload(label_set.id, "strict", "replace", plan.total_chunks))
    for chunk in (0, 4, 9):
        client._send(api.put_chunk(job.id, chunk, plan.body(chunk)))
    assert client.get_upload(job).missing_chunks() == [1, 2, 3, 5, 6, 7, 8]
    progress: list[tuple[int, int]] = []
    done = client.resume_upload(job, labels, progress=lambda d, t: progress.append((d, t)))
    assert done.status is predhub.UploadStatus.DONE
    assert done.counts.records == 30
    assert sorted(progress)[0] == (4, 10) and sorted(progress)[-1] == (10, 10)
    assert sorted(client.list_labels(label_set), key=lambda x: x.sample_key) == labels


def test_an_empty_upload_is_done_at_once(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "empty")
    job = client.upload_labels(label_set, [])
    assert job.status is predhub.UploadStatus.DONE
    assert job.counts.records == 0


def test_a_completed_job_cannot_take_more_chunks(client: predhub.Client, dataset: predhub.Dataset) -> None:
    label_set = client.create_label_set(dataset, "closed")
    job = client.upload_labels(label_set, _labels(4), chunk_size=2)
    with pytest.raises(predhub.Conflict):
        client._send(api.put_chunk(job.id, 5, encode_labels([])))
