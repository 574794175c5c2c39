"""The result of a detection evaluation: the match table and the PR arrays, with reports computed from them.

Like FiftyOne's results objects, :class:`DetectionEvaluation` keeps the raw material — every evaluated
object, its partner at each IoU threshold, pycocotools' precision/recall arrays — and derives the
summary, per-class numbers, PR curves, the F1-optimal confidence and per-object status on demand.
It plots nothing and stores nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.eval._rle import RleColumn
from predhub.eval.coco_accumulate import STAT_NAMES, Accumulated, summarize_one
from predhub.eval.coco_params import CocoParams

__all__ = ["DetectionEvaluation", "EvaluatedObjects", "MatchStatus", "ObjectMatches", "PRCurve"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


class MatchStatus(enum.StrEnum):
    TP = "tp"  # a detection matched to a ground-truth object, or a ground-truth object found
    FP = "fp"  # a detection matched to nothing
    FN = "fn"  # a ground-truth object no detection matched
    IGNORED = "ignored"  # crowd regions and the detections they absorbed: neither right nor wrong


@dataclass(slots=True)
class EvaluatedObjects:
    """The objects that took part, in evaluation order. ``index`` points back into the input rows;
    ``image`` / ``category`` index :attr:`DetectionEvaluation.image_ids` / ``category_ids``."""

    index: I64
    id: I64
    image: I64
    category: I64
    score: F64
    area: F64
    crowd: Bool
    bbox: F64  # (N, 4) COCO [x, y, w, h]
    masks: RleColumn | None = None  # segm evaluations only

    def __len__(self) -> int:
        return len(self.index)


@dataclass(slots=True)
class PRCurve:
    """Interpolated precision at pycocotools' recall points for one class and IoU threshold."""

    category: str
    iou: float
    recall: F64  # (R,)
    precision: F64  # (R,), -1 when the class has no ground truth
    scores: F64  # (R,) confidence reached at each recall point


@dataclass(slots=True)
class ObjectMatches:
    """Every evaluated object's fate at one IoU threshold (first area range, largest maxDets)."""

    iou_threshold: float
    gt_status: npt.NDArray[np.str_]  # (G,) MatchStatus values
    gt_partner: I64  # (G,) row in ``dt`` or -1
    dt_status: npt.NDArray[np.str_]  # (D,)
    dt_partner: I64  # (D,) row in ``gt`` or -1
    dt_iou: F64  # (D,) IoU with the partner, 0 without one


