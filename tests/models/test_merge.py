from __future__ import annotations

import numpy as np
import pytest

from predhub.core import Box, Mask, Object, Point, Polygon
from predhub.models import box_iou_matrix, geometry_iou, iou_merge


def test_box_iou_matrix() -> None:
    iou = box_iou_matrix([[0, 0, 10, 10]], [[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    assert iou[0].tolist() == pytest.approx([1.0, 50 / 150, 0.0])


def test_geometry_iou_on_pixels_for_masks_and_polygons() -> None:
    canvas = np.zeros((20, 20), bool)
    canvas[0:10, 0:10] = True
    mask = Mask.from_array(canvas)
    assert geometry_iou(mask, Box(0, 0, 10, 10)) == pytest.approx(1.0)
    assert geometry_iou(Polygon([[0, 0], [10, 0], [10, 10], [0, 10]]), Box(0, 0, 10, 5)) == pytest.approx(0.5)
    assert geometry_iou(Point(1, 1), Box(0, 0, 10, 10)) == 0.0


def test_iou_merge_drops_only_same_class_duplicates_at_the_threshold() -> None:
    existing = [Object("car", Box(0, 0, 100, 100)), Object("person", Box(200, 200, 300, 300))]
    new = [
        Object("car", Box(0, 0, 100, 95)),  # IoU 0.95 with the car: dropped
        Object("car", Box(0, 0, 100, 85)),  # IoU 0.85: kept at the default 0.9
        Object("person", Box(0, 0, 100, 100)),  # overlaps the car, but another class: kept
        Object("dog", Box(500, 500, 510, 510)),  # overlaps nothing: kept
    ]
    kept = iou_merge(existing, new)
    assert [(o.class_name, o.geometry.y1) for o in kept] == [("car", 85), ("person", 100), ("dog", 510)]  # type: ignore[union-attr]
    # The threshold is a setting: at 0.8 the 0.85 car is a duplicate too.
    assert [o.class_name for o in iou_merge(existing, new, threshold=0.8)] == ["person", "dog"]
    # Exactly at the threshold counts as a duplicate (IoU >= setting).
    assert iou_merge([Object("car", Box(0, 0, 10, 10))], [Object("car", Box(0, 0, 10, 9))], 0.9) == []


def test_iou_merge_with_nothing_existing_keeps_everything_and_checks_the_threshold() -> None:
    new = [Object("car", Box(0, 0, 1, 1))]
    assert iou_merge([], new) == new
    with pytest.raises(ValueError, match="between 0 and 1"):
        iou_merge([], new, threshold=1.5)
