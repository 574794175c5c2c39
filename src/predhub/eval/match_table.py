"""One matching of ground truth and predictions at a chosen IoU and confidence, across classes.

The COCO matching only pairs objects of the same class. To see *which* class a model confuses with
which (FiftyOne's ``classwise=False`` view) we extend it in two stages, per image:

1. the COCO matching itself at the chosen IoU threshold (greedy by score, pycocotools' rules),
   restricted to predictions at or above the confidence — dropping the low-score tail never changes
   the matches of higher-scored predictions, so these pairs are exactly COCO's;
2. the predictions and ground-truth objects left over are matched greedily across classes (highest
   score first, each taking the unmatched object it overlaps most, IoU >= the threshold).

Crowd regions and the predictions they absorb stay out. The result is the table every report below
reads: the confusion matrix, per-sample disagreement, the likely-mislabeled score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from predhub.eval._coco_kernels import box_ious, mask_ious
from predhub.eval._rle import rle_to_bbox
from predhub.eval.detection_results import DetectionEvaluation

__all__ = ["ImagePairs", "MatchTable", "image_pairs", "match_table"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


@dataclass(slots=True)
class ImagePairs:
    """Every (ground truth, prediction) pair of the same image that overlaps (IoU > 0), any classes."""

    gt_row: I64
    dt_row: I64
    iou: F64


@dataclass(slots=True)
class MatchTable:
    """Rows index ``evaluation.gt`` / ``evaluation.dt``. ``*_partner`` is -1 when unmatched;
    ``dt_used`` marks the predictions taken into account (score >= confidence, not crowd-absorbed)."""

    iou_threshold: float
    confidence: float
    gt_partner: I64  # (G,)
    dt_partner: I64  # (D,)
    dt_iou: F64  # (D,) IoU with the partner, 0 without
    dt_used: Bool  # (D,)
    gt_used: Bool  # (G,) regular (not crowd) ground truth
    cross_class: Bool  # (D,) matched in stage 2, to a ground-truth object of another class


@numba.njit(cache=True, nogil=True)
def _nonzero_pairs(
    gt0: I64, gt1: I64, dt0: I64, dt1: I64, iou_off: I64, ious: F64
) -> tuple[I64, I64, F64]:  # pragma: no cover - jitted
    n = 0
    for v in ious:
        if v > 0:
            n += 1
    g_out = np.empty(n, dtype=np.int64)
    d_out = np.empty(n, dtype=np.int64)
    v_out = np.empty(n, dtype=np.float64)
    p = 0
    for k in range(len(gt0)):
        ng = gt1[k] - gt0[k]
        for d in range(dt1[k] - dt0[k]):
            for g in range(ng):
                v = ious[iou_off[k] + d * ng + g]
                if v > 0:
                    g_out[p] = gt0[k] + g
                    d_out[p] = dt0[k] + d
                    v_out[p] = v
                    p += 1
    return g_out, d_out, v_out


def image_pairs(ev: DetectionEvaluation) -> ImagePairs:
    """IoU of every overlapping (ground truth, prediction) pair within an image, whatever the classes."""
    n_img = len(ev.image_ids)
    # evaluation order is (image, category, ...), so both sides are grouped by image already
    gt0 = np.searchsorted(ev.gt.image, np.arange(n_img), side="left").astype(np.int64)
    gt1 = np.searchsorted(ev.gt.image, np.arange(n_img), side="right").astype(np.int64)
    dt0 = np.searchsorted(ev.dt.image, np.arange(n_img), side="left").astype(np.int64)
    dt1 = np.searchsorted(ev.dt.image, np.arange(n_img), side="right").astype(np.int64)
    iou_off = np.zeros(n_img + 1, dtype=np.int64)
    np.cumsum((gt1 - gt0) * (dt1 - dt0), out=iou_off[1:])
    if ev.gt.masks is not None and ev.dt.masks is not None and len(ev.gt) and len(ev.dt):
        gm, dm = ev.gt.masks, ev.dt.masks
        ious = mask_ious(
            gt0, gt1, dt0, dt1, iou_off, ev.gt.crowd,
            gm.counts, gm.offsets, np.stack([gm.heights, gm.widths], axis=1), rle_to_bbox(gm),
            dm.counts, dm.offsets, np.stack([dm.heights, dm.widths], axis=1), rle_to_bbox(dm),
        )  # fmt: skip
    else:
        ious = box_ious(gt0, gt1, dt0, dt1, iou_off, ev.gt.bbox, ev.dt.bbox, ev.gt.crowd)
    g, d, v = _nonzero_pairs(gt0, gt1, dt0, dt1, iou_off, ious)
    return ImagePairs(g, d, v)


def match_table(
    ev: DetectionEvaluation, iou: float = 0.5, confidence: float = 0.0, pairs: ImagePairs | None = None
) -> MatchTable:
    """Match at ``iou`` (one of the evaluated thresholds) keeping predictions with score >= ``confidence``."""
    t = ev._threshold_index(iou)
    thr = float(ev.params.iou_thresholds[t])
    n_g, n_d = len(ev.gt), len(ev.dt)
    dt_used = (ev.dt.score >= confidence) & ~ev.dt_ignored[t]
    gt_used = ~ev.gt.crowd
    # stage 1: the COCO pairs, for predictions that are kept
    dt_partner = np.where(dt_used, ev.dt_partner[t], -1).astype(np.int64)
    dt_iou = np.where(dt_partner >= 0, ev.dt_iou[t], 0.0)
    gt_partner = np.full(n_g, -1, dtype=np.int64)
    matched = dt_partner >= 0
    gt_partner[dt_partner[matched]] = np.flatnonzero(matched)
    gt_partner[~gt_used] = -1
    # stage 2: leftovers, across classes, greedy by score
    cross = np.zeros(n_d, dtype=np.bool_)
    pairs = pairs if pairs is not None else image_pairs(ev)
    ok = (
        (pairs.iou >= min(thr, 1 - 1e-10))
        & dt_used[pairs.dt_row]
        & (dt_partner[pairs.dt_row] < 0)
        & gt_used[pairs.gt_row]
        & (gt_partner[pairs.gt_row] < 0)
    )
    g_rows, d_rows, vals = pairs.gt_row[ok], pairs.dt_row[ok], pairs.iou[ok]
    if len(d_rows):
        # by descending score (ties: evaluation order), then descending IoU
        order = np.lexsort((-vals, d_rows, -ev.dt.score[d_rows]))
        for g, d, v in zip(g_rows[order].tolist(), d_rows[order].tolist(), vals[order].tolist(), strict=True):
            if dt_partner[d] >= 0 or gt_partner[g] >= 0:
                continue
            dt_partner[d] = g
            gt_partner[g] = d
            dt_iou[d] = v
            cross[d] = True
    return MatchTable(thr, confidence, gt_partner, dt_partner, dt_iou, dt_used, gt_used, cross)
