"""Retries after a lost response or a 5xx never write twice (a real proxy breaks real exchanges)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import predhub
from tests.flaky_proxy import FlakyProxy
from tests.hub_process import HubProcess

from .conftest import ONTOLOGY

FAST = predhub.RetryPolicy(max_retries=3, backoff=0.01, max_backoff=0.05)


@pytest.fixture
def proxy(hub: HubProcess) -> Iterator[FlakyProxy]:
    p = FlakyProxy(hub.port)
    yield p
    p.close()


@pytest.fixture
def flaky(proxy: FlakyProxy, hub: HubProcess) -> Iterator[predhub.Client]:
    with predhub.Client(proxy.url, hub.token, retries=FAST) as c:
        yield c


def test_a_create_whose_response_was_lost_is_not_created_twice(
    flaky: predhub.Client, proxy: FlakyProxy, client: predhub.Client
) -> None:
    proxy.add("POST /api/v1/datasets ", "drop")
    created = flaky.create_dataset("lost-response", ONTOLOGY)
    assert proxy.hits[b"POST /api/v1/datasets "] == 2  # sent, lost, resent with the same Idempotency-Key
    assert [d.id for d in client.list_datasets() if d.name == "lost-response"] == [created.id]


def test_appending_labels_twice_after_a_lost_response_appends_once(
    flaky: predhub.Client, proxy: FlakyProxy, client: predhub.Client, dataset: predhub.Dataset
) -> None:
    label_set = client.create_label_set(dataset, "append-once")
    client.put_label(label_set, {"sample": "img-000", "objects": [{"class": "car", "box": [0, 0, 1, 1]}]})
    prefix = f"POST /api/v1/label-sets/{label_set.id}/labels"
    proxy.add(prefix, "drop")
    more = [{"sample": "img-000", "objects": [{"class": "person", "box": [0, 0, 2, 2]}]}]
    result = flaky.add_labels(label_set, more, on_conflict="append")
    assert result.stored == 1
    assert proxy.hits[prefix.encode()] == 2
    # append would have added the person twice had the retry written again
    assert [o.class_name for o in client.get_label(label_set, "img-000").objects] == ["car", "person"]


def test_samples_whose_response_was_lost_are_added_once(
    flaky: predhub.Client, proxy: FlakyProxy, client: predhub.Client
) -> None:
    dataset = client.create_dataset("samples-once", ONTOLOGY)
    prefix = f"POST /api/v1/datasets/{dataset.id}/samples"
    proxy.add(prefix, "drop")
    ids = flaky.add_samples(
        dataset, [{"key": "a", "url": "https://example.test/a.jpg", "width": 2, "height": 2}]
    ).ids
    assert proxy.hits[prefix.encode()] == 2
    assert tuple(s.id for s in client.list_samples(dataset)) == ids


def test_upload_chunks_whose_responses_were_lost_are_stored_once(
    flaky: predhub.Client, proxy: FlakyProxy, client: predhub.Client, dataset: predhub.Dataset
) -> None:
    label_set = client.create_label_set(dataset, "chunks-once")
    proxy.add("PUT /api/v1/uploads/", "drop", times=3)
    records = [
        {"sample": f"img-{i:03d}", "objects": [{"class": "car", "box": [0, 0, 5, 5]}] * 2} for i in range(12)
    ]
    job = flaky.upload_labels(label_set, records, chunk_size=2, concurrency=2, on_conflict="append")
    assert proxy.hits[b"PUT /api/v1/uploads/"] == 6 + 3
    assert (job.counts.records, job.counts.objects) == (12, 24)
    assert client.get_label_set(label_set).object_count == 24


def test_a_503_is_retried(flaky: predhub.Client, proxy: FlakyProxy) -> None:
    proxy.add("GET /api/v1/me ", "503", times=2)
    assert flaky.me().user.name == "admin"
    assert proxy.hits[b"GET /api/v1/me "] == 3


def test_retries_give_up_with_the_servers_error(flaky: predhub.Client, proxy: FlakyProxy) -> None:
    proxy.add("GET /api/v1/me ", "503", times=10)
    with pytest.raises(predhub.ServerError) as info:
        flaky.me()
    assert info.value.status == 503
    assert proxy.hits[b"GET /api/v1/me "] == 1 + FAST.max_retries
