import io
import json
from pathlib import Path

import numpy as np
import pytest

from predhub.core import Answer, Box, Classification, ClassificationKind, Mask, Ontology, Point
from predhub.formats import labelbox
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions
from predhub.formats.importing import ImportMode, ImportRejected, ImportReport, import_records, merge_labels
from predhub.formats.io import iter_ndjson
from predhub.formats.raster import encode_png

FIXTURES = Path(__file__).parent / "fixtures"
KEY = "2560px-Kitano_Street_Kobe01s5s4110.jpeg"
URL = "https://storage.googleapis.com/labelbox-datasets/image_sample_data/raster_seg.png"
URL_2 = "https://storage.googleapis.com/labelbox-datasets/image_sample_data/raster_seg_with_subclass.png"
ONTOLOGY = Ontology.from_dict(json.loads((FIXTURES / "labelbox_ontology.json").read_text()))


def _masks() -> tuple[dict[str, bytes], np.ndarray, np.ndarray]:
    a = np.zeros((48, 64), bool)
    a[10:20, 5:30] = True
    b = np.zeros((48, 64), bool)
    b[30:40, 40:60] = True
    return {URL: encode_png(a), URL_2: encode_png(b)}, a, b


def _import(data: bytes, mode: str = "partial") -> tuple[list, ImportReport]:
    masks, _, _ = _masks()
    report = ImportReport("labelbox")
    options = ImportOptions(ontology=ONTOLOGY, masks=masks)
    records = iter_ndjson(io.BytesIO(data))
    labels = merge_labels(import_records(labelbox.CONVERTER, records, options, mode=mode, report=report))
    return labels, report


def test_seed_payloads_import_with_their_slips_reported() -> None:
    labels, report = _import((FIXTURES / "labelbox_seed.ndjson").read_bytes())
    # The payload missing a comma cannot be read; it is reported on its line, the rest import.
    assert [str(e) for e in report.errors] == [report.errors[0].__str__()]
    assert report.errors[0].record == 3 and "invalid JSON" in report.errors[0].message
    assert str(report.errors[0]).startswith("line 4: ")
    warned = {(w.record, w.field) for w in report.warnings}
    assert {(5, "mask.colorRGB"), (6, "mask.colorRGB"), (5, ""), (6, "")} <= warned
    assert (11, "answer[0].classifications[0].answer") in warned  # the bare checklist answer
    assert len(labels) == 1
    label = labels[0]
    assert label.sample_key == KEY
    by_class = {o.class_name: o for o in label.objects}
    assert set(by_class) == {
        "bounding_box",
        "polygon",
        "mask",
        "mask_with_text_subclass",
        "point",
        "polyline",
    }
    assert by_class["bounding_box"].geometry == Box(1690, 977, 1915, 1307)
    assert by_class["bounding_box"].confidence == 0.5
    polygon = by_class["polygon"].geometry
    assert len(polygon.points) == 15  # the repeated closing vertex is dropped
    assert by_class["point"].geometry == Point(1166.606, 1441.768)
    assert len(by_class["polyline"].geometry.points) == 21
    _, a, b = _masks()
    assert np.array_equal(by_class["mask"].geometry.to_array(), a)
    assert by_class["mask_with_text_subclass"].confidence == 1.0  # missing confidence reads as 1
    assert by_class["mask_with_text_subclass"].classifications == [
        Classification.free_text("sub_free_text", "free text answer")
    ]
    assert np.array_equal(by_class["mask_with_text_subclass"].geometry.to_array(), b)
    by_name = {c.name: c for c in label.classifications}
    assert by_name["radio_question"] == Classification.single(
        "radio_question", Answer("second_radio_answer", 0.5)
    )
    assert by_name["checklist_question"].answers == [
        Answer("first_checklist_answer", 0.5),
        Answer("second_checklist_answer", 0.5),
    ]
    assert by_name["free_text"] == Classification.free_text("free_text", "sample text", 0.5)
    nested = by_name["nested_radio_question"].answers[0]
    assert nested.classifications == [
        Classification.single("sub_radio_question", Answer("first_sub_radio_answer", 0.5))
    ]
    checklist = by_name["nested_checklist_question"]
    assert checklist.kind is ClassificationKind.MULTI
    sub = checklist.answers[0].classifications[0]
    assert sub.kind is ClassificationKind.MULTI
    assert sub.answers == [Answer("first_sub_checklist_answer", 0.5)]


