from __future__ import annotations

import numpy as np
import pytest

from predhub.core import Box, ClassificationKind, Mask, Polygon
from predhub.models import PredictedObjects


def _three() -> PredictedObjects:
    return PredictedObjects(
        np.array([[0, 0, 10, 10], [5, 5, 20, 25], [1, 2, 3, 4]]),
        np.array([0.9, 0.4, 0.7]),
        np.array([1, 17, 1]),
        ["person", "cat", "person"],
    )


def test_columns_must_have_one_row_per_object() -> None:
    with pytest.raises(ValueError, match="scores has 1 rows, xyxy has 2"):
        PredictedObjects(np.zeros((2, 4)), [0.5], [0, 0], ["a", "b"])
    with pytest.raises(ValueError, match="masks must have shape"):
        PredictedObjects(np.zeros((1, 4)), [0.5], [0], ["a"], masks=np.zeros((2, 4, 4)))


def test_boolean_index_and_filter_return_the_same_type() -> None:
    objects = _three()
    person = objects.filter(classes=["person"])
    assert isinstance(person, PredictedObjects)
    assert list(person.class_names) == ["person", "person"]
    assert person.scores.tolist() == [0.9, 0.7]
    confident = objects.filter(conf=0.7)
    assert confident.xyxy.tolist() == [[0, 0, 10, 10], [1, 2, 3, 4]]
    assert len(objects[np.array([False, True, False])]) == 1
    assert len(PredictedObjects.empty()) == 0


def test_to_objects_picks_mask_then_polygon_then_box() -> None:
    boxes = _three().to_objects()
    assert boxes[1].class_name == "cat" and boxes[1].geometry == Box(5, 5, 20, 25)
    assert boxes[0].confidence == pytest.approx(0.9)

    mask = np.zeros((1, 6, 8), bool)
    mask[0, 2:4, 3:7] = True
    masked = PredictedObjects([[3, 2, 7, 4]], [0.8], [0], ["person"], masks=mask).to_objects()[0]
    assert isinstance(masked.geometry, Mask) and masked.geometry.area == 8

    quad = np.array([[1, 1], [9, 1], [9, 4], [1, 4]], float)
    text = PredictedObjects([[1, 1, 9, 4]], [0.99], [0], ["text"], polygons=[quad], texts=["HELLO"])
    obj = text.to_objects()[0]
    assert isinstance(obj.geometry, Polygon) and obj.geometry.area == pytest.approx(24)
    assert obj.classifications[0].kind is ClassificationKind.TEXT
    assert obj.classifications[0].text == "HELLO"
