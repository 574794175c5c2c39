"""COCO detection evaluation (boxes and instance masks) with pycocotools' COCOeval semantics.

The flow is COCOeval's — ``_prepare`` (select, group), ``computeIoU``, ``evaluateImg``, ``accumulate``,
``summarize`` — but over numpy columns and compiled loops instead of dicts: objects are sorted once
into (image, category) groups in exactly the order pycocotools visits them, which is what makes every
tie-break (equal scores, equal IoUs) come out the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.eval._coco_kernels import box_ious, mask_ious, match_groups
from predhub.eval._rle import rle_to_bbox
from predhub.eval.coco_accumulate import accumulate, summarize
from predhub.eval.coco_data import (
    CocoGroundTruth,
    CocoObjects,
    attach_gt_masks,
    load_coco_gt,
    load_coco_results,
)
from predhub.eval.coco_params import CocoParams, IouType
from predhub.eval.detection_results import DetectionEvaluation, EvaluatedObjects

__all__ = ["evaluate_coco", "evaluate_coco_files"]

I64 = npt.NDArray[np.int64]


def _group_bounds(sorted_keys: I64, groups: I64) -> tuple[I64, I64]:
    return (
        np.searchsorted(sorted_keys, groups, side="left").astype(np.int64),
        np.searchsorted(sorted_keys, groups, side="right").astype(np.int64),
    )


def _select(objs: CocoObjects, image_ids: I64, category_ids: I64, use_categories: bool) -> I64:
    # COCOeval._prepare: getAnnIds(imgIds=p.imgIds, catIds=p.catIds); with useCats=0 the category filter
    # comes later (computeIoU gathers only p.catIds), with the same effect.
    keep = np.isin(objs.image_id, image_ids) & np.isin(objs.category_id, category_ids)
    return np.flatnonzero(keep).astype(np.int64)


def evaluate_coco(
    gt: CocoGroundTruth, dt: CocoObjects, params: CocoParams | None = None
) -> DetectionEvaluation:
    """Evaluate detections against ground truth exactly as pycocotools' COCOeval does."""
    params = params or CocoParams()
    segm = params.iou_type is IouType.SEGM
    image_ids = np.unique(
        np.asarray(params.image_ids if params.image_ids is not None else gt.image_ids, np.int64)
    )
    cat_source = params.category_ids if params.category_ids is not None else gt.category_ids
    category_ids = np.unique(np.asarray(cat_source, dtype=np.int64))
    n_cat = len(category_ids)
    if segm and gt.objects.masks is None:
        attach_gt_masks(gt)
    if segm and len(dt) and dt.masks is None:
        raise ValueError("segm evaluation needs the detections' masks (load them with with_masks=True)")

    gi = _select(gt.objects, image_ids, category_ids, params.use_categories)
    di = _select(dt, image_ids, category_ids, params.use_categories)
    g_img = np.searchsorted(image_ids, gt.objects.image_id[gi])
    g_cat = np.searchsorted(category_ids, gt.objects.category_id[gi])
    d_img = np.searchsorted(image_ids, dt.image_id[di])
    d_cat = np.searchsorted(category_ids, dt.category_id[di])
    d_score = dt.score[di]
    if params.use_categories:
        g_key, d_key = g_img * max(n_cat, 1) + g_cat, d_img * max(n_cat, 1) + d_cat
    else:
        g_key, d_key = g_img, d_img
    # Ground truth in file order within its group (imgToAnns order); with useCats=0 a group is the
    # image's objects gathered category by category (computeIoU's `for cId in p.catIds`).
    g_order = np.lexsort((gi, g_cat, g_key))
    # Detections: the same order, then np.argsort(-score, kind='mergesort') inside each group.
    d_order = np.lexsort((di, d_cat, -d_score, d_key))
    gi, g_img, g_cat, g_key = gi[g_order], g_img[g_order], g_cat[g_order], g_key[g_order]
    di, d_img, d_cat, d_key, d_score = (
        di[d_order],
        d_img[d_order],
        d_cat[d_order],
        d_key[d_order],
        d_score[d_order],
    )

    groups = np.unique(np.concatenate([g_key, d_key]))
    d_start_all, _ = _group_bounds(d_key, groups)
    rank = np.arange(len(di), dtype=np.int64) - np.repeat(
        d_start_all, np.diff(np.append(d_start_all, len(di)))
    )
    # computeIoU and evaluateImg both cut each group at maxDets[-1].
    kept = rank < params.max_dets[-1]
    di, d_img, d_cat, d_key, d_score, rank = (
        di[kept],
        d_img[kept],
        d_cat[kept],
        d_key[kept],
        d_score[kept],
        rank[kept],
    )

    gt0, gt1 = _group_bounds(g_key, groups)
    dt0, dt1 = _group_bounds(d_key, groups)
    sizes = (gt1 - gt0) * (dt1 - dt0)
    iou_off = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum(sizes, out=iou_off[1:])

    g_crowd = gt.objects.iscrowd[gi]
    gm = dm = None
    if segm:
        assert (gt.objects.masks is not None and dt.masks is not None) or len(di) == 0
        gm = gt.objects.masks.take(gi) if gt.objects.masks is not None else None
        dm = dt.masks.take(di) if dt.masks is not None else None
        if gm is None or dm is None or len(gm) == 0 or len(dm) == 0:
            ious = np.zeros(iou_off[-1], dtype=np.float64)
        else:
            ious = mask_ious(
                gt0, gt1, dt0, dt1, iou_off, g_crowd,
                gm.counts, gm.offsets, np.stack([gm.heights, gm.widths], axis=1), rle_to_bbox(gm),
                dm.counts, dm.offsets, np.stack([dm.heights, dm.widths], axis=1), rle_to_bbox(dm),
            )  # fmt: skip
    else:
        ious = box_ious(gt0, gt1, dt0, dt1, iou_off, gt.objects.bbox[gi], dt.bbox[di], g_crowd)

    thresholds = np.asarray(params.iou_thresholds, dtype=np.float64)
    area_lo = np.array([r.low for r in params.area_ranges], dtype=np.float64)
    area_hi = np.array([r.high for r in params.area_ranges], dtype=np.float64)
    n_a, n_t, n_d, n_g = len(area_lo), len(thresholds), len(di), len(gi)
    dt_tp = np.zeros((n_d, n_a, n_t), dtype=np.bool_)
    dt_ig = np.zeros((n_d, n_a, n_t), dtype=np.bool_)
    gt_ig = np.zeros((n_a, n_g), dtype=np.bool_)
    dt_partner = np.full((n_t, n_d), -1, dtype=np.int32)
    gt_partner = np.full((n_t, n_g), -1, dtype=np.int32)
    dt_iou = np.zeros((n_t, n_d), dtype=np.float64)
    match_groups(
        gt0, gt1, dt0, dt1, iou_off, ious,
        gt.objects.area[gi], g_crowd, gt.objects.id[gi] == 0, dt.area[di],
        area_lo, area_hi, thresholds,
        dt_tp, dt_ig, gt_ig, dt_partner, gt_partner, dt_iou,
    )  # fmt: skip
    del ious

    k_eff = n_cat if params.use_categories else 1
    acc_dt_cat = d_cat if params.use_categories else np.zeros(n_d, dtype=np.int64)
    acc_gt_cat = g_cat if params.use_categories else np.zeros(n_g, dtype=np.int64)
    has = np.zeros(k_eff, dtype=np.bool_)
    has[np.unique(acc_dt_cat)] = True
    has[np.unique(acc_gt_cat)] = True
    acc = accumulate(params, k_eff, acc_dt_cat, d_score, rank, dt_tp, dt_ig, acc_gt_cat, gt_ig, has)
    stats = summarize(params, acc)
    name_of = dict(zip(gt.category_ids.tolist(), gt.category_names, strict=False))
    return DetectionEvaluation(
        params=params,
        image_ids=image_ids,
        category_ids=category_ids,
        category_names=[name_of.get(int(c), str(int(c))) for c in category_ids],
        gt=EvaluatedObjects(
            index=gi, id=gt.objects.id[gi], image=g_img, category=g_cat,
            score=gt.objects.score[gi], area=gt.objects.area[gi], crowd=g_crowd,
            bbox=gt.objects.bbox[gi], masks=gm if segm else None,
        ),
        dt=EvaluatedObjects(
            index=di, id=dt.id[di], image=d_img, category=d_cat,
            score=d_score, area=dt.area[di], crowd=np.zeros(n_d, dtype=np.bool_),
            bbox=dt.bbox[di], masks=dm if segm else None,
        ),
        dt_rank=rank,
        dt_ignored=np.ascontiguousarray(dt_ig[:, 0, :].T),
        gt_ignored=gt_ig[0].copy(),
        dt_partner=dt_partner,
        gt_partner=gt_partner,
        dt_iou=dt_iou,
        precision=acc.precision,
        recall=acc.recall,
        scores=acc.scores,
        stats=stats,
    )  # fmt: skip


def evaluate_coco_files(
    gt_source: str | Path | bytes | dict[str, Any],
    results_source: str | Path | bytes | list[dict[str, Any]],
    params: CocoParams | None = None,
) -> DetectionEvaluation:
    """Load a COCO ground-truth file and a results file and evaluate them (``predhub eval coco``)."""
    params = params or CocoParams()
    segm = params.iou_type is IouType.SEGM
    gt = load_coco_gt(gt_source, with_masks=segm)
    dt = load_coco_results(results_source, gt, with_masks=segm)
    return evaluate_coco(gt, dt, params)
