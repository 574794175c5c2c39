"""SIGKILL the hub in the middle of a 100-chunk upload, restart it on the same data, resume.

Every chunk the hub acknowledged must survive, no chunk may be half-stored, and after
``resume_upload`` the label set holds every label exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import predhub
from predhub import Box, Label, Object
from tests.hub_process import HubProcess, postgres_database

from .conftest import ONTOLOGY

CHUNKS = 100
PER_CHUNK = 10
KILL_AFTER = 37  # acknowledged chunks before the kill


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def own_hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubProcess]:
    if request.param == "sqlite":
        with HubProcess(tmp_path) as server:
            yield server
    else:
        with postgres_database() as url, HubProcess(tmp_path, url) as server:
            yield server


def test_sigkill_mid_upload_then_resume_stores_every_label_once(own_hub: HubProcess) -> None:
    labels = [
        Label(
            f"s{i:04d}", [Object("car", Box(i % 97, j, i % 97 + 5, j + 7), confidence=0.9) for j in range(4)]
        )
        for i in range(CHUNKS * PER_CHUNK)
    ]
    fast_fail = predhub.RetryPolicy(max_retries=1, backoff=0.01, max_backoff=0.02)
    with predhub.Client(own_hub.url, own_hub.token, retries=fast_fail) as client:
        dataset = client.create_dataset("killed", ONTOLOGY)
        client.add_samples(
            dataset,
            [
                {"key": x.sample_key, "url": "https://example.test/x.jpg", "width": 100, "height": 50}
                for x in labels
            ],
        )
        label_set = client.create_label_set(dataset, "preds")

        acknowledged: set[int] = set()

        def kill_midway(result: predhub.ChunkResult) -> None:
            acknowledged.add(result.chunk)
            if len(acknowledged) == KILL_AFTER:
                own_hub.kill()

        with pytest.raises(predhub.UploadInterrupted) as info:
            client.upload_labels(label_set, labels, chunk_size=PER_CHUNK, concurrency=4, on_chunk=kill_midway)
        job_id = info.value.job_id
        assert len(acknowledged) >= KILL_AFTER

    own_hub.start()  # same folder / database, same port
    with predhub.Client(own_hub.url, own_hub.token) as client:
        before = client.get_upload(job_id)
        assert before.status is predhub.UploadStatus.OPEN
        # every acknowledged chunk survived (those in flight at the kill may or may not have)
        assert acknowledged <= before.chunks_stored
        assert len(before.chunks_stored) < CHUNKS
        # no chunk is half-stored: the label set holds exactly the labels of the stored chunks
        stored_keys = sorted(x.sample_key for x in client.list_labels(label_set, page_size=1000))
        expected = sorted(
            f"s{i:04d}" for c in before.chunks_stored for i in range(c * PER_CHUNK, (c + 1) * PER_CHUNK)
        )
        assert stored_keys == expected

        done = client.resume_upload(job_id, labels, concurrency=4)
        assert done.status is predhub.UploadStatus.DONE
        assert (done.counts.records, done.counts.objects) == (CHUNKS * PER_CHUNK, CHUNKS * PER_CHUNK * 4)
        after = list(client.list_labels(label_set, page_size=1000))
        assert len(after) == len({x.sample_key for x in after}) == CHUNKS * PER_CHUNK
        assert sorted(after, key=lambda x: x.sample_key) == labels
        counts = client.get_label_set(label_set)
        assert (counts.label_count, counts.object_count) == (CHUNKS * PER_CHUNK, CHUNKS * PER_CHUNK * 4)
