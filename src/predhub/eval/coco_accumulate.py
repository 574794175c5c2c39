"""COCOeval.accumulate and COCOeval.summarize over the match flags, vectorised per category.

pycocotools concatenates, per (category, area range, maxDets), every image's detections in image-id
order, each image's in descending score, then sorts stably by score. The caller hands us detections
already in (image, category, score) order, so filtering one category keeps exactly that concatenation
and one stable argsort per category reproduces pycocotools' ranking, ties included.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from predhub.eval._coco_kernels import accumulate_category
from predhub.eval.coco_params import CocoParams

__all__ = ["STAT_NAMES", "Accumulated", "accumulate", "summarize"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

STAT_NAMES = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")

_EPS = float(np.spacing(1))


@dataclass(slots=True)
class Accumulated:
    """pycocotools' ``eval`` dict: ``precision`` (T, R, K, A, M), ``recall`` (T, K, A, M) and ``scores``
    (T, R, K, A, M), -1 where a category has no ground truth in that setting."""

    precision: F64
    recall: F64
    scores: F64


def accumulate(
    params: CocoParams,
    n_categories: int,
    dt_cat: I64,
    dt_score: F64,
    dt_rank: I64,
    dt_tp: Bool,
    dt_ig: Bool,
    gt_cat: I64,
    gt_ig: Bool,
    cat_has_objects: Bool,
) -> Accumulated:
    """``dt_*`` are the evaluated detections in (image, category, descending score) order, ``dt_rank``
    each one's place in its group; ``dt_tp`` / ``dt_ig`` are (D, A, T); ``gt_ig`` is (A, G)."""
    thr = np.asarray(params.iou_thresholds, dtype=np.float64)
    rec = np.asarray(params.recall_thresholds, dtype=np.float64)
    n_t, n_r, n_a, n_m = len(thr), len(rec), len(params.area_ranges), len(params.max_dets)
    precision = -np.ones((n_t, n_r, n_categories, n_a, n_m))
    recall = -np.ones((n_t, n_categories, n_a, n_m))
    scores = -np.ones((n_t, n_r, n_categories, n_a, n_m))
    cat_order = np.argsort(dt_cat, kind="stable")
    cat_bounds = np.searchsorted(dt_cat[cat_order], np.arange(n_categories + 1))
    # npig per (category, area): regular (not ignored) ground truth.
    npig_all = np.zeros((n_categories, n_a), dtype=np.int64)
    for a in range(n_a):
        npig_all[:, a] = np.bincount(gt_cat[~gt_ig[a]], minlength=n_categories)[:n_categories]
    for k in range(n_categories):
        if not cat_has_objects[k] or not npig_all[k].any():
            continue  # `if len(E) == 0: continue` / `if npig == 0: continue`
        sel = cat_order[cat_bounds[k] : cat_bounds[k + 1]]
        # np.argsort(-dtScores, kind='mergesort') over the image-ordered concatenation; a smaller maxDets
        # keeps a subsequence, and a stable sort of a subsequence is the same subsequence of the sort.
        ranked_all = sel[np.argsort(-dt_score[sel], kind="stable")]
        for m, max_det in enumerate(params.max_dets):
            ranked = ranked_all[dt_rank[ranked_all] < max_det]
            p_km = np.full((n_t, n_r, n_a), -1.0)
            r_km = np.full((n_t, n_a), -1.0)
            s_km = np.full((n_t, n_r, n_a), -1.0)
            accumulate_category(ranked, dt_tp, dt_ig, npig_all[k], dt_score[ranked], rec, p_km, r_km, s_km)
            precision[:, :, k, :, m] = p_km
            recall[:, k, :, m] = r_km
            scores[:, :, k, :, m] = s_km
    return Accumulated(precision, recall, scores)


def _mean_valid(s: F64) -> float:
    valid = s[s > -1]
    return float(np.mean(valid)) if valid.size else -1.0


def summarize_one(
    params: CocoParams,
    acc: Accumulated,
    ap: bool,
    iou: float | None = None,
    area: str = "all",
    max_dets: int | None = 100,
    category: int | None = None,
) -> float:
    """COCOeval.summarize's ``_summarize``; ``category`` restricts to one category index."""
    aind = [i for i, r in enumerate(params.area_ranges) if r.name == area]
    mind = [i for i, m in enumerate(params.max_dets) if m == max_dets]
    thr = np.asarray(params.iou_thresholds, dtype=np.float64)
    if ap:
        s = acc.precision
        if iou is not None:
            s = s[np.where(iou == thr)[0]]
        s = s[:, :, :, aind][:, :, :, :, mind]
        if category is not None:
            s = s[:, :, category]
    else:
        s = acc.recall
        if iou is not None:
            s = s[np.where(iou == thr)[0]]
        s = s[:, :, aind][:, :, :, mind]
        if category is not None:
            s = s[:, category]
    return _mean_valid(s)


def summarize(params: CocoParams, acc: Accumulated) -> F64:
    """The 12 numbers of ``_summarizeDets``. pycocotools reads maxDets[0..2]; with fewer we give -1."""
    md = params.max_dets

    def det(i: int) -> int | None:
        return md[i] if i < len(md) else None

    return np.array(
        [
            summarize_one(params, acc, True),
            summarize_one(params, acc, True, iou=0.5, max_dets=det(2)),
            summarize_one(params, acc, True, iou=0.75, max_dets=det(2)),
            summarize_one(params, acc, True, area="small", max_dets=det(2)),
            summarize_one(params, acc, True, area="medium", max_dets=det(2)),
            summarize_one(params, acc, True, area="large", max_dets=det(2)),
            summarize_one(params, acc, False, max_dets=det(0)),
            summarize_one(params, acc, False, max_dets=det(1)),
            summarize_one(params, acc, False, max_dets=det(2)),
            summarize_one(params, acc, False, area="small", max_dets=det(2)),
            summarize_one(params, acc, False, area="medium", max_dets=det(2)),
            summarize_one(params, acc, False, area="large", max_dets=det(2)),
        ]
    )
