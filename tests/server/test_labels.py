"""Labels over the REST API: every geometry kind round trips; bad input is refused record by record."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import orjson
import pytest

from predhub.core.mask import Mask
from predhub.core.serde import label_from_dict, label_to_dict

from .test_errors import assert_error


def _mask() -> dict[str, Any]:
    pixels = np.zeros((480, 640), dtype=bool)
    pixels[10:40, 100:180] = True
    return Mask.from_array(pixels).to_coco()


MASK = _mask()

RICH = {
    "sample": "img-00",
    "objects": [
        {
            "class": "car",
            "box": [10.5, 20.0, 110.0, 80.25],
            "confidence": 0.75,
            "classifications": [
                {
                    "name": "color",
                    "answer": {"name": "blue", "classifications": [{"name": "shade", "text": "navy"}]},
                }
            ],
            "attributes": {"occluded": True},
            "id": "car-1",
        },
        {"class": "car", "box": [1, 1, 5, 5], "rotation": 30.0},
        {
            "class": "road",
            "polygon": [[0, 0], [100, 0], [100, 50], [0, 50]],
            "holes": [[[10, 10], [20, 10], [20, 20]]],
        },
        {"class": "lane", "polyline": [[0, 0], [5, 5], [9, 2]]},
        {"class": "head", "point": [12.5, 7.0]},
        {"class": "sky", "mask": MASK, "confidence": 0.5},
    ],
    "classifications": [
        {"name": "weather", "answer": "rain"},
        {"name": "tags", "answers": ["night", "blurry"]},
    ],
    "score": 0.9,
    "status": "reviewed",
}


def canonical(record: dict[str, Any]) -> dict[str, Any]:
    return label_to_dict(label_from_dict(record))


def post(api: httpx.Client, ls: dict[str, Any], records: Any, **params: str) -> httpx.Response:
    return api.post(f"/label-sets/{ls['id']}/labels", json=records, params=params)


def test_every_kind_round_trips(api: httpx.Client, label_set: dict[str, Any]) -> None:
    response = post(api, label_set, [RICH])
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1 and response.json()["objects"] == 6
    stored = api.get(f"/label-sets/{label_set['id']}/labels/img-00").json()
    assert stored == canonical(RICH)
    counts = api.get(f"/label-sets/{label_set['id']}").json()
    assert (counts["label_count"], counts["object_count"]) == (1, 6)


def test_plain_boxes_take_the_same_shape(api: httpx.Client, label_set: dict[str, Any]) -> None:
    records = [
        {
            "sample": f"img-{i:02d}",
            "objects": [
                {"class": "person", "box": [i, 2, i + 30, 40], "confidence": 0.5},
                {"class": "car", "box": [0, 0, 1, 1]},
            ],
        }
        for i in range(1, 6)
    ]
    body = b"\n".join(orjson.dumps(r) for r in records)
    response = api.post(
        f"/label-sets/{label_set['id']}/labels",
        content=body,
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    page = api.get(f"/label-sets/{label_set['id']}/labels", params={"limit": 2}).json()
    assert page["items"] == [canonical(r) for r in records[:2]]
    rest = api.get(f"/label-sets/{label_set['id']}/labels", params={"cursor": page["next_cursor"]}).json()
    assert rest["items"] == [canonical(r) for r in records[2:]] and rest["next_cursor"] is None


BAD = [
    (
        {"sample": "img-01", "objects": [{"class": "truck", "box": [0, 0, 1, 1]}]},
        "objects[0].class",
        "unknown class",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "box": [5, 0, 1, 1]}]},
        "objects[0].box.width",
        "x1 < x0",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "box": [0, 0, 1]}]},
        "objects[0].box",
        "[x0, y0, x1, y1]",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "box": [0, "a", 1, 1]}]},
        "objects[0].box[1]",
        "number",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "box": [0, True, 1, 1]}]},
        "objects[0].box[1]",
        "bool",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "box": [0, 0, 1, 1], "confidence": 1.5}]},
        "objects[0].confidence",
        "between 0 and 1",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "box": [0, 0, 9000, 1]}]},
        "objects[0].box",
        "far outside",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "car", "polygon": [[0, 0], [1, 1], [2, 0]]}]},
        "objects[0].polygon",
        "drawn as box",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "road", "polygon": [[0, 0], [1, 1]]}]},
        "objects[0].polygon",
        "at least 3 points",
    ),
    (
        {"sample": "img-01", "objects": [{"class": "sky", "mask": {"size": [2, 2], "counts": [1]}}]},
        "objects[0].mask",
        "sum",
    ),
    ({"sample": "img-01", "objects": "many"}, "objects", "must be a list"),
    ({"sample": "img-01", "status": "done"}, "status", "must be one of"),
    (
        {"sample": "img-01", "classifications": [{"name": "weather", "answer": "snow"}]},
        "classifications[0].answer",
        "not an option",
    ),
    ({"sample": "nope", "objects": []}, "sample", "unknown sample key"),
    ({"objects": []}, "sample", "non-empty string"),
    ([1, 2], "label", "JSON object"),
]


@pytest.mark.parametrize(("record", "field", "words"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_bad_record_is_422_naming_record_and_field(
    api: httpx.Client, label_set: dict[str, Any], record: Any, field: str, words: str
) -> None:
    good = {"sample": "img-02", "objects": [{"class": "car", "box": [0, 0, 1, 1]}]}
    error = assert_error(post(api, label_set, [good, record]), 422, "validation_error")
    details = [d for d in error["details"] if d["record"] == 1]
    assert any(d["field"] == field and words in d["message"] for d in details), details
    assert all(d["record"] == 1 for d in error["details"])
    assert api.get(f"/label-sets/{label_set['id']}").json()["label_count"] == 0  # strict: nothing stored


def test_bad_ndjson_line_is_that_records_error(api: httpx.Client, label_set: dict[str, Any]) -> None:
    body = b'{"sample": "img-01", "objects": []}\n{"sample": "img-02", "obj\n'
    response = api.post(
        f"/label-sets/{label_set['id']}/labels",
        content=body,
        params={"mode": "partial"},
        headers={"content-type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["stored"], result["rejected"]) == (1, 1)
    assert result["errors"][0]["record"] == 1 and "not valid JSON" in result["errors"][0]["message"]


def test_partial_mode_stores_the_valid_records(api: httpx.Client, label_set: dict[str, Any]) -> None:
    records = [{"sample": "img-01", "objects": []}, BAD[0][0] | {"sample": "img-03"}, {"sample": "img-04"}]
    result = post(api, label_set, records, mode="partial").json()
    assert (result["stored"], result["rejected"]) == (2, 1)
    assert [(e["record"], e["field"]) for e in result["errors"]] == [(1, "objects[0].class")]
    assert api.get(f"/label-sets/{label_set['id']}").json()["label_count"] == 2


def test_a_sample_twice_in_one_request_is_refused(api: httpx.Client, label_set: dict[str, Any]) -> None:
    error = assert_error(
        post(api, label_set, [{"sample": "img-01"}, {"sample": "img-01"}]), 422, "validation_error"
    )
    assert error["details"] == [{"record": 1, "field": "sample", "message": "repeats the sample of record 0"}]


def test_on_conflict_replace_append_skip(api: httpx.Client, label_set: dict[str, Any]) -> None:
    one = {"sample": "img-07", "objects": [{"class": "car", "box": [0, 0, 2, 2]}]}
    two = {"sample": "img-07", "objects": [{"class": "person", "box": [1, 1, 3, 3]}]}
    url = f"/label-sets/{label_set['id']}/labels/img-07"
    post(api, label_set, [one])
    assert post(api, label_set, [two], on_conflict="skip").json()["skipped"] == 1
    assert api.get(url).json() == canonical(one)
    post(api, label_set, [two], on_conflict="append")
    both = api.get(url).json()
    assert [o["class"] for o in both["objects"]] == ["car", "person"]
    post(api, label_set, [two])  # replace is the default
    assert api.get(url).json() == canonical(two)
    assert api.get(f"/label-sets/{label_set['id']}").json()["object_count"] == 1


def test_put_get_delete_one_label(api: httpx.Client, label_set: dict[str, Any]) -> None:
    url = f"/label-sets/{label_set['id']}/labels/img-09"
    put = api.put(url, json={"objects": [{"class": "head", "point": [3, 4]}], "status": "prelabel"})
    assert put.status_code == 200, put.text
    assert put.json() == {
        "sample": "img-09",
        "objects": [{"class": "head", "point": [3.0, 4.0]}],
        "status": "prelabel",
    }
    assert api.get(url).json() == put.json()
    error = assert_error(
        api.put(url, json={"objects": [{"class": "head", "box": [0, 0, 1, 1]}]}), 422, "validation_error"
    )
    assert error["details"][0]["field"] == "objects[0].box"
    assert api.get(url).json() == put.json()  # the refused PUT changed nothing
    assert api.delete(url).status_code == 204
    assert_error(api.get(url), 404, "not_found")
    assert_error(api.delete(url), 404, "not_found")
