"""The platforms' own examples (shared/seeds) import to the neutral labels they mean."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from predhub.core import Box, Classification, Point, Polygon
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Record
from predhub.formats.importing import ImportReport, import_records
from predhub.formats.io import iter_json
from predhub.formats.registry import get_format

FIXTURES = Path(__file__).parent / "fixtures"


def _read(name: str, fmt: str, options: ImportOptions) -> tuple[list, ImportReport]:
    report = ImportReport(fmt)
    with (FIXTURES / name).open("rb") as stream:
        labels = list(import_records(get_format(fmt), iter_json(stream), options, report=report))
    return labels, report


def test_segments_add_label_calls() -> None:
    labels, report = _read("segments_seed.json", "segments", ImportOptions(categories={1: "car"}))
    assert report.ok and report.records == 2
    # Both calls are about the same sample, one after the other: merged into one label.
    (label,) = labels
    assert label.sample_key == "602a3eec-a61c-4a77-9fcc-3037ce5e9123"
    # The seed writes the corners bottom-left / top-right: normalised to top-left / bottom-right.
    assert [o.geometry for o in label.objects] == [Box(12.34, 34.56, 90.12, 56.78)] * 2
    assert [o.id for o in label.objects] == ["1", "1"]
    assert label.score == 0.92


def test_segments_each_call_on_its_own() -> None:
    records = json.loads((FIXTURES / "segments_seed.json").read_text())
    fmt = get_format("segments")
    first, second = (
        fmt.parse(Record(i, r), ImportOptions(categories={1: "car"}))[0] for i, r in enumerate(records)
    )
    assert first.label.score is None and second.label.score == 0.92


def test_label_studio_prediction() -> None:
    labels, report = _read("labelstudio_seed.json", "labelstudio", ImportOptions())
    assert report.ok, report.errors
    assert report.model_versions == {"yolov8n-2024-05", "v2"}
    task, body = labels
    assert task.sample_key == "img-0001.jpg" and task.score == 0.82
    car, rotated, road, sign = task.objects
    assert car.class_name == "car" and car.id == "r1" and car.confidence == 0.82
    assert np.allclose(car.geometry.xyxy, (10, 40, 50, 100), atol=1e-3)
    assert car.classifications == [Classification.single("color", "red")]
    # x, y of a rotated rectangle is its rotated top-left corner: the pivot stays put.
    assert np.allclose(rotated.geometry.xyxy, (264, 248, 328, 296)) and rotated.geometry.rotation == 90
    assert np.allclose(rotated.geometry.corners()[0], (320, 240))
    assert road.geometry == Polygon(np.array([[64.0, 48.0], [128.0, 48.0], [128.0, 96.0]]))
    assert sign.geometry == Point(160.0, 240.0)
    assert task.classifications == [
        Classification.single("weather", "sunny"),
        Classification.free_text("caption", "a red car"),
    ]
    assert body.sample_key == "2" and body.score == 0.5
    expected = np.zeros((12, 17), bool)
    expected[3:9, 4:13] = True
    assert np.array_equal(body.objects[0].geometry.to_array(), expected)


def test_openlabel_kognic_upload_body() -> None:
    labels, report = _read("openlabel_seed.json", "openlabel", ImportOptions())
    assert report.ok and not report.warnings
    (label,) = labels
    assert label.sample_key == "5b0c6a1e-2f3d-4c5b-8a9e-1d2c3b4a5f60"
    (car,) = label.objects
    # bbox val is centre-based: [120, 80, 40, 30] is x 100..140, y 65..95.
    assert car.class_name == "Car" and car.geometry == Box(100, 65, 140, 95)
    assert car.confidence == 0.91 and car.id == "3f1c2a9e-5b7d-4c1e-9a2b-7d8e6f5a4b3c"
    # And back: the same document, stream included.
    report_out = ExportReport("openlabel")
    (body,) = get_format("openlabel").export(label, ExportOptions(stream="CAM_FRONT"), report_out)
    seed = json.loads((FIXTURES / "openlabel_seed.json").read_text())
    ours, theirs = body["openlabelContent"]["openlabel"], seed["openlabelContent"]["openlabel"]
    assert ours["objects"] == theirs["objects"] and ours["streams"] == theirs["streams"]
    item = ours["frames"]["0"]["objects"][car.id]["object_data"]["bbox"][0]
    assert item["val"] == [120, 80, 40, 30] and item["attributes"] == {
        "text": [{"name": "stream", "val": "CAM_FRONT"}],
        "num": [{"name": "confidence", "val": 0.91}],
    }
    assert report_out.lossless


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (
            lambda d: d["openlabelContent"]["openlabel"]["metadata"].update(schema_version="0.9"),
            "openlabelContent.openlabel.metadata.schema_version",
        ),
        (
            lambda d: d["openlabelContent"]["openlabel"]["frames"]["0"]["objects"][
                "3f1c2a9e-5b7d-4c1e-9a2b-7d8e6f5a4b3c"
            ]["object_data"]["bbox"][0].update(val=[1, 2, -4, 3]),
            "openlabelContent.openlabel.frames.0.objects.3f1c2a9e-5b7d-4c1e-9a2b-7d8e6f5a4b3c.object_data.bbox[0].val[2]",
        ),
    ],
)
def test_openlabel_errors_name_the_field(mutate, field: str) -> None:  # type: ignore[no-untyped-def]
    from predhub.core import Ontology

    doc = json.loads((FIXTURES / "openlabel_seed.json").read_text())
    mutate(doc)
    report = ImportReport("openlabel")
    options = ImportOptions(ontology=Ontology.from_dict({"objects": [{"name": "Car", "kind": "box"}]}))
    list(import_records(get_format("openlabel"), [Record(0, doc)], options, mode="partial", report=report))
    assert [e.field for e in report.errors] == [field]


def test_label_studio_task_with_two_predictions_warns_that_they_merge() -> None:
    tasks = json.loads((FIXTURES / "labelstudio_seed.json").read_text())
    task = tasks[0]
    task["predictions"].append({**task["predictions"][0], "model_version": "other"})
    report = ImportReport("labelstudio")
    (label,) = import_records(get_format("labelstudio"), [Record(0, task)], ImportOptions(), report=report)
    assert len(label.objects) == 8
    assert [w.field for w in report.warnings] == ["predictions"]
    assert "merged into one label" in report.warnings[0].message
