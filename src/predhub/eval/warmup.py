"""Compile every numba kernel of :mod:`predhub.eval` into its on-disk cache ahead of time.

The kernels are compiled on first use and cached (``cache=True``); the first evaluation on a fresh
install otherwise pays the compile time (tens of seconds on a slow machine). ``scripts/setup`` calls
:func:`warm_up` once so that users never see it; it is also ``python -m predhub.eval.warmup``.
"""

from __future__ import annotations

import json

from predhub.core.geometry import Box
from predhub.core.label import Label, Object

__all__ = ["warm_up"]


def warm_up() -> None:
    """Run a tiny bbox and segm evaluation through every code path, from JSON and from labels."""
    from predhub.eval import CocoParams, IouType, evaluate_coco_files, evaluate_label_sets

    poly = [2.0, 2.0, 12.0, 2.5, 11.0, 12.0, 3.0, 11.0]
    gt = {
        "images": [{"id": 1, "height": 20, "width": 20}],
        "categories": [{"id": 1, "name": "a"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [2, 2, 10, 10], "area": 90, "iscrowd": 0,
             "segmentation": [poly]},
            {"id": 2, "image_id": 1, "category_id": 1, "bbox": [0, 0, 4, 4], "area": 16, "iscrowd": 1,
             "segmentation": {"size": [20, 20], "counts": [0, 4, 16, 4, 16, 4, 16, 4, 336]}},
        ],
    }  # fmt: skip
    boxes = [{"image_id": 1, "category_id": 1, "bbox": [2.5, 2, 10, 10.25], "score": 0.9}]
    rle = {"size": [20, 20], "counts": "Z14`05K0000001O0001O0KR5"}  # a polygon, as pycocotools encodes it
    masks = [{"image_id": 1, "category_id": 1, "segmentation": rle, "score": 0.8}]
    for iou_type, results in ((IouType.BBOX, boxes), (IouType.SEGM, masks)):
        evaluate_coco_files(
            json.dumps(gt).encode(), json.dumps(results).encode(), CocoParams(iou_type=iou_type)
        )
    evaluate_coco_files(
        json.dumps(gt).encode(), json.dumps(boxes).encode(), CocoParams(iou_type=IouType.SEGM)
    )
    labels_gt = [Label("x", [Object("a", Box(0, 0, 10, 10))])]
    labels_pred = [Label("x", [Object("a", Box(1, 0, 10, 10), 0.5), Object("b", Box(0, 0, 9, 10), 0.7)])]
    for iou_type in IouType:
        evaluate_label_sets(
            labels_gt, labels_pred, params=CocoParams(iou_type=iou_type), image_sizes={"x": (12, 12)}
        )


if __name__ == "__main__":
    warm_up()
