"""OpenLABEL scenes beyond one frame and one stream, and poly2d holes (formats.md §3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from predhub.core import Box, FieldError, Label, Object, Point, Polygon
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Parsed, Record
from predhub.formats.registry import get_format

SEED = json.loads((Path(__file__).parent / "fixtures" / "openlabel_seed.json").read_text())
OID = "3f1c2a9e-5b7d-4c1e-9a2b-7d8e6f5a4b3c"
BASE = "openlabelContent.openlabel"


def _parse(body: dict[str, Any]) -> Parsed:
    return get_format("openlabel").parse(Record(0, body), ImportOptions())[0]


def _bbox(stream: str | None, val: list[float]) -> dict[str, Any]:
    attributes: dict[str, Any] = {"num": [{"name": "confidence", "val": 0.5}]}
    if stream is not None:
        attributes["text"] = [{"name": "stream", "val": stream}]
    return {"name": "b", "val": val, "attributes": attributes}


def test_the_lowest_frame_is_read_and_the_others_reported() -> None:
    body = copy.deepcopy(SEED)
    frames = body["openlabelContent"]["openlabel"]["frames"]
    frames["10"] = copy.deepcopy(frames["0"])
    frames["2"] = frames.pop("0")
    frames["10"]["objects"][OID]["object_data"]["bbox"][0]["val"] = [1, 1, 1, 1]
    parsed = _parse(body)
    assert [o.geometry for o in parsed.label.objects] == [Box(100, 65, 140, 95)]
    assert parsed.warnings == [
        (f"{BASE}.frames", "frames ['10'] not kept: a sample is one image (frame 2 is read)")
    ]


def test_frame_keys_must_be_digits() -> None:
    body = copy.deepcopy(SEED)
    frames = body["openlabelContent"]["openlabel"]["frames"]
    frames["x"] = frames.pop("0")
    with pytest.raises(FieldError, match="digit strings"):
        _parse(body)


def test_geometries_of_another_stream_are_reported_not_kept() -> None:
    body = copy.deepcopy(SEED)
    ol = body["openlabelContent"]["openlabel"]
    ol["streams"]["CAM_LEFT"] = {"type": "camera"}
    data = ol["frames"]["0"]["objects"][OID]["object_data"]
    data["bbox"] += [_bbox("CAM_LEFT", [10, 10, 4, 4]), _bbox(None, [20, 20, 4, 4])]
    parsed = _parse(body)
    assert [o.geometry for o in parsed.label.objects] == [Box(100, 65, 140, 95), Box(18, 18, 22, 22)]
    path = f"{BASE}.frames.0.objects.{OID}.object_data.bbox"
    assert parsed.warnings == [
        (
            f"{path}[1].attributes.text",
            "stream 'CAM_LEFT' not kept: the sample is stream 'CAM_FRONT''s image",
        ),
        (f"{path}[2].attributes.text", 'names no "stream" (Kognic requires one)'),
    ]


def test_static_object_data_and_contexts_are_reported() -> None:
    body = copy.deepcopy(SEED)
    ol = body["openlabelContent"]["openlabel"]
    ol["objects"][OID]["object_data"] = {"text": [{"name": "color", "val": "red"}]}
    ol["contexts"] = {"0": {"type": "weather"}}
    assert [p for p, _ in _parse(body).warnings] == [f"{BASE}.objects.{OID}.object_data", f"{BASE}.contexts"]


def test_chain_coded_poly2d_is_an_error_naming_the_mode() -> None:
    body = copy.deepcopy(SEED)
    data = body["openlabelContent"]["openlabel"]["frames"]["0"]["objects"][OID]["object_data"]
    data["poly2d"] = [
        {"name": "p", "val": ["1", "2", "3", "abc"], "closed": True, "mode": "MODE_POLY2D_SRF6DCC"}
    ]
    with pytest.raises(FieldError, match="only MODE_POLY2D_ABSOLUTE"):
        _parse(body)


def test_polygon_holes_travel_as_poly2d_hierarchy() -> None:
    outer = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], float)
    holes = (np.array([[2, 2], [4, 2], [4, 4]], float), np.array([[6, 6], [8, 6], [8, 8]], float))
    label = Label(
        "scene", [Object("road", Polygon(outer, holes), 0.9, id="1"), Object("car", Box(1, 1, 3, 3), id="2")]
    )
    report = ExportReport("openlabel")
    (body,) = get_format("openlabel").export(label, ExportOptions(stream="CAM"), report)
    assert report.lossless
    items = body["openlabelContent"]["openlabel"]["frames"]["0"]["objects"]["1"]["object_data"]["poly2d"]
    assert [i["hierarchy"] for i in items] == [[-1, -1, 1, -1], [2, -1, -1, 0], [-1, 1, -1, 0]]
    (back,) = get_format("openlabel").parse(Record(0, json.loads(json.dumps(body))), ImportOptions())
    assert back.warnings == []
    assert [o.geometry for o in back.label.objects] == [o.geometry for o in label.objects]


def test_a_hole_under_an_open_poly2d_is_read_on_its_own() -> None:
    body = copy.deepcopy(SEED)
    data = body["openlabelContent"]["openlabel"]["frames"]["0"]["objects"][OID]["object_data"]
    line = {"name": "l", "val": [0, 0, 5, 5], "closed": False, "mode": "MODE_POLY2D_ABSOLUTE"}
    ring = {
        "name": "r",
        "val": [1, 1, 2, 1, 2, 2],
        "closed": True,
        "mode": "MODE_POLY2D_ABSOLUTE",
        "hierarchy": [-1, -1, -1, 0],
    }
    data["poly2d"] = [line, ring]
    parsed = _parse(body)
    assert len(parsed.label.objects) == 3
    assert "a hole of an open poly2d: read on its own" in [m for _, m in parsed.warnings]


def test_3d_geometry_is_reported_not_kept() -> None:
    body = copy.deepcopy(SEED)
    data = body["openlabelContent"]["openlabel"]["frames"]["0"]["objects"][OID]["object_data"]
    data["cuboid"] = [{"name": "c", "val": [0] * 10}]
    parsed = _parse(body)
    assert len(parsed.label.objects) == 1
    assert parsed.warnings == [
        (f"{BASE}.frames.0.objects.{OID}.object_data.cuboid", "'cuboid' data is not kept")
    ]


def test_keypoint_sets_are_objects_of_point2d_with_ids() -> None:
    nose = Object(
        "person", Point(1, 2), 0.8, attributes={"instance": "7", "keypoint": "nose", "visibility": 2}
    )
    eye = Object("person", Point(3, 4), 0.8, attributes={"instance": "7", "keypoint": "eye"})
    other = Object("car", Box(0, 0, 2, 2), id="7")  # the same id as the set: must stay its own object
    report = ExportReport("openlabel")
    (body,) = get_format("openlabel").export(Label("s", [nose, eye, other]), ExportOptions(), report)
    frame = body["openlabelContent"]["openlabel"]["frames"]["0"]["objects"]
    assert [(i["name"], i["id"]) for i in frame["7"]["object_data"]["point2d"]] == [("nose", 0), ("eye", 1)]
    assert len(frame) == 2 and report.converted == {"object id as UUID": 1}
    (back,) = get_format("openlabel").parse(Record(0, json.loads(json.dumps(body))), ImportOptions())
    points = [o for o in back.label.objects if o.class_name == "person"]
    assert [o.attributes for o in points] == [
        {"instance": "7", "keypoint": "nose", "visibility": 2},
        {"instance": "7", "keypoint": "eye"},
    ]
    assert all(o.id is None for o in points)
