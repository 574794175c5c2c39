"""Label Studio's vectorlabels (polylines) and bitmasklabels, and rotated rectangles in percent."""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from PIL import Image

from predhub.core import Box, Label, Mask, Object, Polygon, Polyline
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Parsed, Record
from predhub.formats.labelstudio import ontology_from_tasks
from predhub.formats.registry import get_format


def _task(*regions: dict[str, Any]) -> dict[str, Any]:
    result = [
        {
            "id": f"r{i}",
            "from_name": "x",
            "to_name": "image",
            "original_width": 200,
            "original_height": 100,
            **r,
        }
        for i, r in enumerate(regions)
    ]
    return {"data": {"image": "https://x/a.jpg"}, "predictions": [{"result": result}]}


def _parse(task: dict[str, Any]) -> Parsed:
    return get_format("labelstudio").parse(Record(0, task), ImportOptions())[0]


# labelstud.io/tags/vectorlabels: vertices in percent, each naming the one before.
VECTOR = {
    "type": "vectorlabels",
    "value": {
        "vertices": [
            {"id": "point-1", "x": 25.0, "y": 30.0, "prevPointId": None, "isBezier": False},
            {"id": "point-2", "x": 75.0, "y": 70.0, "prevPointId": "point-1", "isBezier": False},
        ],
        "closed": False,
        "vectorlabels": ["lane"],
    },
}


def test_vectorlabels_are_polylines_and_come_back_as_vectorlabels() -> None:
    parsed = _parse(_task(VECTOR))
    (obj,) = parsed.label.objects
    assert obj.class_name == "lane" and obj.geometry == Polyline(np.array([[50.0, 30.0], [150.0, 70.0]]))
    report = ExportReport("labelstudio")
    (task,) = get_format("labelstudio").export(
        parsed.label, ExportOptions(sizes={"a.jpg": (200, 100)}), report
    )
    assert report.lossless
    (region,) = task["predictions"][0]["result"]
    assert region["type"] == "vectorlabels" and region["from_name"] == "vector"
    assert region["value"]["vertices"] == [
        {"id": "p0", "x": 25.0, "y": 30.0, "prevPointId": None, "isBezier": False},
        {"id": "p1", "x": 75.0, "y": 70.0, "prevPointId": "p0", "isBezier": False},
    ]
    assert region["value"]["closed"] is False


def test_closed_vectors_are_polygons_and_bezier_curves_are_reported() -> None:
    closed = {"type": "vectorlabels", "value": {**VECTOR["value"], "closed": True}}  # type: ignore[dict-item]
    closed["value"]["vertices"] = [
        *closed["value"]["vertices"],
        {"id": "point-3", "x": 0, "y": 100, "isBezier": True},
    ]
    parsed = _parse(_task(closed))
    assert isinstance(parsed.label.objects[0].geometry, Polygon)
    assert parsed.warnings == [
        (
            "predictions[0].result[0].value.vertices",
            "Bézier control points are not kept: read as straight segments",
        )
    ]
    onto = ontology_from_tasks([_task(closed)])
    assert onto.object_class("lane").kind.value == "polygon"  # type: ignore[union-attr]


def test_bitmasklabels_data_url_is_a_mask() -> None:
    arr = np.zeros((100, 200), np.uint8)
    arr[10:20, 30:60] = 255
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    region = {"type": "bitmasklabels", "value": {"imageDataURL": url, "bitmasklabels": ["sky"]}}
    (obj,) = _parse(_task(region)).label.objects
    assert obj.geometry == Mask.from_array(arr > 0)


def test_rotated_rectangle_round_trips_in_percent() -> None:
    label = Label("a.jpg", [Object("car", Box(20, 10, 60, 30, 35.0), 0.4, id="r0")])
    report = ExportReport("labelstudio")
    (task,) = get_format("labelstudio").export(label, ExportOptions(sizes={"a.jpg": (200, 100)}), report)
    (back,) = get_format("labelstudio").parse(Record(0, task), ImportOptions())
    g = back.label.objects[0].geometry
    assert isinstance(g, Box) and np.allclose(g.corners(), label.objects[0].geometry.corners())  # type: ignore[union-attr]
