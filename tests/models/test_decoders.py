from __future__ import annotations

import numpy as np
import pytest

from predhub.models.decoders import (
    from_class_scores,
    from_person_mask,
    from_ssd_output,
    from_yolo_output,
    nms,
)
from predhub.models.zoo.coco import COCO90, COCO90_BY_ID


def test_coco_table_has_80_classes_on_90_ids() -> None:
    assert len(COCO90) == 80
    assert COCO90_BY_ID[1] == "person" and COCO90_BY_ID[17] == "cat" and COCO90_BY_ID[90] == "toothbrush"
    assert COCO90_BY_ID[12] == "12"  # a gap in the id range


def test_ssd_rows_scale_to_pixels_clip_and_threshold() -> None:
    rows = np.array(
        [
            [0, 1, 0.9, 0.1, 0.2, 0.5, 1.2],  # overhangs the bottom: clipped
            [0, 17, 0.3, 0.0, 0.0, 0.5, 0.5],  # below conf
        ]
    )
    objects = from_ssd_output(rows, width=200, height=100, class_names=COCO90_BY_ID, conf=0.5)
    assert objects.xyxy.tolist() == [[20.0, 20.0, 100.0, 100.0]]
    assert list(objects.class_names) == ["person"] and objects.class_ids.tolist() == [1]


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]], float)
    keep = nms(boxes, np.array([0.5, 0.9, 0.8]), iou_threshold=0.5)
    assert keep.tolist() == [1, 2]


def test_yolo_rows_decode_with_objectness_and_class_wise_nms() -> None:
    # [cx, cy, w, h, objectness, p(class0), p(class1)], normalised.
    rows = np.array(
        [
            [0.5, 0.5, 0.2, 0.2, 0.9, 0.9, 0.1],
            [0.5, 0.5, 0.2, 0.2, 0.8, 0.1, 0.9],  # same place, other class: kept
            [0.51, 0.5, 0.2, 0.2, 0.5, 0.9, 0.1],  # duplicate of the first: suppressed
            [0.1, 0.1, 0.1, 0.1, 0.1, 0.5, 0.5],  # too unsure
        ]
    )
    objects = from_yolo_output(rows, 100, 200, ["dog", "cat"], conf=0.25, nms_iou=0.5)
    assert sorted(objects.class_names) == ["cat", "dog"]
    dog = objects.filter(classes=["dog"])
    assert dog.xyxy[0].tolist() == pytest.approx([40, 80, 60, 120])
    assert dog.scores[0] == pytest.approx(0.81)


def test_yolov8_rows_are_in_input_pixels() -> None:
    rows = np.array([[320, 320, 64, 64, 0.8]])  # one class, no objectness, 640x640 input
    objects = from_yolo_output(
        rows, 1280, 640, ["x"], objectness=False, normalized=False, input_size=(640, 640)
    )
    assert objects.xyxy[0].tolist() == pytest.approx([576, 288, 704, 352])


def test_class_scores_become_one_single_choice_answer() -> None:
    c = from_class_scores([0.1, 0.7, 0.2], ["a", "b", "c"], name="species")
    assert c.name == "species" and c.answer == "b" and c.confidence == pytest.approx(0.7)
    logits = from_class_scores([0.0, 2.0], ["a", "b"], softmax=True)
    assert logits.answer == "b" and logits.confidence == pytest.approx(1 / (1 + np.exp(-2)))


def test_person_mask_object_from_probabilities() -> None:
    probs = np.zeros((10, 20))
    probs[2:5, 3:8] = 0.8
    objects = from_person_mask(probs)
    assert objects.xyxy.tolist() == [[3, 2, 8, 5]]
    assert objects.masks is not None and objects.masks.sum() == 15
    assert objects.scores[0] == pytest.approx(0.8)
    assert len(from_person_mask(np.zeros((4, 4)))) == 0
