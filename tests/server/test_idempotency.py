"""Creating POSTs with an Idempotency-Key: a repeat answers the first response and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .test_errors import assert_error


def test_dataset_create_once(api: httpx.Client, unique: Callable[[str], str]) -> None:
    name, key = unique("idem"), unique("key")
    first = api.post("/datasets", json={"name": name}, headers={"Idempotency-Key": key})
    again = api.post("/datasets", json={"name": name}, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len(api.get("/datasets", params={"name": name}).json()["items"]) == 1
    # Without the key the same request is a new creation, refused as a name clash.
    assert_error(api.post("/datasets", json={"name": name}), 409, "conflict")
    # The key belongs to that request: reusing it elsewhere is refused.
    other = api.post("/datasets/1/label-sets", json={"name": "x"}, headers={"Idempotency-Key": key})
    assert_error(other, 409, "conflict")


def test_labels_and_samples_once(
    api: httpx.Client, dataset: dict[str, Any], unique: Callable[[str], str]
) -> None:
    ls = api.post(
        f"/datasets/{dataset['id']}/label-sets", json={"name": "p"}, headers={"Idempotency-Key": unique("k")}
    ).json()
    key = unique("labels")
    body = [{"sample": "img-00", "objects": [{"class": "car", "box": [0, 0, 3, 3]}]}]
    url = f"/label-sets/{ls['id']}/labels"
    first = api.post(url, json=body, params={"on_conflict": "append"}, headers={"Idempotency-Key": key})
    again = api.post(url, json=body, params={"on_conflict": "append"}, headers={"Idempotency-Key": key})
    assert first.json() == again.json() and first.json()["objects"] == 1
    assert api.get(f"/label-sets/{ls['id']}").json()["object_count"] == 1  # appended once, not twice
    key = unique("samples")
    samples = [{"key": "extra", "url": "https://example.test/x.jpg", "width": 5, "height": 5}]
    one = api.post(f"/datasets/{dataset['id']}/samples", json=samples, headers={"Idempotency-Key": key})
    two = api.post(f"/datasets/{dataset['id']}/samples", json=samples, headers={"Idempotency-Key": key})
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
