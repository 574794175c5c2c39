"""Supervisely's oriented_bbox, alpha_mask and cuboid_2d objects."""

from __future__ import annotations

import base64
import io
import math
import zlib

import numpy as np
from PIL import Image

from predhub.core import Box, Label, Mask, Object
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Parsed, Record
from predhub.formats.registry import get_format


def _parse(objects: list[dict[str, object]]) -> Parsed:
    ann = {"size": {"height": 8, "width": 10}, "objects": objects}
    return get_format("supervisely").parse(Record(0, ann, key="a.jpg"), ImportOptions())[0]


def test_oriented_bbox_is_a_rotated_box_and_is_written_back_as_one() -> None:
    # The SDK's OrientedBBox.to_json: inclusive corners and a clockwise angle in radians.
    entry = {
        "classTitle": "car",
        "geometryType": "oriented_bbox",
        "points": [[1, 2], [4, 5]],
        "angle": math.pi / 6,
    }
    (obj,) = _parse([entry]).label.objects
    assert isinstance(obj.geometry, Box)
    assert obj.geometry.xyxy == (1.0, 2.0, 5.0, 6.0) and math.isclose(obj.geometry.rotation, 30.0)
    report = ExportReport("supervisely")
    ((_, ann),) = get_format("supervisely").export(Label("a.jpg", [obj]), ExportOptions(), report)
    (out,) = ann["objects"]
    assert report.lossless and not report.converted
    assert out["geometryType"] == "oriented_bbox" and out["points"] == [[1.0, 2.0], [4.0, 5.0]]
    assert math.isclose(out["angle"], math.pi / 6)


def test_oriented_bbox_with_exterior_points_is_read_too() -> None:
    entry = {
        "classTitle": "car",
        "geometryType": "oriented_bbox",
        "points": {"exterior": [[4, 5], [1, 2]]},
        "angle": 0,
    }
    assert _parse([entry]).label.objects[0].geometry == Box(1, 2, 5, 6)


def _alpha(levels: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(levels.astype(np.uint8), mode="L").save(buf, format="PNG")
    return base64.b64encode(zlib.compress(buf.getvalue())).decode()


def test_alpha_mask_is_read_as_a_binary_mask_and_soft_levels_are_reported() -> None:
    levels = np.array([[0, 128, 255], [0, 0, 40]])
    entry = {
        "classTitle": "hair",
        "geometryType": "alpha_mask",
        "bitmap": {"data": _alpha(levels), "origin": [2, 3]},
    }
    parsed = _parse([entry])
    expected = np.zeros((8, 10), bool)
    expected[3:5, 2:5] = levels > 0
    assert parsed.label.objects[0].geometry == Mask.from_array(expected)
    assert parsed.warnings == [
        ("objects[0].bitmap.data", "alpha levels are not kept: pixels with alpha > 0 are read as the mask")
    ]
    hard = {**entry, "bitmap": {"data": _alpha(np.where(levels > 0, 255, 0)), "origin": [2, 3]}}
    assert _parse([hard]).warnings == []


def test_cuboid_2d_is_reported_not_kept() -> None:
    parsed = _parse([{"classTitle": "box", "geometryType": "cuboid_2d", "vertices": {}}])
    assert not parsed.label.objects
    ((path, message),) = parsed.warnings
    assert path == "objects[0].geometryType" and message.startswith("cuboid_2d objects are not kept")


def test_axis_aligned_boxes_stay_rectangles() -> None:
    report = ExportReport("supervisely")
    label = Label("a.jpg", [Object("car", Box(1, 2, 5, 6))])
    ((_, ann),) = get_format("supervisely").export(label, ExportOptions(), report)
    assert ann["objects"][0]["geometryType"] == "rectangle"
    assert ann["objects"][0]["points"]["exterior"] == [[1, 2], [4, 5]]
