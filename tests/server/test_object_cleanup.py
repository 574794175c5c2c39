"""No object outlives its label: every path that removes or replaces labels (replace on conflict, a
PUT, a delete, a review copy, deleting a label set or a dataset) leaves no object behind, checked in
the database itself. Guards the objects -> labels cascade, or whatever replaces it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, text

from predhub.store import Database
from predhub.store.db import sqlite_url
from tests.hub_fixtures import Hub

BOX = {"class": "car", "box": [1, 2, 30, 40], "confidence": 0.5}
ROAD = {"class": "road", "polygon": [[0, 0], [10, 0], [10, 5]]}


@pytest.fixture
def database(hub: Hub) -> Iterator[Database]:
    db = Database(hub.server.database_url or sqlite_url(hub.data_dir.resolve() / "predhub.db"))
    yield db
    db.dispose()


def _objects(db: Database, label_set_ids: list[int]) -> dict[tuple[int, str], int]:
    """(label set, sample key) -> its objects in the table, for the given label sets."""
    query = text(
        "SELECT o.label_set_id, s.key, count(*) FROM objects o JOIN samples s ON s.id = o.sample_id"
        " WHERE o.label_set_id IN :ids GROUP BY o.label_set_id, s.key"
    ).bindparams(bindparam("ids", expanding=True))
    with db.read() as conn:
        return {(row[0], row[1]): row[2] for row in conn.execute(query, {"ids": label_set_ids})}


def _orphans(db: Database, label_set_ids: list[int]) -> int:
    query = text(
        "SELECT count(*) FROM objects o WHERE o.label_set_id IN :ids AND NOT EXISTS (SELECT 1 FROM"
        " labels l WHERE l.label_set_id = o.label_set_id AND l.sample_id = o.sample_id)"
    ).bindparams(bindparam("ids", expanding=True))
    with db.read() as conn:
        return int(conn.execute(query, {"ids": label_set_ids}).scalar_one())


def _label_set(api: httpx.Client, dataset: dict[str, Any], name: str) -> int:
    created = api.post(f"/datasets/{dataset['id']}/label-sets", json={"name": name, "kind": "predictions"})
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _post(api: httpx.Client, label_set_id: int, records: list[dict[str, Any]]) -> None:
    response = api.post(f"/label-sets/{label_set_id}/labels", json=records)
    assert response.status_code in (200, 201), response.text


def test_replacing_and_deleting_labels_leaves_no_objects_behind(
    api: httpx.Client, dataset: dict[str, Any], database: Database
) -> None:
    a, b, c = (_label_set(api, dataset, name) for name in ("a", "b", "c"))
    _post(api, a, [{"sample": f"img-0{i}", "objects": [BOX, BOX, ROAD]} for i in range(5)])
    _post(api, b, [{"sample": "img-00", "objects": [BOX, BOX, BOX, BOX]}])
    _post(api, c, [{"sample": "img-00", "objects": [BOX]}])
    assert _objects(database, [b]) == {(b, "img-00"): 4}

    _post(api, a, [{"sample": "img-00", "objects": [BOX]}])  # replace on conflict (the default)
    put = api.put(f"/label-sets/{a}/labels/img-01", json={"objects": [{"class": "head", "point": [3, 4]}]})
    assert put.status_code == 200, put.text
    assert api.delete(f"/label-sets/{a}/labels/img-02").status_code == 204
    for key in ("img-03", "img-00"):  # img-00 replaces b's label of four boxes
        copied = api.post(f"/label-sets/{a}/copy/{key}", json={"label_set_id": b, "mode": "replace"})
        assert copied.status_code == 200, copied.text
    assert _objects(database, [a, b]) == {
        (a, "img-00"): 1,
        (a, "img-01"): 1,
        (a, "img-03"): 3,
        (a, "img-04"): 3,
        (b, "img-00"): 1,
        (b, "img-03"): 3,
    }
    assert _orphans(database, [a, b, c]) == 0

    assert api.delete(f"/label-sets/{b}").status_code == 204
    assert _objects(database, [b]) == {}
    assert api.delete(f"/datasets/{dataset['id']}").status_code == 204
    assert _objects(database, [a, b, c]) == {}