def test_seed_payload_with_comma_restored_imports() -> None:
    lines = (FIXTURES / "labelbox_seed.ndjson").read_text().splitlines()
    lines[3] = lines[3].replace('"confidence": 0.5 "classifications"', '"confidence": 0.5, "classifications"')
    labels, report = _import("\n".join(lines).encode(), mode="strict")
    assert report.ok and report.records == 12
    obj = next(o for o in labels[0].objects if o.class_name == "bbox_with_radio_subclass")
    assert obj.geometry == Box(541, 933, 871, 1124)
    assert obj.classifications[0].answers == [Answer("first_sub_radio_answer", 0.5)]


def test_strict_mode_rejects_the_file_and_names_line_and_field() -> None:
    good = {
        "dataRow": {"globalKey": KEY},
        "name": "bounding_box",
        "bbox": {"top": 1, "left": 1, "height": 5, "width": 5},
    }
    bad = {**good, "bbox": {"top": 1, "left": 1, "height": 5, "width": -5}}
    data = b"\n".join(json.dumps(r).encode() for r in [good, good, bad, good])
    with pytest.raises(ImportRejected) as info:
        _import(data, mode="strict")
    errors = info.value.report.errors
    assert [str(e) for e in errors] == ["line 3: bbox.width: must be >= 0 (x1 < x0)"]
    labels, report = _import(data, mode=ImportMode.PARTIAL)
    assert len(labels[0].objects) == 3 and report.rejected == 1


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"name": "truck", "bbox": {"top": 1, "left": 1, "height": 5, "width": 5}}, "name"),
        ({"name": "polygon", "bbox": {"top": 1, "left": 1, "height": 5, "width": 5}}, "bbox"),
        ({"name": "polygon", "polygon": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}, "polygon"),
        ({"name": "point", "point": {"x": 1, "y": "a"}}, "point.y"),
        ({"name": "radio_question", "answer": {"name": "third"}}, "answer"),
        (
            {"name": "checklist_question", "answer": [{"name": "first_checklist_answer"}, {"name": "x"}]},
            "answer[1]",
        ),
        (
            {
                "name": "bbox_with_radio_subclass",
                "bbox": {"top": 1, "left": 1, "height": 5, "width": 5},
                "classifications": [{"name": "sub_radio_question", "answer": {"name": "nope"}}],
            },
            "classifications[0].answer",
        ),
        (
            {"name": "bounding_box", "bbox": {"top": 1, "left": 1, "height": 5, "width": 5}, "confidence": 2},
            "confidence",
        ),
    ],
)
def test_errors_name_the_field_in_labelbox_words(record: dict, field: str) -> None:
    line = json.dumps({"dataRow": {"globalKey": KEY}, **record}).encode()
    _, report = _import(line)
    assert [e.field for e in report.errors] == [field]


def test_non_finite_numbers_are_refused() -> None:
    # JSON has no NaN, but records handed over from Python (the SDK) can hold one.
    from predhub.formats.base import Record

    record = {
        "dataRow": {"globalKey": KEY},
        "name": "bounding_box",
        "bbox": {"top": float("nan"), "left": 1, "height": 5, "width": 5},
    }
    report = ImportReport("labelbox")
    list(
        import_records(
            labelbox.CONVERTER,
            [Record(0, record)],
            ImportOptions(ontology=ONTOLOGY),
            mode="partial",
            report=report,
        )
    )
    assert [str(e) for e in report.errors] == ["line 1: bbox.top: must be finite"]


def test_sample_not_in_dataset() -> None:
    line = json.dumps({"dataRow": {"globalKey": "other.jpg"}, "name": "free_text", "answer": "x"}).encode()
    report = ImportReport("labelbox")
    list(
        import_records(
            labelbox.CONVERTER,
            iter_ndjson(io.BytesIO(line)),
            ImportOptions(ontology=ONTOLOGY),
            mode="partial",
            samples={KEY},
            report=report,
        )
    )
    assert [str(e) for e in report.errors] == [
        "line 1: dataRow.globalKey: sample 'other.jpg' is not in the dataset"
    ]


def test_export_reports_what_labelbox_cannot_carry() -> None:
    from predhub.core import Label, Object, Polygon

    label = Label(
        "k",
        objects=[
            Object(
                "polygon", Polygon(np.array([[0, 0], [9, 0], [9, 9]]), (np.array([[1, 1], [2, 1], [2, 2]]),))
            ),
            Object("bounding_box", Box(0, 0, 4, 4, rotation=30.0), attributes={"occluded": True}),
            Object("mask", Mask.from_array(np.eye(4, dtype=bool))),
        ],
        score=0.4,
    )
    report = ExportReport("labelbox")
    lines = labelbox.export_label(label, ExportOptions(), report)
    assert report.dropped == {"polygon.holes": 1, "object.attributes": 1, "label.score": 1}
    assert report.converted == {"rotated box as polygon": 1}
    assert lines[1]["polygon"] and lines[2]["mask"]["instanceURI"] in report.assets