@dataclass(slots=True)
class DetectionEvaluation:
    params: CocoParams
    image_ids: I64
    category_ids: I64
    category_names: list[str]
    gt: EvaluatedObjects
    dt: EvaluatedObjects
    dt_rank: I64  # place of each detection in its (image, category) group, by score
    dt_ignored: npt.NDArray[np.bool_]  # (T, D) first area range
    gt_ignored: Bool  # (G,) first area range
    dt_partner: npt.NDArray[np.int32]  # (T, D) row in gt, -1 unmatched
    gt_partner: npt.NDArray[np.int32]  # (T, G) row in dt, -1 unmatched
    dt_iou: F64  # (T, D)
    precision: F64  # (T, R, K, A, M)
    recall: F64  # (T, K, A, M)
    scores: F64  # (T, R, K, A, M)
    stats: F64  # (12,) the summary numbers in pycocotools' order
    # Set when the input was predhub labels: the sample key of each image id, the object id of each
    # row of the input (``EvaluatedObjects.index`` points here).
    sample_keys: list[str] | None = None
    gt_object_ids: list[str | None] | None = None
    dt_object_ids: list[str | None] | None = None

    def gt_keys(self, rows: npt.ArrayLike | None = None) -> npt.NDArray[Any]:
        """What identifies ground-truth rows to the user: predhub object ids, else COCO ids."""
        rows = np.arange(len(self.gt)) if rows is None else np.asarray(rows, dtype=np.int64)
        return _keys(self.gt, self.gt_object_ids, rows)

    def dt_keys(self, rows: npt.ArrayLike | None = None) -> npt.NDArray[Any]:
        """What identifies prediction rows: predhub object ids, else 1-based positions in the results."""
        rows = np.arange(len(self.dt)) if rows is None else np.asarray(rows, dtype=np.int64)
        return _keys(self.dt, self.dt_object_ids, rows)

    def sample_key(self, image: int) -> str:
        """The sample key (or COCO image id) of an image index."""
        return self.sample_keys[image] if self.sample_keys is not None else str(int(self.image_ids[image]))

    # -- summary ---------------------------------------------------------------------------------
    @property
    def _acc(self) -> Accumulated:
        return Accumulated(self.precision, self.recall, self.scores)

    def metrics(self) -> dict[str, float]:
        """The 12 numbers, keyed AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl."""
        return {name: float(v) for name, v in zip(STAT_NAMES, self.stats, strict=True)}

    def _main_area(self) -> str:
        names = [r.name for r in self.params.area_ranges]
        return "all" if "all" in names else names[0]

    def class_ap(self) -> dict[str, float]:
        """Per-class AP over all IoU thresholds (area ``all``, the largest maxDets); -1 without
        ground truth."""
        if not self.params.use_categories:
            return {}
        return {
            name: summarize_one(
                self.params,
                self._acc,
                True,
                area=self._main_area(),
                max_dets=self.params.max_dets[-1],
                category=k,
            )
            for k, name in enumerate(self.category_names)
        }

    def class_ar(self) -> dict[str, float]:
        """Per-class AR over all IoU thresholds (area ``all``, the largest maxDets)."""
        if not self.params.use_categories:
            return {}
        return {
            name: summarize_one(
                self.params,
                self._acc,
                False,
                area=self._main_area(),
                max_dets=self.params.max_dets[-1],
                category=k,
            )
            for k, name in enumerate(self.category_names)
        }

    def summary(self) -> str:
        """The 12 lines pycocotools' ``summarize`` prints, same format."""
        p = self.params
        thr = p.iou_thresholds
        md = p.max_dets
        rows = [
            (1, None, "all", 100),
            (1, 0.5, "all", md[2] if len(md) > 2 else -1),
            (1, 0.75, "all", md[2] if len(md) > 2 else -1),
            (1, None, "small", md[2] if len(md) > 2 else -1),
            (1, None, "medium", md[2] if len(md) > 2 else -1),
            (1, None, "large", md[2] if len(md) > 2 else -1),
            (0, None, "all", md[0] if len(md) > 0 else -1),
            (0, None, "all", md[1] if len(md) > 1 else -1),
            (0, None, "all", md[2] if len(md) > 2 else -1),
            (0, None, "small", md[2] if len(md) > 2 else -1),
            (0, None, "medium", md[2] if len(md) > 2 else -1),
            (0, None, "large", md[2] if len(md) > 2 else -1),
        ]
        lines = []
        for (ap, iou, area, dets), value in zip(rows, self.stats, strict=True):
            title = "Average Precision" if ap else "Average Recall"
            kind = "(AP)" if ap else "(AR)"
            iou_str = f"{thr[0]:0.2f}:{thr[-1]:0.2f}" if iou is None else f"{iou:0.2f}"
            where = f"IoU={iou_str:<9} | area={area:>6s} | maxDets={dets:>3d}"
            lines.append(f" {title:<18} {kind} @[ {where} ] = {value:0.3f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def to_dict(self, per_class: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.metrics())
        if per_class:
            out["per_class"] = {
                name: {"AP": ap, "AR": ar}
                for (name, ap), ar in zip(self.class_ap().items(), self.class_ar().values(), strict=True)
            }
        return out

    # -- curves ----------------------------------------------------------------------------------
    def _threshold_index(self, iou: float) -> int:
        thr = np.asarray(self.params.iou_thresholds)
        hits = np.flatnonzero(np.isclose(thr, iou, rtol=0, atol=1e-9))
        if not len(hits):
            raise ValueError(
                f"IoU {iou} is not one of the evaluated thresholds {list(self.params.iou_thresholds)}"
            )
        return int(hits[0])

    def _category_index(self, category: str | int) -> int:
        if isinstance(category, str):
            if category not in self.category_names:
                raise KeyError(f"unknown class {category!r}")
            return self.category_names.index(category)
        hits = np.flatnonzero(self.category_ids == category)
        if not len(hits):
            raise KeyError(f"unknown category id {category}")
        return int(hits[0])

    def pr_curve(self, category: str | int, iou: float = 0.5) -> PRCurve:
        """The interpolated PR curve pycocotools averages, for one class (area ``all``, last maxDets)."""
        t = self._threshold_index(iou)
        k = self._category_index(category) if self.params.use_categories else 0
        a = [r.name for r in self.params.area_ranges].index(self._main_area())
        return PRCurve(
            category=self.category_names[k] if self.params.use_categories else "all",
            iou=float(self.params.iou_thresholds[t]),
            recall=np.asarray(self.params.recall_thresholds, dtype=np.float64),
            precision=self.precision[t, :, k, a, -1].copy(),
            scores=self.scores[t, :, k, a, -1].copy(),
        )

    def f1_optimal(self, category: str | int | None = None, iou: float = 0.5) -> tuple[float, float]:
        """(confidence, F1): the confidence threshold that maximises F1 at ``iou`` for one class, or
        for all classes pooled when ``category`` is None. Keeping detections with score >= the
        returned confidence gives the returned F1 (crowd-absorbed detections left out)."""
        t = self._threshold_index(iou)
        sel = np.ones(len(self.dt), dtype=np.bool_)
        gsel = ~self.gt_ignored
        if category is not None:
            k = self._category_index(category)
            sel &= self.dt.category == k
            gsel &= self.gt.category == k
        sel &= ~self.dt_ignored[t]
        n_gt = int(gsel.sum())
        rows = np.flatnonzero(sel)
        if not len(rows) or n_gt == 0:
            return (float("nan"), 0.0)
        order = rows[np.argsort(-self.dt.score[rows], kind="stable")]
        tp = np.cumsum(self.dt_partner[t, order] >= 0)
        n = np.arange(1, len(order) + 1)
        f1 = 2 * tp / (n + n_gt)
        scores = self.dt.score[order]
        # only cut between different scores: a threshold keeps every detection of equal score
        last_of_score = np.append(scores[1:] != scores[:-1], True)
        f1 = np.where(last_of_score, f1, -1.0)
        best = int(np.argmax(f1))
        return (float(scores[best]), float(f1[best]))

    # -- per-object status -----------------------------------------------------------------------
    def matches(self, iou: float = 0.5) -> ObjectMatches:
        """Each object's status, partner and IoU at one of the evaluated IoU thresholds."""
        t = self._threshold_index(iou)
        dt_partner = self.dt_partner[t].astype(np.int64)
        gt_partner = self.gt_partner[t].astype(np.int64)
        dt_status = np.where(dt_partner >= 0, MatchStatus.TP.value, MatchStatus.FP.value).astype("<U7")
        dt_status[self.dt_ignored[t]] = MatchStatus.IGNORED.value
        gt_status = np.where(gt_partner >= 0, MatchStatus.TP.value, MatchStatus.FN.value).astype("<U7")
        gt_status[self.gt.crowd] = MatchStatus.IGNORED.value
        return ObjectMatches(
            iou_threshold=float(self.params.iou_thresholds[t]),
            gt_status=gt_status,
            gt_partner=np.where(self.gt.crowd, -1, gt_partner),
            dt_status=dt_status,
            dt_partner=dt_partner,
            dt_iou=np.where(dt_partner >= 0, self.dt_iou[t], 0.0),
        )


def _keys(objs: EvaluatedObjects, ids: list[str | None] | None, rows: I64) -> npt.NDArray[Any]:
    if ids is None:
        return objs.id[rows]
    out = np.empty(len(rows), dtype=object)
    for i, r in enumerate(rows.tolist()):
        out[i] = ids[int(objs.index[r])] if r >= 0 else None
    return out
