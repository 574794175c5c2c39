"""One call that measures a whole label set against another and gives rows ready to store.

``evaluate_label_sets`` runs every evaluation that applies — COCO detection on objects with an area,
the cross-class match table, confusion matrix, per-sample disagreement, likely-mislabeled scores,
Labelbox-style metrics, and the classifications — and returns a :class:`LabelSetEvaluation` whose
``summary()`` is JSON-ready and whose ``object_rows()`` / ``sample_rows()`` are what a server stores so
the gallery can filter objects by match status and sort samples by disagreement. Still pure: the
caller (a server job, a script) does the storing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from predhub.core.label import Label
from predhub.eval.classification import ClassificationEvaluation, evaluate_classifications
from predhub.eval.coco_params import CocoParams
from predhub.eval.confusion import ConfusionMatrix, detection_confusion
from predhub.eval.detection_results import DetectionEvaluation, MatchStatus
from predhub.eval.detections import evaluate_detections
from predhub.eval.disagreement import (
    SampleDisagreement,
    likely_mislabeled,
    sample_disagreement,
    unsupported_predictions,
)
from predhub.eval.match_table import MatchTable, image_pairs, match_table
from predhub.eval.sample_metrics import ObjectMetrics, object_metrics

__all__ = ["LabelSetEvaluation", "evaluate_label_sets"]

Progress = Callable[[float, str], None]


@dataclass(slots=True)
class LabelSetEvaluation:
    detection: DetectionEvaluation
    table: MatchTable
    confusion: ConfusionMatrix
    disagreement: SampleDisagreement
    metrics: ObjectMetrics
    classification: ClassificationEvaluation
    mislabeled: np.ndarray[Any, np.dtype[np.float64]]
    unsupported: np.ndarray[Any, np.dtype[np.float64]]
    f1_confidence: float
    confusion_confidence: float

    def summary(self) -> dict[str, Any]:
        """Everything but the per-object and per-sample rows, JSON-ready."""
        return {
            "coco": self.detection.to_dict(),
            "iou_threshold": self.table.iou_threshold,
            "confidence": self.table.confidence,
            "confusion_confidence": self.confusion_confidence,
            "f1_optimal_confidence": None if np.isnan(self.f1_confidence) else self.f1_confidence,
            "confusion": self.confusion.to_dict(),
            "object_metrics": {"overall": self.metrics.overall(), "per_class": self.metrics.per_class()},
            "classifications": self.classification.to_dict(),
        }

    def object_rows(self) -> list[dict[str, Any]]:
        """One row per evaluated object at the table's IoU and confidence.

        ``status`` is tp / fp / fn / ignored as COCO counts it; ``partner`` the object it was matched
        to — for a class confusion (``confused_with`` set) that is an object of another class, while
        the status stays fp / fn. ``score`` is the likely-mislabeled score for ground truth and the
        unsupported-prediction score for predictions.
        """
        ev, t = self.detection, self.table
        names = ev.category_names
        gt_keys, dt_keys = ev.gt_keys(), ev.dt_keys()
        rows: list[dict[str, Any]] = []
        for g in range(len(ev.gt)):
            p = int(t.gt_partner[g])
            cross = p >= 0 and bool(t.cross_class[p])
            if not t.gt_used[g]:
                status = MatchStatus.IGNORED
            else:
                status = MatchStatus.TP if p >= 0 and not cross else MatchStatus.FN
            rows.append({
                "side": "gt", "sample": ev.sample_key(int(ev.gt.image[g])), "object": gt_keys[g],
                "class": names[int(ev.gt.category[g])], "status": status.value,
                "partner": dt_keys[p] if p >= 0 else None, "iou": float(t.dt_iou[p]) if p >= 0 else None,
                "confused_with": names[int(ev.dt.category[p])] if cross else None,
                "score": float(self.mislabeled[g]),
            })  # fmt: skip
        for d in range(len(ev.dt)):
            p = int(t.dt_partner[d])
            cross = bool(t.cross_class[d])
            if not t.dt_used[d]:
                status = MatchStatus.IGNORED
            else:
                status = MatchStatus.TP if p >= 0 and not cross else MatchStatus.FP
            rows.append({
                "side": "prediction", "sample": ev.sample_key(int(ev.dt.image[d])), "object": dt_keys[d],
                "class": names[int(ev.dt.category[d])], "confidence": float(ev.dt.score[d]),
                "status": status.value, "partner": gt_keys[p] if p >= 0 else None,
                "iou": float(t.dt_iou[d]) if p >= 0 else None,
                "confused_with": names[int(ev.gt.category[p])] if cross else None,
                "score": float(self.unsupported[d]),
            })  # fmt: skip
        return rows

    def sample_rows(self) -> list[dict[str, Any]]:
        """One row per sample: disagreement and its parts, most disagreeing first."""
        d = self.disagreement
        order = np.lexsort((d.image_ids, -d.mass, -d.score))
        return [
            {
                "sample": self.detection.sample_key(int(i)),
                "disagreement": float(d.score[i]),
                "mass": float(d.mass[i]),
                "matched": int(d.matched[i]),
                "confused": int(d.confused[i]),
                "missed": int(d.missed[i]),
                "spurious": int(d.spurious[i]),
            }
            for i in order.tolist()
        ]


def evaluate_label_sets(
    gt: Sequence[Label],
    predictions: Sequence[Label],
    *,
    classes: Sequence[str] | None = None,
    params: CocoParams | None = None,
    iou: float = 0.5,
    confidence: float | None = None,
    image_sizes: dict[str, tuple[int, int]] | None = None,
    progress: Progress | None = None,
) -> LabelSetEvaluation:
    """Evaluate ``predictions`` against ``gt``.

    The match table, object rows, disagreement and metrics use every prediction with score >=
    ``confidence`` (0 when None: disagreement weighs predictions by confidence itself; predictions
    below a given confidence are reported as ignored). The confusion matrix uses ``confidence``, or
    when None the F1-optimal confidence at ``iou`` over all classes, where it is most telling.
    ``progress(fraction, message)`` is called between the steps.
    """

    def step(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    step(0.0, "matching objects (COCO)")
    ev = evaluate_detections(gt, predictions, classes=classes, params=params, image_sizes=image_sizes)
    f1_conf, _ = ev.f1_optimal(None, iou=iou)
    cm_conf = confidence if confidence is not None else (0.0 if np.isnan(f1_conf) else f1_conf)
    step(0.5, "matching across classes")
    pairs = image_pairs(ev)
    table = match_table(ev, iou, confidence or 0.0, pairs)
    cm_table = table if cm_conf == (confidence or 0.0) else match_table(ev, iou, cm_conf, pairs)
    step(0.7, "confusion, disagreement, metrics")
    result = LabelSetEvaluation(
        detection=ev,
        table=table,
        confusion=detection_confusion(ev, table=cm_table),
        disagreement=sample_disagreement(ev, table=table),
        metrics=object_metrics(ev, table=table),
        classification=evaluate_classifications(gt, predictions),
        mislabeled=likely_mislabeled(ev, pairs),
        unsupported=unsupported_predictions(ev, pairs),
        f1_confidence=f1_conf,
        confusion_confidence=cm_conf,
    )
    step(1.0, "done")
    return result
