"""Helpers shared by the COCO tests: run pycocotools itself and compare everything it computes."""

from __future__ import annotations

import contextlib
import copy
import io
from collections.abc import Callable
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from predhub.eval.coco_eval import evaluate_coco_files
from predhub.eval.coco_params import AreaRange, CocoParams, IouType
from predhub.eval.detection_results import DetectionEvaluation

TOL = 1e-9


def pycocotools_eval(
    gt: dict[str, Any], results: list[dict[str, Any]], iou_type: str, params: CocoParams | None = None
) -> COCOeval:
    """COCOeval on deep copies (pycocotools mutates its input), params translated one to one."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco_gt = COCO()
        coco_gt.dataset = copy.deepcopy(gt)
        coco_gt.createIndex()
        if results:
            coco_dt = coco_gt.loadRes(copy.deepcopy(results))
        else:  # loadRes cannot take an empty list; an empty result set is what it would mean
            coco_dt = COCO()
            coco_dt.dataset = {
                "images": list(gt["images"]),
                "annotations": [],
                "categories": gt["categories"],
            }
            coco_dt.createIndex()
        ev = COCOeval(coco_gt, coco_dt, iou_type)
        if params is not None:
            ev.params.iouThrs = np.asarray(params.iou_thresholds)
            ev.params.recThrs = np.asarray(params.recall_thresholds)
            ev.params.maxDets = list(params.max_dets)
            ev.params.areaRng = [[r.low, r.high] for r in params.area_ranges]
            ev.params.areaRngLbl = [r.name for r in params.area_ranges]
            ev.params.useCats = int(params.use_categories)
            if params.image_ids is not None:
                ev.params.imgIds = list(params.image_ids)
            if params.category_ids is not None:
                ev.params.catIds = list(params.category_ids)
        ev.evaluate()
        ev.accumulate()
        if len(ev.params.maxDets) >= 3:
            ev.summarize()
    return ev


def per_class(ev: COCOeval, ap: bool) -> list[float]:
    """Per-class AP / AR the way predhub defines them: area 'all', the largest maxDets."""
    a = ev.params.areaRngLbl.index("all")
    out = []
    for k in range(ev.eval["precision"].shape[2]):
        s = ev.eval["precision"][:, :, k, a, -1] if ap else ev.eval["recall"][:, k, a, -1]
        valid = s[s > -1]
        out.append(float(np.mean(valid)) if valid.size else -1.0)
    return out


def assert_matches_pycocotools(
    gt: dict[str, Any],
    results: list[dict[str, Any]],
    iou_type: str = "bbox",
    params: CocoParams | None = None,
    check: Callable[[DetectionEvaluation, COCOeval], None] | None = None,
) -> DetectionEvaluation:
    params = params or CocoParams(iou_type=IouType(iou_type))
    ref = pycocotools_eval(gt, results, iou_type, params)
    mine = evaluate_coco_files(copy.deepcopy(gt), copy.deepcopy(results), params)
    np.testing.assert_allclose(mine.precision, ref.eval["precision"], atol=TOL, rtol=0)
    np.testing.assert_allclose(mine.recall, ref.eval["recall"], atol=TOL, rtol=0)
    np.testing.assert_allclose(mine.scores, ref.eval["scores"], atol=TOL, rtol=0)
    if len(params.max_dets) >= 3:
        np.testing.assert_allclose(mine.stats, ref.stats, atol=TOL, rtol=0)
    if params.use_categories and "all" in [r.name for r in params.area_ranges]:
        np.testing.assert_allclose(list(mine.class_ap().values()), per_class(ref, True), atol=TOL, rtol=0)
        np.testing.assert_allclose(list(mine.class_ar().values()), per_class(ref, False), atol=TOL, rtol=0)
    if check is not None:
        check(mine, ref)
    return mine


def default_params(iou_type: str = "bbox", **changes: Any) -> CocoParams:
    return CocoParams(iou_type=IouType(iou_type), **changes)


__all__ = ["AreaRange", "assert_matches_pycocotools", "default_params", "per_class", "pycocotools_eval"]
