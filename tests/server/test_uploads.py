"""Upload jobs: chunks stored whole or not at all, retries that never write twice, and a server killed
with SIGKILL in the middle of a 100-chunk upload that keeps exactly the chunks it acknowledged."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
import orjson

from predhub.core.box_columns import BOX_COLUMNS_MEDIA_TYPE, box_columns_from_records, encode_box_columns
from tests.hub_fixtures import ONTOLOGY, Hub, assert_error


def chunk_body(records: list[dict[str, Any]]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records)


def put_chunk(api: httpx.Client, job: int, n: int, records: list[dict[str, Any]]) -> httpx.Response:
    return api.put(
        f"/uploads/{job}/chunks/{n}",
        content=chunk_body(records),
        headers={"content-type": "application/x-ndjson"},
    )


def boxes(key: str, n: int = 3) -> dict[str, Any]:
    return {
        "sample": key,
        "objects": [{"class": "car", "box": [i, i, i + 10, i + 10], "confidence": 0.5} for i in range(n)],
    }


def test_chunks_retries_and_complete(api: httpx.Client, label_set: dict[str, Any]) -> None:
    job = api.post(
        f"/label-sets/{label_set['id']}/uploads",
        json={"mode": "partial", "on_conflict": "append", "total_chunks": 3},
    ).json()
    assert (job["status"], job["chunks_stored"], job["progress"]) == ("open", [], 0.0)
    first = put_chunk(api, job["id"], 0, [boxes("img-00"), boxes("img-01")])
    assert first.status_code == 200 and first.json()["stored"] == 2
    # A retry of a stored chunk answers its first result and writes nothing (append would double it).
    retry = put_chunk(api, job["id"], 0, [boxes("img-00"), boxes("img-01")])
    assert retry.json() == first.json()
    assert api.get(f"/label-sets/{label_set['id']}").json()["object_count"] == 6
    bad = put_chunk(
        api,
        job["id"],
        2,
        [boxes("img-02"), {"sample": "img-03", "objects": [{"class": "bus", "box": [0, 0, 1, 1]}]}],
    )
    assert bad.json()["rejected"] == 1 and bad.json()["errors"][0]["field"] == "objects[0].class"
    assert_error(
        put_chunk(api, job["id"], 3, [boxes("img-04")]), 422, "validation_error"
    )  # beyond total_chunks
    state = api.get(f"/uploads/{job['id']}").json()
    assert state["chunks_stored"] == [0, 2] and abs(state["progress"] - 2 / 3) < 1e-9
    assert state["counts"] == {"records": 4, "objects": 9, "rejected": 1}
    assert [(e["chunk"], e["record"]) for e in state["errors"]] == [(2, 1)]
    assert_error(api.post(f"/uploads/{job['id']}/complete"), 409, "conflict")  # chunk 1 missing
    put_chunk(api, job["id"], 1, [boxes("img-05")])
    done = api.post(f"/uploads/{job['id']}/complete").json()
    assert (done["status"], done["progress"]) == ("done", 1.0)  # partial mode: rejected records don't fail it
    # A finished upload takes no more chunks.
    assert_error(put_chunk(api, job["id"], 5, [boxes("img-06")]), 409, "conflict")


def test_strict_chunk_with_an_error_stores_nothing_and_fails_the_job(
    api: httpx.Client, label_set: dict[str, Any]
) -> None:
    job = api.post(f"/label-sets/{label_set['id']}/uploads", json={"mode": "strict"}).json()
    result = put_chunk(
        api,
        job["id"],
        0,
        [boxes("img-10"), {"sample": "img-11", "objects": [{"class": "car", "box": [0, 0]}]}],
    ).json()
    assert (result["stored"], result["rejected"]) == (0, 1)
    assert result["errors"] == [
        {"record": 1, "field": "objects[0].box", "message": "must be [x0, y0, x1, y1]"}
    ]
    assert api.get(f"/label-sets/{label_set['id']}").json()["label_count"] == 0
    assert api.post(f"/uploads/{job['id']}/complete").json()["status"] == "failed"


def test_idempotent_upload_creation(
    api: httpx.Client, label_set: dict[str, Any], unique: Callable[[str], str]
) -> None:
    key = unique("upload")
    a = api.post(f"/label-sets/{label_set['id']}/uploads", json={}, headers={"Idempotency-Key": key}).json()
    b = api.post(f"/label-sets/{label_set['id']}/uploads", json={}, headers={"Idempotency-Key": key}).json()
    assert a["id"] == b["id"]


CHUNKS, PER_CHUNK = 100, 5


def _labelled_keys(api: httpx.Client, ls: int) -> dict[str, int]:
    """Sample key -> object count of every label in the set."""
    out: dict[str, int] = {}
    params: dict[str, Any] = {"limit": 1000}
    while True:
        page = api.get(f"/label-sets/{ls}/labels", params=params).json()
        out.update({label["sample"]: len(label["objects"]) for label in page["items"]})
        if page["next_cursor"] is None:
            return out
        params["cursor"] = page["next_cursor"]


def test_sigkill_mid_upload_keeps_every_acknowledged_chunk_and_no_partial_one(fresh_hub: Hub) -> None:
    with fresh_hub.api() as api:
        ds = api.post("/datasets", json={"name": "kill", "ontology": ONTOLOGY}).json()
        keys = [f"s{i:04d}" for i in range(CHUNKS * PER_CHUNK)]
        samples = [
            {"key": k, "url": f"https://example.test/{k}.jpg", "width": 640, "height": 480} for k in keys
        ]
        assert api.post(f"/datasets/{ds['id']}/samples", json=samples).status_code == 201
        ls = api.post(f"/datasets/{ds['id']}/label-sets", json={"name": "p"}).json()["id"]
        job = api.post(
            f"/label-sets/{ls}/uploads",
            json={"mode": "strict", "on_conflict": "append", "total_chunks": CHUNKS},
        ).json()["id"]
    chunks = [[boxes(k, 4) for k in keys[c * PER_CHUNK : (c + 1) * PER_CHUNK]] for c in range(CHUNKS)]
    acknowledged: list[int] = []
    enough = threading.Event()

    def upload() -> None:
        with fresh_hub.api() as client:
            for n, records in enumerate(chunks):
                try:
                    response = put_chunk(client, job, n, records)
                except httpx.TransportError:
                    return  # the server died under us
                if response.status_code == 200:
                    acknowledged.append(n)
                if len(acknowledged) >= 30:
                    enough.set()
        enough.set()

    sender = threading.Thread(target=upload)
    sender.start()
    enough.wait()
    fresh_hub.kill()
    sender.join()
    assert 30 <= len(acknowledged) < CHUNKS
    fresh_hub.restart()
    with fresh_hub.api() as api:
        state = api.get(f"/uploads/{job}").json()
        stored = set(state["chunks_stored"])
        assert set(acknowledged) <= stored
        labelled = _labelled_keys(api, ls)
        for n in range(CHUNKS):
            present = [labelled.get(k) for k in keys[n * PER_CHUNK : (n + 1) * PER_CHUNK]]
            # Whole or nothing, and present exactly when the chunk is recorded as stored.
            assert present == ([4] * PER_CHUNK if n in stored else [None] * PER_CHUNK), (n, present)
        # Resume: send what is missing, and re-send one acknowledged chunk, which must not write again.
        for n in range(CHUNKS):
            if n not in stored or n == acknowledged[0]:
                assert put_chunk(api, job, n, chunks[n]).status_code == 200
        done = api.post(f"/uploads/{job}/complete").json()
        assert done["status"] == "done" and done["counts"]["records"] == CHUNKS * PER_CHUNK
        assert set(_labelled_keys(api, ls).values()) == {4}
        assert api.get(f"/label-sets/{ls}").json()["object_count"] == CHUNKS * PER_CHUNK * 4


def put_columns(api: httpx.Client, job: int, n: int, body: bytes) -> httpx.Response:
    return api.put(
        f"/uploads/{job}/chunks/{n}", content=body, headers={"content-type": BOX_COLUMNS_MEDIA_TYPE}
    )


def test_a_chunk_of_box_columns_stores_and_reports_like_records(
    api: httpx.Client, label_set: dict[str, Any]
) -> None:
    job = api.post(
        f"/label-sets/{label_set['id']}/uploads", json={"mode": "partial", "total_chunks": 2}
    ).json()
    records = [boxes("img-00", 2), {"sample": "img-01", "objects": [{"class": "bus", "box": [0, 0, 1, 1]}]}]
    columns = box_columns_from_records(records)
    assert columns is not None
    answer = put_columns(api, job["id"], 0, encode_box_columns(columns))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["stored"], answer.json()["objects"], answer.json()["rejected"]) == (1, 2, 1)
    assert [(e["record"], e["field"]) for e in answer.json()["errors"]] == [(1, "objects[0].class")]
    stored = api.get(f"/label-sets/{label_set['id']}/labels/img-00").json()
    assert [(o["class"], o["box"], o["confidence"]) for o in stored["objects"]] == [
        ("car", [0.0, 0.0, 10.0, 10.0], 0.5),
        ("car", [1.0, 1.0, 11.0, 11.0], 0.5),
    ]
    # Columns whose lengths disagree are one malformed body: 422 naming the column, nothing stored.
    broken = (
        b'{"samples": ["img-02"], "counts": [2], "classes": ["car"], "class": [0], "boxes": [1, 2, 3, 4]}'
    )
    error = assert_error(put_columns(api, job["id"], 1, broken), 422, "validation_error")
    assert error["details"][0]["field"] == "class"
    assert api.get(f"/uploads/{job['id']}").json()["chunks_stored"] == [0]
