"""Datasets over the REST API: create, read, list with cursors, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import ONTOLOGY

from .test_errors import assert_error


def test_create_get_delete(api: httpx.Client, unique: Callable[[str], str]) -> None:
    name = unique("cars")
    created = api.post("/datasets", json={"name": name, "description": "street scenes", "ontology": ONTOLOGY})
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == name and body["media_type"] == "image" and body["sample_count"] == 0
    assert body["ontology"]["objects"][0]["name"] == "car"
    assert body["created_at"].endswith("Z")
    assert api.get(f"/datasets/{body['id']}").json() == body
    assert api.get("/datasets", params={"name": name}).json()["items"] == [body]
    assert api.delete(f"/datasets/{body['id']}").status_code == 204
    assert_error(api.get(f"/datasets/{body['id']}"), 404, "not_found")


def test_bad_ontology_names_the_field(api: httpx.Client, unique: Callable[[str], str]) -> None:
    bad = {"objects": [{"name": "car", "kind": "cube"}]}
    error = assert_error(
        api.post("/datasets", json={"name": unique("x"), "ontology": bad}), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "ontology.objects[0].kind"


def test_list_pages_with_cursors(api: httpx.Client, unique: Callable[[str], str]) -> None:
    prefix = unique("page")
    ids = [api.post("/datasets", json={"name": f"{prefix}-{i}"}).json()["id"] for i in range(5)]
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/datasets", params=params).json()
        seen += [d["id"] for d in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen)  # keyset order, no duplicates
    assert len(set(seen)) == len(seen)
    assert set(ids) <= set(seen)
    assert pages >= 3


def test_patch_may_only_extend_the_ontology(api: httpx.Client, dataset: dict[str, Any]) -> None:
    url = f"/datasets/{dataset['id']}"
    grown = {**ONTOLOGY, "objects": [*ONTOLOGY["objects"], {"name": "bus", "kind": "box"}]}
    patched = api.patch(url, json={"ontology": grown, "description": "now with buses"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "now with buses"
    assert [o["name"] for o in patched.json()["ontology"]["objects"]][-1] == "bus"
    shrunk = {**ONTOLOGY, "objects": ONTOLOGY["objects"][1:]}
    error = assert_error(api.patch(url, json={"ontology": shrunk}), 422, "validation_error")
    assert "'car' may not be removed" in error["details"][0]["message"]
    # The new class is usable right away (the server's parsed-ontology cache follows the change).
    ls = api.post(f"{url}/label-sets", json={"name": "gt", "kind": "ground_truth"}).json()
    stored = api.post(
        f"/label-sets/{ls['id']}/labels",
        json=[{"sample": "img-00", "objects": [{"class": "bus", "box": [0, 0, 5, 5]}]}],
    )
    assert stored.status_code == 200, stored.text


def test_sample_count(api: httpx.Client, dataset: dict[str, Any]) -> None:
    assert api.get(f"/datasets/{dataset['id']}").json()["sample_count"] == 20
