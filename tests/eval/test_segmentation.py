from __future__ import annotations

import numpy as np
import pytest

from predhub.core import Label, Mask, Object
from predhub.eval import ClassMapping, evaluate_segmentation_maps, evaluate_segmentations

KOGNIC = [
    {"annotated": "oak", "predicted": "tree"},
    {"annotated": "birch", "predicted": "tree"},
    {"annotated": "_background", "predicted": "not_tree"},
    {"annotated": "only_in_annotations"},
]


def test_kognic_class_mapping_merges_and_keeps_one_sided_classes() -> None:
    mapping = ClassMapping.from_kognic(KOGNIC)
    gt = np.array([[0, 1, 2, 3], [0, 0, 1, 1]])  # _background, oak, birch, only_in_annotations
    pred = np.array([[0, 1, 1, 2], [2, 0, 1, 1]])  # not_tree, tree, _background (unlabelled)
    gt_classes = ["_background", "oak", "birch", "only_in_annotations"]
    pred_classes = ["not_tree", "tree", "_background"]
    ev = evaluate_segmentation_maps([gt], [pred], gt_classes, pred_classes, mapping, ["s1"])
    assert ev.classes == ["tree", "_background", "only_in_annotations"]
    assert ev.confusion.tolist() == [[4, 0, 0], [0, 3, 0], [0, 1, 0]]
    assert ev.class_iou() == {"tree": 1.0, "_background": 0.75, "only_in_annotations": 0.0}
    assert ev.pixel_accuracy == pytest.approx(7 / 8)
    assert ev.mean_iou == pytest.approx((1 + 0.75 + 0) / 3)
    assert ev.sample_disagreement() == {"s1": pytest.approx(1 / 8)}


def test_every_class_must_be_mapped() -> None:
    mapping = ClassMapping.from_kognic(KOGNIC[:2])
    with pytest.raises(ValueError, match="'pine' is not in the class mapping"):
        evaluate_segmentation_maps(
            [np.zeros((2, 2), int)], [np.zeros((2, 2), int)], ["pine"], ["tree"], mapping
        )


def test_api_dict_mapping_and_labels() -> None:
    mapping = ClassMapping.from_dict({"vehicle": "car", "bg": "_background"})
    car = np.zeros((4, 4), bool)
    car[:2] = True
    pred_car = np.zeros((4, 4), bool)
    pred_car[:3] = True
    gt = [Label("x", [Object("car", Mask.from_array(car))])]
    pred = [Label("x", [Object("vehicle", Mask.from_array(pred_car))])]
    ev = evaluate_segmentations(gt, pred, mapping)
    assert ev.class_iou()["vehicle"] == pytest.approx(8 / 12)
    assert ev.ranking() == ["x"]
