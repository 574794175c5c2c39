"""Keypoint sets: COCO ``keypoints`` and Supervisely ``graph`` as neutral points, and back."""

from __future__ import annotations

from typing import Any

import pytest

from predhub.core import Box, GeometryKind, Label, Object, ObjectClass, Ontology, Point
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Record
from predhub.formats.coco import categories_for, ontology_from_coco
from predhub.formats.importing import ImportReport, import_records
from predhub.formats.registry import get_format

# As in COCO's person_keypoints files, cut to three keypoints.
CATEGORIES = [
    {"id": 1, "name": "person", "keypoints": ["nose", "left_eye", "right_eye"], "skeleton": [[1, 2], [1, 3]]}
]
RESULT = {"image_id": 42, "category_id": 1, "keypoints": [12, 30, 2, 0, 0, 0, 15, 33, 1], "score": 0.64}
ONTOLOGY = ontology_from_coco(CATEGORIES)


def _parse(fmt: str, data: Any, options: ImportOptions, key: str | None = None) -> Any:
    return get_format(fmt).parse(Record(7, data, key=key), options)[0]


def test_category_keypoints_make_a_point_class_that_survives_the_ontology_json() -> None:
    (person,) = ONTOLOGY.objects
    assert person.kind is GeometryKind.POINT
    assert person.keypoints == ("nose", "left_eye", "right_eye")
    assert person.skeleton == (("nose", "left_eye"), ("nose", "right_eye"))
    assert Ontology.from_dict(ONTOLOGY.to_dict()) == ONTOLOGY
    assert categories_for(ExportOptions(ontology=ONTOLOGY)) == CATEGORIES


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"objects": [{"name": "car", "kind": "box", "keypoints": ["a"]}]}, "only a point class"),
        ({"objects": [{"name": "p", "kind": "point", "keypoints": ["a", "a"]}]}, "unique"),
        ({"objects": [{"name": "p", "kind": "point", "keypoints": ["a"], "skeleton": [["a", "b"]]}]}, "pair"),
    ],
)
def test_ontology_rejects_bad_keypoints(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Ontology.from_dict(data)


def test_coco_result_keypoints_become_named_points() -> None:
    parsed = _parse("coco", RESULT, ImportOptions(ontology=ONTOLOGY, categories={1: "person"}))
    objects = parsed.label.objects
    assert [o.geometry for o in objects] == [Point(12, 30), Point(15, 33)]  # v = 0 is not labelled
    assert [o.attributes for o in objects] == [
        {"instance": "r7", "keypoint": "nose", "visibility": 2},
        {"instance": "r7", "keypoint": "right_eye", "visibility": 1},
    ]
    assert {o.confidence for o in objects} == {0.64}
    assert parsed.object_paths == ["keypoints[0]", "keypoints[6]"]


def test_coco_keypoints_without_names_are_read_by_index() -> None:
    parsed = _parse("coco", {**RESULT, "id": 5}, ImportOptions(categories={1: "person"}))
    assert [o.attributes["keypoint"] for o in parsed.label.objects] == [0, 2]
    assert {o.attributes["instance"] for o in parsed.label.objects} == {"5"}


def test_coco_keypoints_round_trip_with_the_ontology() -> None:
    parsed = _parse("coco", {**RESULT, "id": 5}, ImportOptions(ontology=ONTOLOGY, categories={1: "person"}))
    report = ExportReport("coco")
    (item,) = get_format("coco").export(parsed.label, ExportOptions(ontology=ONTOLOGY), report)
    assert report.lossless, report.dropped
    # No bbox in a keypoint result: pycocotools' loadRes would take the file for box results.
    assert item == {**RESULT, "id": 5, "num_keypoints": 2, "image_id": 42}


def test_coco_ground_truth_keypoints_carry_box_and_area() -> None:
    label = _parse(
        "coco", {**RESULT, "id": 5}, ImportOptions(ontology=ONTOLOGY, categories={1: "person"})
    ).label
    report = ExportReport("coco")
    _, item = get_format("coco").export(label, ExportOptions(ontology=ONTOLOGY, ground_truth=True), report)
    assert item["id"] == 5 and item["bbox"] == [12.0, 30.0, 3.0, 3.0] and item["area"] == 9.0
    assert item["keypoints"] == [12.0, 30.0, 2, 0, 0, 0, 15.0, 33.0, 1] and item["num_keypoints"] == 2


def test_coco_keypoint_annotation_warns_what_a_point_class_drops() -> None:
    gt = {**RESULT, "id": 5, "bbox": [10, 28, 8, 8], "segmentation": [[10, 28, 18, 28, 18, 36]]}
    parsed = _parse("coco", gt, ImportOptions(ontology=ONTOLOGY, categories={1: "person"}))
    assert parsed.warnings == [
        ("segmentation", "segmentation and bbox not kept: a point class holds the keypoints only")
    ]
    unlabelled = _parse("coco", {**RESULT, "keypoints": [0] * 9}, ImportOptions(categories={1: "person"}))
    assert not unlabelled.label.objects and unlabelled.warnings[-1][0] == "keypoints"


def test_coco_keypoints_of_another_kind_of_class_are_warned() -> None:
    onto = Ontology(objects=(ObjectClass("person", GeometryKind.BOX),))
    parsed = _parse(
        "coco", {**RESULT, "bbox": [1, 2, 3, 4]}, ImportOptions(ontology=onto, categories={1: "person"})
    )
    assert parsed.label.objects[0].geometry == Box(1, 2, 4, 6)
    assert parsed.warnings == [("keypoints", "not kept: class 'person' is drawn as box")]


def test_coco_keypoint_errors_name_the_field() -> None:
    report = ImportReport("coco")
    records = [
        Record(0, {**RESULT, "keypoints": [1, 2, 2, 3]}),
        Record(1, {**RESULT, "keypoints": [1, 2, 2]}),
        Record(2, {"image_id": 42, "category_id": 1, "bbox": [1, 2, 3, 4], "score": 0.5}),
    ]
    options = ImportOptions(ontology=ONTOLOGY, categories={1: "person"})
    list(import_records(get_format("coco"), records, options, mode="partial", report=report))
    assert [str(e) for e in report.errors] == [
        "record 0: keypoints: must be a flat list [x1, y1, v1, x2, y2, v2, ...]",
        "record 1: keypoints: holds 1 keypoints; class 'person' names 3",
        "record 2: keypoints: is required: class 'person' is drawn as points",
    ]


def test_coco_plain_point_is_written_as_a_one_keypoint_set() -> None:
    label = Label("42", [Object("person", Point(3, 4), 0.5)])
    report = ExportReport("coco")
    (item,) = get_format("coco").export(label, ExportOptions(categories={1: "person"}), report)
    assert item["keypoints"] == [3.0, 4.0, 2] and report.converted == {"point as a one-keypoint set": 1}


GRAPH = {
    "size": {"height": 100, "width": 200},
    "objects": [
        {
            "classTitle": "person",
            "geometryType": "graph",
            "tags": [{"name": "confidence", "value": 0.7}],
            "nodes": {"nose": {"loc": [5, 6]}, "eye": {"loc": [7, 8], "disabled": True}},
        }
    ],
}


def test_supervisely_graph_nodes_become_points_and_come_back() -> None:
    parsed = _parse("supervisely", GRAPH, ImportOptions(), key="a.jpg")
    assert [(o.geometry, o.confidence) for o in parsed.label.objects] == [
        (Point(5, 6), 0.7),
        (Point(7, 8), 0.7),
    ]
    assert [o.attributes for o in parsed.label.objects] == [
        {"instance": "0", "keypoint": "nose"},
        {"instance": "0", "keypoint": "eye", "visibility": 1},
    ]
    assert parsed.object_paths == ["objects[0].nodes.nose", "objects[0].nodes.eye"]
    report = ExportReport("supervisely")
    ((_, ann),) = get_format("supervisely").export(
        parsed.label, ExportOptions(sizes={"a.jpg": (200, 100)}), report
    )
    assert report.lossless
    (obj,) = ann["objects"]
    assert obj["geometryType"] == "graph"
    assert obj["nodes"] == {"nose": {"loc": [5.0, 6.0]}, "eye": {"loc": [7.0, 8.0], "disabled": True}}
    assert obj["tags"] == [{"name": "confidence", "value": 0.7}]


def test_coco_keypoints_to_supervisely_graph_reports_what_a_graph_cannot_hold() -> None:
    label = _parse("coco", RESULT, ImportOptions(ontology=ONTOLOGY, categories={1: "person"})).label
    label.objects[1].confidence = 0.1
    label.objects[0].attributes["visibility"] = 0.93  # a results file's keypoint score
    report = ExportReport("supervisely")
    ((_, ann),) = get_format("supervisely").export(label, ExportOptions(sizes={"42": (64, 64)}), report)
    assert set(ann["objects"][0]["nodes"]) == {"nose", "right_eye"}
    assert report.dropped == {
        "keypoint confidence or tags differing within a set (a graph has one)": 1,
        "keypoint visibility (a graph node is shown or hidden)": 1,
    }
