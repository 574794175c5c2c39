"""SIGKILL the hub in the middle of a 100-chunk upload, restart it on the same data, resume.

Every chunk the hub acknowledged must survive, no chunk may be half-stored, and after
``resume_upload`` the label set holds every label exactly once.
"""

from __future__ import annotations

import pytest

import predhub
from predhub import Box, Label, Object
from tests.hub_fixtures import Hub
from tests.sdk_helpers import ONTOLOGY

CHUNKS = 100
PER_CHUNK = 10
KILL_AFTER = 37  # acknowledged chunks before the kill


def test_sigkill_mid_upload_then_resume_stores_every_label_once(fresh_hub: Hub) -> None:
    labels = [
        Label(
            f"s{i:04d}", [Object("car", Box(i % 97, j, i % 97 + 5, j + 7), confidence=0.9) for j in range(4)]
        )
        for i in range(CHUNKS * PER_CHUNK)
    ]
    fast_fail = predhub.RetryPolicy(max_retries=1, backoff=0.01, max_backoff=0.02)
    with predhub.Client(fresh_hub.url, fresh_hub.token, retries=fast_fail) as client:
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
                fresh_hub.kill()

        with pytest.raises(predhub.UploadInterrupted) as info:
            client.upload_labels(label_set, labels, chunk_size=PER_CHUNK, concurrency=4, on_chunk=kill_midway)
        job_id = info.value.job_id
        assert len(acknowledged) >= KILL_AFTER

    fresh_hub.restart()  # same folder / database, same port
    with predhub.Client(fresh_hub.url, fresh_hub.token) as client:
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
