"""Compiled inner loops of the COCO evaluation: IoU per (image, category) group and the greedy matching.

Objects arrive sorted into groups (one group per image and category, or per image when categories are
ignored); group ``k`` owns ground truth ``gt0[k]:gt1[k]`` and detections ``dt0[k]:dt1[k]`` (already
ordered by descending score, stable, and cut at the largest maxDets). Its IoU matrix is stored flat at
``iou_off[k]``, row-major (detection, ground truth), the same (D, G) shape ``maskUtils.iou`` returns.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from predhub.eval._rle import rle_iou

__all__ = ["box_ious", "mask_ious", "match_groups"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@numba.njit(cache=True, nogil=True, inline="always")
def _bb_iou(d: F64, g: F64, crowd: bool) -> float:  # pragma: no cover - jitted
    # maskApi.c bbIou, operation for operation so the doubles come out bit-identical.
    ga = g[2] * g[3]
    da = d[2] * d[3]
    w = min(d[2] + d[0], g[2] + g[0]) - max(d[0], g[0])
    if w <= 0:
        return 0.0
    h = min(d[3] + d[1], g[3] + g[1]) - max(d[1], g[1])
    if h <= 0:
        return 0.0
    i = w * h
    u = da if crowd else da + ga - i
    return float(i / u)


@numba.njit(cache=True, nogil=True)
def box_ious(
    gt0: I64,
    gt1: I64,
    dt0: I64,
    dt1: I64,
    iou_off: I64,
    gt_box: F64,
    dt_box: F64,
    gt_crowd: npt.NDArray[np.bool_],
) -> F64:  # pragma: no cover - jitted
    """COCOeval.computeIoU for boxes, every group at once."""
    out = np.zeros(iou_off[-1], dtype=np.float64)
    for k in range(len(gt0)):
        ng = gt1[k] - gt0[k]
        off = iou_off[k]
        for d in range(dt1[k] - dt0[k]):
            for g in range(ng):
                out[off + d * ng + g] = _bb_iou(dt_box[dt0[k] + d], gt_box[gt0[k] + g], gt_crowd[gt0[k] + g])
    return out


@numba.njit(cache=True, nogil=True)
def mask_ious(
    gt0: I64,
    gt1: I64,
    dt0: I64,
    dt1: I64,
    iou_off: I64,
    gt_crowd: npt.NDArray[np.bool_],
    gt_counts: npt.NDArray[np.uint32],
    gt_offsets: I64,
    gt_hw: I64,
    gt_bb: F64,
    dt_counts: npt.NDArray[np.uint32],
    dt_offsets: I64,
    dt_hw: I64,
    dt_bb: F64,
) -> F64:  # pragma: no cover - jitted
    """COCOeval.computeIoU for masks: maskApi.c rleIou — bbIou of the ``rleToBbox`` boxes as a
    pre-filter, -1 where sizes differ, then the exact run-length intersection over union."""
    out = np.zeros(iou_off[-1], dtype=np.float64)
    for k in range(len(gt0)):
        ng = gt1[k] - gt0[k]
        off = iou_off[k]
        for d in range(dt1[k] - dt0[k]):
            di = dt0[k] + d
            for g in range(ng):
                gi = gt0[k] + g
                crowd = gt_crowd[gi]
                if _bb_iou(dt_bb[di], gt_bb[gi], crowd) > 0:
                    if dt_hw[di, 0] != gt_hw[gi, 0] or dt_hw[di, 1] != gt_hw[gi, 1]:
                        out[off + d * ng + g] = -1.0
                    else:
                        out[off + d * ng + g] = rle_iou(
                            dt_counts,
                            dt_offsets[di],
                            dt_offsets[di + 1],
                            gt_counts,
                            gt_offsets[gi],
                            gt_offsets[gi + 1],
                            crowd,
                        )
    return out


@numba.njit(cache=True, nogil=True)
def match_groups(
    gt0: I64,
    gt1: I64,
    dt0: I64,
    dt1: I64,
    iou_off: I64,
    ious: F64,
    gt_area: F64,
    gt_crowd: npt.NDArray[np.bool_],
    gt_id_zero: npt.NDArray[np.bool_],
    dt_area: F64,
    area_lo: F64,
    area_hi: F64,
    thresholds: F64,
    dt_tp: npt.NDArray[np.bool_],
    dt_ig: npt.NDArray[np.bool_],
    gt_ig: npt.NDArray[np.bool_],
    dt_partner: npt.NDArray[np.int32],
    gt_partner: npt.NDArray[np.int32],
    dt_iou: F64,
) -> None:  # pragma: no cover - jitted
    """COCOeval.evaluateImg for every group, area range and IoU threshold.

    Writes, per (detection, area range a, threshold t): ``dt_tp`` (matched, as pycocotools'
    ``dtMatches != 0``), ``dt_ig`` (``dtIgnore``); per (a, ground truth) ``gt_ig`` (``gtIgnore``);
    and for the first area range the partners and the partner IoU for the match table.
    """
    n_area = len(area_lo)
    n_thr = len(thresholds)
    for k in range(len(gt0)):
        g0 = gt0[k]
        ng = gt1[k] - g0
        d0 = dt0[k]
        nd = dt1[k] - d0
        off = iou_off[k]
        ig = np.empty(ng, dtype=np.bool_)
        order = np.empty(ng, dtype=np.int64)
        ig_sorted = np.empty(ng, dtype=np.bool_)
        taken = np.empty(ng, dtype=np.bool_)
        for a in range(n_area):
            lo = area_lo[a]
            hi = area_hi[a]
            for j in range(ng):
                ar = gt_area[g0 + j]
                ig[j] = gt_crowd[g0 + j] or ar < lo or ar > hi
                gt_ig[a, g0 + j] = ig[j]
            # np.argsort(gtIgnore, kind='mergesort'): regular objects first, each side in order.
            p = 0
            for j in range(ng):
                if not ig[j]:
                    order[p] = j
                    p += 1
            for j in range(ng):
                if ig[j]:
                    order[p] = j
                    p += 1
            for j in range(ng):
                ig_sorted[j] = ig[order[j]]
            for t in range(n_thr):
                thr = min(thresholds[t], 1 - 1e-10)
                taken[:] = False
                for d in range(nd):
                    di = d0 + d
                    out_of_area = dt_area[di] < lo or dt_area[di] > hi
                    best = thr
                    m = -1
                    row = off + d * ng
                    for gi in range(ng):
                        j = order[gi]
                        # a taken object is skipped unless it is a crowd, which absorbs any number
                        if taken[gi] and not gt_crowd[g0 + j]:
                            continue
                        # once matched to a regular object, never move to an ignored one
                        if m > -1 and not ig_sorted[m] and ig_sorted[gi]:
                            break
                        v = ious[row + j]
                        if v < best:
                            continue
                        best = v
                        m = gi
                    if m == -1:
                        dt_tp[di, a, t] = False
                        dt_ig[di, a, t] = out_of_area
                        if a == 0:
                            dt_partner[t, di] = -1
                        continue
                    j = order[m]
                    taken[m] = True
                    # pycocotools stores the matched object's id and tests it for != 0: a ground-truth
                    # object with id 0 therefore never counts as a match.
                    matched = not gt_id_zero[g0 + j]
                    dt_tp[di, a, t] = matched
                    dt_ig[di, a, t] = ig[j] or (not matched and out_of_area)
                    if a == 0:
                        dt_partner[t, di] = g0 + j
                        gt_partner[t, g0 + j] = di
                        dt_iou[t, di] = best


@numba.njit(cache=True, nogil=True)
def accumulate_category(
    ranked: I64,
    dt_tp: npt.NDArray[np.bool_],
    dt_ig: npt.NDArray[np.bool_],
    npig: I64,
    scores_sorted: F64,
    rec_thrs: F64,
    precision: F64,
    recall: F64,
    scores: F64,
) -> None:  # pragma: no cover - jitted
    """COCOeval.accumulate's inner loops for one (category, maxDets): ``ranked`` detections in
    pycocotools' order, ``dt_tp`` / ``dt_ig`` (D, A, T); writes ``precision`` / ``scores`` (T, R, A)
    and ``recall`` (T, A)."""
    eps = np.spacing(1.0)
    _, n_a, n_t = dt_tp.shape
    nd = len(ranked)
    n_r = len(rec_thrs)
    tp = np.zeros((n_a, n_t), dtype=np.int64)
    fp = np.zeros((n_a, n_t), dtype=np.int64)
    rc = np.empty((n_a, n_t, nd), dtype=np.float64)
    pr = np.empty((n_a, n_t, nd), dtype=np.float64)
    # cumulative sums in one pass over the ranking (each detection's flags are contiguous)
    for i in range(nd):
        d = ranked[i]
        for a in range(n_a):
            for t in range(n_t):
                if not dt_ig[d, a, t]:
                    if dt_tp[d, a, t]:
                        tp[a, t] += 1
                    else:
                        fp[a, t] += 1
                ftp = float(tp[a, t])
                rc[a, t, i] = ftp / npig[a] if npig[a] else 0.0
                pr[a, t, i] = ftp / (float(fp[a, t]) + ftp + eps)
    for a in range(n_a):
        if npig[a] == 0:
            continue
        for t in range(n_t):
            recall[t, a] = rc[a, t, nd - 1] if nd else 0.0
            p = pr[a, t]
            # `if pr[i] > pr[i-1]: pr[i-1] = pr[i]`, from the end
            for i in range(nd - 1, 0, -1):
                if p[i] > p[i - 1]:
                    p[i - 1] = p[i]
            inds = np.searchsorted(rc[a, t], rec_thrs)
            for r in range(n_r):
                # pycocotools stops at the first index past the end (IndexError): the rest stay 0
                if inds[r] >= nd:
                    for r2 in range(r, n_r):
                        precision[t, r2, a] = 0.0
                        scores[t, r2, a] = 0.0
                    break
                precision[t, r, a] = p[inds[r]]
                scores[t, r, a] = scores_sorted[inds[r]]
