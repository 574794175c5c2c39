"""Ultralytics pose lines for point classes that name their keypoints."""

from __future__ import annotations

import pytest

from predhub.core import FieldError, GeometryKind, ObjectClass, Ontology, Point
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Parsed, Record
from predhub.formats.registry import get_format

ONTOLOGY = Ontology(
    objects=(
        ObjectClass("car", GeometryKind.BOX),
        ObjectClass("person", GeometryKind.POINT, keypoints=("nose", "left_eye", "right_eye")),
    )
)
SIZES = {"a.jpg": (200, 100)}
OPTIONS = ImportOptions(ontology=ONTOLOGY, sizes=SIZES)


def _parse(text: str, options: ImportOptions = OPTIONS) -> Parsed:
    return get_format("yolo").parse(Record(0, text, key="a.jpg"), options)[0]


def test_pose_line_with_visibility_and_confidence() -> None:
    parsed = _parse("0 0.5 0.5 0.2 0.2 0.5 0.5\n1 0.5 0.5 0.2 0.2 0.1 0.2 2 0 0 0 0.3 0.4 1 0.9\n")
    box, *points = parsed.label.objects
    assert box.class_name == "car"
    assert [p.geometry for p in points] == [Point(20, 20), Point(60, 40)]
    assert [p.attributes for p in points] == [
        {"instance": "lines[1]", "keypoint": "nose", "visibility": 2},
        {"instance": "lines[1]", "keypoint": "right_eye", "visibility": 1},
    ]
    assert {p.confidence for p in points} == {0.9}
    assert parsed.warnings == [
        ("lines[1]", "the pose box is not kept: a point class holds the keypoints only")
    ]


def test_pose_line_with_two_values_per_keypoint() -> None:
    points = _parse("1 0.5 0.5 0.2 0.2 0.1 0.2 0 0 0.3 0.4\n").label.objects
    assert [p.attributes["keypoint"] for p in points] == ["nose", "right_eye"]
    assert "visibility" not in points[0].attributes and points[0].confidence == 1.0


def test_pose_line_of_the_wrong_length_names_the_line() -> None:
    with pytest.raises(FieldError, match="not a pose line of 3 keypoints"):
        _parse("1 0.5 0.5 0.2 0.2 0.1 0.2\n")


def test_pose_round_trip() -> None:
    label = _parse("1 0.5 0.5 0.2 0.2 0.1 0.2 2 0 0 0 0.3 0.4 1 0.9\n").label
    report = ExportReport("yolo")
    ((_, text),) = get_format("yolo").export(label, ExportOptions(ontology=ONTOLOGY, sizes=SIZES), report)
    assert report.lossless, report.dropped
    assert text.split()[1:5] == ["0.2", "0.3", "0.2", "0.2"]  # the box around the points
    back = _parse(text).label
    assert [(o.geometry, o.attributes, o.confidence) for o in back.objects] == [
        (o.geometry, o.attributes, o.confidence) for o in label.objects
    ]
