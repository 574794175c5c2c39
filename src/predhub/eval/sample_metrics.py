"""Labelbox-style metrics per sample and per class: IoU, precision, recall and F1 of the objects.

Labelbox computes these as soon as ground truth and predictions share a model run (seed 001). Here,
from the match table at one IoU threshold (0.5 by default) and confidence, per (sample, class):

- TP: same-class matches; FP: predictions left unmatched or matched to another class; FN: ground
  truth left unmatched or matched by another class (crowd regions and what they absorb stay out);
- precision ``TP / (TP + FP)``, recall ``TP / (TP + FN)``, F1 their harmonic mean (None when the
  denominator is 0);
- IoU ``sum of the matched pairs' IoU / (TP + FP + FN)``: the overlap of the whole label, where every
  missed or spurious object counts as IoU 0.

Per class and per sample the counts and IoU sums are added up first, then divided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.eval.detection_results import DetectionEvaluation
from predhub.eval.match_table import MatchTable, match_table

__all__ = ["ObjectMetrics", "object_metrics"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def _ratio(num: F64, den: F64) -> F64:
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


@dataclass(slots=True)
class ObjectMetrics:
    """Counts and IoU sums per (image, class): ``tp``, ``fp``, ``fn``, ``iou_sum`` are (I, K)."""

    sample_keys: list[str]
    classes: list[str]
    tp: I64
    fp: I64
    fn: I64
    iou_sum: F64

    @staticmethod
    def _scores(tp: F64, fp: F64, fn: F64, iou_sum: F64) -> dict[str, F64]:
        precision = _ratio(tp, tp + fp)
        recall = _ratio(tp, tp + fn)
        f1 = _ratio(2 * tp, 2 * tp + fp + fn)
        return {"iou": _ratio(iou_sum, tp + fp + fn), "precision": precision, "recall": recall, "f1": f1}

    def per_class(self) -> dict[str, dict[str, float | None]]:
        s = self._scores(
            *(x.sum(axis=0).astype(np.float64) for x in (self.tp, self.fp, self.fn, self.iou_sum))
        )
        return {c: {k: _num(v[i]) for k, v in s.items()} for i, c in enumerate(self.classes)}

    def per_sample(self) -> dict[str, dict[str, float | None]]:
        s = self._scores(
            *(x.sum(axis=1).astype(np.float64) for x in (self.tp, self.fp, self.fn, self.iou_sum))
        )
        return {key: {k: _num(v[i]) for k, v in s.items()} for i, key in enumerate(self.sample_keys)}

    def overall(self) -> dict[str, float | None]:
        s = self._scores(
            *(np.array([x.sum()], dtype=np.float64) for x in (self.tp, self.fp, self.fn, self.iou_sum))
        )
        return {k: _num(v[0]) for k, v in s.items()}

    def to_dict(self) -> dict[str, Any]:
        return {"overall": self.overall(), "per_class": self.per_class(), "per_sample": self.per_sample()}


def _num(v: float) -> float | None:
    return None if np.isnan(v) else float(v)


def object_metrics(
    ev: DetectionEvaluation, iou: float = 0.5, confidence: float = 0.0, table: MatchTable | None = None
) -> ObjectMetrics:
    table = table if table is not None else match_table(ev, iou, confidence)
    n_img, n_cls = len(ev.image_ids), len(ev.category_names)
    size = n_img * n_cls

    def count(img: I64, cat: I64, mask: npt.NDArray[np.bool_], w: F64 | None = None) -> F64:
        flat = img[mask] * n_cls + cat[mask]
        counts = np.bincount(flat, weights=None if w is None else w[mask], minlength=size)
        return counts.astype(np.float64).reshape(n_img, n_cls)

    used = table.dt_used
    same = used & (table.dt_partner >= 0) & ~table.cross_class
    tp = count(ev.dt.image, ev.dt.category, same)
    fp = count(ev.dt.image, ev.dt.category, used & ~same)
    gt_hit = np.zeros(len(ev.gt), dtype=np.bool_)
    gt_hit[table.dt_partner[same]] = True
    fn = count(ev.gt.image, ev.gt.category, table.gt_used & ~gt_hit)
    iou_sum = count(ev.dt.image, ev.dt.category, same, table.dt_iou)
    keys = [ev.sample_key(i) for i in range(n_img)]
    return ObjectMetrics(
        keys, list(ev.category_names), tp.astype(np.int64), fp.astype(np.int64), fn.astype(np.int64), iou_sum
    )
