"""neutral -> format -> neutral is the identity for everything a format carries (formats.md §10)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predhub.core import Label
from predhub.formats.base import ExportOptions, ExportReport, ImportOptions, Record
from predhub.formats.importing import merge_labels
from predhub.formats.registry import get_format

from .format_strategies import Carries, assert_same, labels, ontology

ALL_2D = frozenset({"box", "polygon", "polyline", "point", "mask"})

CARRIES: dict[str, Carries] = {
    "labelbox": Carries(
        ALL_2D,
        ids="str",
        object_classifications=3,
        image_classifications=True,
        answer_confidence=True,
        text_confidence=True,
    ),
    "labelstudio": Carries(
        frozenset({"box", "rbox", "polygon", "polyline", "point", "mask"}),
        ids="str",
        object_classifications=1,
        image_classifications=True,
        multi_min=2,
        score=True,
    ),
    "openlabel": Carries(
        ALL_2D | {"rbox", "holes"},
        keypoints="node",
        ids="uuid",
        object_classifications=1,
        attributes=frozenset({"number", "flag"}),
    ),
    "segments": Carries(
        frozenset({"box", "polygon", "polyline", "point"}),
        confidence=False,
        ids="int",
        object_classifications=1,
        image_classifications=True,
        attributes=frozenset({"number", "flag"}),
        score=True,
        status=True,
    ),
    "supervisely": Carries(
        ALL_2D | {"holes", "rbox"},
        keypoints="node",
        integer_boxes=True,
        object_classifications=1,
        image_classifications=True,
        multi_min=2,
        attributes=frozenset({"number", "flag"}),
    ),
    "coco": Carries(frozenset({"box", "polygon", "mask"}), keypoints="index"),
    "yolo": Carries(frozenset({"box", "polygon"})),
    "voc": Carries(frozenset({"box"}), integer_boxes=True, attributes=frozenset({"voc"})),
}


def _round_trip(
    name: str, label: Label, size: tuple[int, int], **export: Any
) -> tuple[list[Label], ExportReport]:
    fmt = get_format(name)
    sizes = {label.sample_key: size}
    report = ExportReport(name)
    records = fmt.export(label, ExportOptions(ontology=ontology(), sizes=sizes, **export), report)
    if name == "coco" and export.get("ground_truth"):
        records = records[1:]  # the image entry; its annotations follow
    # Through JSON text, as a file would carry them.
    wire = [
        Record(i, r[1] if isinstance(r[1], str) else orjson.loads(orjson.dumps(r[1])), key=label.sample_key)
        if isinstance(r, tuple)
        else Record(i, orjson.loads(orjson.dumps(r)))
        for i, r in enumerate(records)
    ]
    options = ImportOptions(
        ontology=None if name == "coco" else ontology(),
        categories={i + 1: c for i, c in enumerate(ontology().class_names)} if name == "coco" else None,
        sizes=sizes,
        masks=report.assets,
    )
    parsed = [p.label for r in wire for p in fmt.parse(r, options)]
    return merge_labels(parsed), report


@pytest.mark.parametrize("name", sorted(CARRIES))
def test_round_trip_is_identity(name: str) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(labels(CARRIES[name]))
    def check(drawn: tuple[Label, tuple[int, int]]) -> None:
        label, size = drawn
        back, report = _round_trip(name, label, size)
        assert report.lossless, report.dropped
        if not back:  # formats with one record per object write nothing for an empty label
            assert not label.objects and not label.classifications
            return
        assert len(back) == 1
        assert_same(label, back[0])

    check()


@settings(max_examples=40, deadline=None)
@given(labels(Carries(frozenset({"box", "polygon", "mask"}), confidence=False, ids="int")))
def test_coco_ground_truth_round_trip(drawn: tuple[Label, tuple[int, int]]) -> None:
    label, size = drawn
    back, report = _round_trip("coco", label, size, ground_truth=True)
    assert report.lossless
    if label.objects:
        assert_same(label, back[0])


@settings(max_examples=40, deadline=None)
@given(labels(Carries(frozenset({"mask"}), confidence=False, ids="int")), st.booleans())
def test_segments_segmentation_round_trip(drawn: tuple[Label, tuple[int, int]], prelabel: bool) -> None:
    label, size = drawn
    # One pixel holds one instance in a Segments bitmap: keep the masks disjoint.
    taken = None
    for obj in label.objects:
        arr = obj.geometry.to_array()  # type: ignore[union-attr]
        if taken is not None:
            arr = arr & ~taken
        taken = arr if taken is None else taken | arr
        from predhub.core import Mask

        obj.geometry = Mask.from_array(arr)
    label.objects = [o for o in label.objects if o.geometry.area > 0]  # type: ignore[union-attr]
    back, report = _round_trip("segments", label, size)
    assert report.lossless
    assert_same(label, back[0])


@settings(max_examples=40, deadline=None)
@given(labels(Carries(frozenset({"box", "rbox"}))))
def test_yolo_obb_round_trip(drawn: tuple[Label, tuple[int, int]]) -> None:
    label, size = drawn
    label.objects = [o for o in label.objects if o.geometry.rotation]  # type: ignore[union-attr]
    fmt = get_format("yolo")
    report = ExportReport("yolo")
    sizes = {label.sample_key: size}
    ((_, text),) = fmt.export(label, ExportOptions(ontology=ontology(), sizes=sizes), report)
    parsed = fmt.parse(
        Record(0, text, key=label.sample_key),
        ImportOptions(ontology=ontology(), sizes=sizes, yolo_task="obb"),
    )
    back = parsed[0].label
    assert len(back.objects) == len(label.objects)
    for a, b in zip(label.objects, back.objects, strict=True):
        # A rotated box is its four corners: compare those (w/h and the angle trade places by 90°).
        import numpy as np

        assert np.allclose(a.geometry.corners(), b.geometry.corners(), atol=1e-6)  # type: ignore[union-attr]
