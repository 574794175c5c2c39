"""The bulk fast path accepts exactly the plain boxes the converters accept, with the same numbers."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from predhub.core import Box
from predhub.formats import ImportOptions, Record, get_format
from predhub.formats.fastpath import coco_result_box, labelbox_box

numbers = st.one_of(st.integers(-50, 700), st.floats(-50, 700), st.just(float("nan")), st.just("7"))


@settings(max_examples=300, deadline=None)
@given(numbers, numbers, numbers, numbers, st.one_of(st.none(), st.floats(-1, 2), st.just(float("inf"))))
def test_coco_fast_path_agrees_with_the_converter(x: Any, y: Any, w: Any, h: Any, score: Any) -> None:
    record: dict[str, Any] = {"image_id": 3, "category_id": 1, "bbox": [x, y, w, h]}
    if score is not None:
        record["score"] = score
    fast = coco_result_box(record, {1: "car"}, None)
    if fast is None:
        return  # the converter decides, and names the error if there is one
    (parsed,) = get_format("coco").parse(Record(0, record), ImportOptions(categories={1: "car"}))
    (obj,) = parsed.label.objects
    assert fast[0] == parsed.label.sample_key == "3" and fast[1] == obj.class_name
    assert Box(*fast[2:6]) == obj.geometry and fast[6] == obj.confidence
    assert obj.geometry.width >= 0 and obj.geometry.height >= 0 and 0 <= obj.confidence <= 1  # type: ignore[union-attr]


def test_labelbox_fast_path_takes_only_plain_boxes() -> None:
    line = {
        "uuid": "u1",
        "dataRow": {"globalKey": "k"},
        "name": "car",
        "confidence": 0.5,
        "bbox": {"top": 1, "left": 2, "height": 3, "width": 4},
    }
    assert labelbox_box(line) == ("k", "car", 2.0, 1.0, 6.0, 4.0, 0.5, "u1")
    assert labelbox_box({**line, "classifications": []}) is None
    assert labelbox_box({**line, "bbox": {"top": 1, "left": 2, "height": 3, "width": -4}}) is None
    assert labelbox_box({**line, "dataRow": {"id": "x"}}) is None
    assert labelbox_box({**line, "confidence": 1.5}) is None
