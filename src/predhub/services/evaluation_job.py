"""The ``evaluation`` job: read two label sets, run :mod:`predhub.eval`, store what it found.

Reading and computing happen outside any write transaction; the results — the evaluation's summary
and report, one ``evaluation_samples`` row per sample either side labels, one ``evaluation_objects``
row per object of either set — are written in ONE transaction, so a crash or a cancel leaves the
evaluation without half its rows (a re-run after a restart replaces them whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert, select, update

from predhub.core import Label
from predhub.core.serde import classification_from_dict, object_from_dict
from predhub.eval import (
    AreaRange,
    ClassMapping,
    CocoParams,
    IouType,
    evaluate_classifications,
    evaluate_label_sets,
    evaluate_segmentations,
)
from predhub.eval.label_sets import LabelSetEvaluation
from predhub.services.labels import _object_dict
from predhub.store.db import Database
from predhub.store.jobs import JobCancelled, JobContext, handler
from predhub.store.schema import (
    evaluation_objects,
    evaluation_samples,
    evaluations,
    label_sets,
    labels,
    objects,
    samples,
)

__all__ = ["coco_params", "run_evaluation"]

BATCH = 5000


@dataclass
class _LabelSetData:
    labels: list[Label]
    object_samples: dict[int, int]  # object id -> sample id, every object of the set


def coco_params(params: dict[str, Any]) -> CocoParams:
    """The API's ``params`` → :class:`CocoParams` (validated when the evaluation is created)."""
    changes: dict[str, Any] = {"iou_type": IouType(params.get("iou_type", "bbox"))}
    if params.get("iou_thresholds") is not None:
        changes["iou_thresholds"] = tuple(float(v) for v in params["iou_thresholds"])
    if params.get("max_dets") is not None:
        changes["max_dets"] = tuple(int(v) for v in params["max_dets"])
    if params.get("area_ranges") is not None:
        ranges = params["area_ranges"]
        items = ranges.items() if isinstance(ranges, dict) else ((r[0], r[1:]) for r in ranges)
        changes["area_ranges"] = tuple(AreaRange(str(n), float(lo), float(hi)) for n, (lo, hi) in items)
    changes["use_categories"] = not params.get("class_agnostic", False)
    return CocoParams(**changes)


def _read(conn: Connection, label_set_id: int) -> _LabelSetData:
    """A label set as core Labels whose objects carry their row id (as a string) in ``Object.id``."""
    by_sample: dict[int, Label] = {}
    for head in conn.execute(
        select(labels.c.sample_id, labels.c.classifications, samples.c.key)
        .join(samples, samples.c.id == labels.c.sample_id)
        .where(labels.c.label_set_id == label_set_id)
        .order_by(labels.c.sample_id)
    ):
        label = Label(head.key)
        for i, c in enumerate(head.classifications or []):
            label.classifications.append(classification_from_dict(c, f"classifications[{i}]"))
        by_sample[head.sample_id] = label
    object_samples: dict[int, int] = {}
    for row in conn.execute(
        select(
            objects.c["class"], objects.c.kind, objects.c.x0, objects.c.y0, objects.c.x1, objects.c.y1,
            objects.c.rotation, objects.c.confidence, objects.c.points, objects.c.holes, objects.c.mask,
            objects.c.classifications, objects.c.attributes, objects.c.external_id, objects.c.sample_id,
            objects.c.id,
        )
        .where(objects.c.label_set_id == label_set_id)
        .order_by(objects.c.sample_id, objects.c.position)
    ):  # fmt: skip
        obj = object_from_dict(_object_dict(row))
        obj.id = str(row.id)
        by_sample[row.sample_id].objects.append(obj)
        object_samples[int(row.id)] = int(row.sample_id)
    return _LabelSetData(list(by_sample.values()), object_samples)


def _sizes(conn: Connection, dataset_id: int) -> dict[str, tuple[int, int]]:
    return {
        r.key: (int(r.height), int(r.width))
        for r in conn.execute(
            select(samples.c.key, samples.c.width, samples.c.height).where(
                samples.c.dataset_id == dataset_id,
                samples.c.width.is_not(None),
                samples.c.height.is_not(None),
            )
        )
    }


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def _detection_report(res: LabelSetEvaluation) -> tuple[dict[str, Any], dict[str, Any]]:
    ev = res.detection
    summary = ev.metrics()
    ap, ar = ev.class_ap(), ev.class_ar()
    per_obj = res.metrics.per_class()
    thr = ev.params.iou_thresholds
    per_class, curves = [], {}
    for name in ev.category_names:
        row: dict[str, Any] = {"class": name, "ap": ap.get(name), "ar": ar.get(name)}
        if 0.5 in thr and ev.params.use_categories:
            curve = ev.pr_curve(name, iou=0.5)
            valid = curve.precision[curve.precision > -1]
            row["ap50"] = float(valid.mean()) if valid.size else -1.0
            curves[name] = {"recall": curve.recall.tolist(), "precision": curve.precision.tolist()}
        conf, _ = ev.f1_optimal(name, iou=res.table.iou_threshold)
        row.update({key: per_obj[name][key] for key in ("precision", "recall", "f1", "iou")})
        row["threshold"] = _num(conf)
        per_class.append(row)
    report = {
        "per_class": per_class,
        "pr_curves": curves,
        "confusion": res.confusion.to_dict(),
        "confusion_iou": res.table.iou_threshold,
        "confusion_confidence": res.table.confidence,
        "f1_optimal_confidence": _num(res.f1_confidence),
        "object_metrics": res.metrics.overall(),
        "classifications": res.classification.to_dict(),
    }
    return summary, report


def _detection_rows(
    res: LabelSetEvaluation,
    sample_ids: dict[str, int],
    gt: _LabelSetData,
    pred: _LabelSetData,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ev, t = res.detection, res.table
    per = res.metrics
    tp, fp, fn = per.tp.sum(axis=1), per.fp.sum(axis=1), per.fn.sum(axis=1)
    score = res.disagreement.score
    sample_rows = [
        {"sample_id": sample_ids[ev.sample_key(i)], "tp": int(tp[i]), "fp": int(fp[i]), "fn": int(fn[i]),
         "disagreement": float(score[i])}
        for i in range(len(ev.image_ids))
    ]  # fmt: skip
    gt_ids = [int(k) for k in ev.gt_keys()]
    dt_ids = [int(k) for k in ev.dt_keys()]
    object_rows: list[dict[str, Any]] = []
    seen: set[int] = set()
    for g, oid in enumerate(gt_ids):
        p = int(t.gt_partner[g])
        same = p >= 0 and not t.cross_class[p]
        outcome = "ignored" if not t.gt_used[g] else ("tp" if same else "fn")
        object_rows.append({
            "object_id": oid, "sample_id": gt.object_samples[oid], "outcome": outcome,
            "partner_object_id": dt_ids[p] if p >= 0 else None, "iou": float(t.dt_iou[p]) if p >= 0 else None,
            "mislabeled": float(res.mislabeled[g]),
        })  # fmt: skip
        seen.add(oid)
    for d, oid in enumerate(dt_ids):
        p = int(t.dt_partner[d])
        same = p >= 0 and not t.cross_class[d]
        outcome = "ignored" if not t.dt_used[d] else ("tp" if same else "fp")
        object_rows.append({
            "object_id": oid, "sample_id": pred.object_samples[oid], "outcome": outcome,
            "partner_object_id": gt_ids[p] if p >= 0 else None, "iou": float(t.dt_iou[d]) if p >= 0 else None,
            "mislabeled": None,
        })  # fmt: skip
        seen.add(oid)
    # objects the COCO protocol leaves out (points, polylines, past maxDets, unknown classes)
    for data in (gt, pred):
        for oid, sid in data.object_samples.items():
            if oid not in seen:
                object_rows.append({"object_id": oid, "sample_id": sid, "outcome": "ignored",
                                    "partner_object_id": None, "iou": None, "mislabeled": None})  # fmt: skip
    return sample_rows, object_rows


def _write(
    conn: Connection,
    evaluation_id: int,
    summary: dict[str, Any],
    report: dict[str, Any],
    sample_rows: Iterable[dict[str, Any]],
    object_rows: Iterable[dict[str, Any]],
) -> None:
    conn.execute(delete(evaluation_samples).where(evaluation_samples.c.evaluation_id == evaluation_id))
    conn.execute(delete(evaluation_objects).where(evaluation_objects.c.evaluation_id == evaluation_id))
    for batch in _batches([{"evaluation_id": evaluation_id, **r} for r in sample_rows]):
        conn.execute(insert(evaluation_samples), batch)
    for batch in _batches([{"evaluation_id": evaluation_id, **r} for r in object_rows]):
        conn.execute(insert(evaluation_objects), batch)
    conn.execute(
        update(evaluations)
        .where(evaluations.c.id == evaluation_id)
        .values(status="done", summary=summary, report=report, error=None, finished_at=datetime.now(UTC))
    )


def run_evaluation(db: Database, evaluation_id: int, progress: Any = None) -> None:
    """Compute and store one evaluation (the job handler's body; also callable directly)."""

    def step(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    with db.write() as conn:
        conn.execute(update(evaluations).where(evaluations.c.id == evaluation_id).values(status="running"))
    with db.read() as conn:
        ev_row = conn.execute(select(evaluations).where(evaluations.c.id == evaluation_id)).one()
        params = dict(ev_row.params or {})
        step(0.02, "reading labels")
        gt = _read(conn, ev_row.ground_truth_label_set_id)
        pred = _read(conn, ev_row.prediction_label_set_id)
        sizes = _sizes(conn, ev_row.dataset_id)
        sample_ids = {
            r.key: int(r.id)
            for r in conn.execute(
                select(samples.c.key, samples.c.id).where(samples.c.dataset_id == ev_row.dataset_id)
            )
        }
        mapping_json = conn.execute(
            select(label_sets.c.class_mapping).where(label_sets.c.id == ev_row.prediction_label_set_id)
        ).scalar_one()

    def sub(lo: float, hi: float) -> Any:
        return lambda f, m: step(lo + (hi - lo) * f, m)

    kind = ev_row.kind
    if kind == "detection":
        iou = float(params.get("confusion_iou", 0.5))
        confidence = float(params.get("confusion_confidence", 0.0))
        res = evaluate_label_sets(
            gt.labels, pred.labels, params=coco_params(params), image_sizes=sizes, progress=sub(0.1, 0.8),
            iou=iou, confidence=confidence,
        )  # fmt: skip
        summary, report = _detection_report(res)
        sample_rows, object_rows = _detection_rows(res, sample_ids, gt, pred)
    elif kind == "segmentation":
        mapping = None
        if params.get("class_mapping") is not None:
            mapping = ClassMapping.from_kognic(params["class_mapping"])
        elif mapping_json:
            mapping = ClassMapping.from_dict(mapping_json)
        step(0.1, "painting class maps")
        seg = evaluate_segmentations(gt.labels, pred.labels, mapping, sizes)
        summary = {"mIoU": seg.mean_iou, "pixel_accuracy": seg.pixel_accuracy}
        report = {
            "per_class": [{"class": c, "iou": v} for c, v in seg.class_iou().items()],
            "confusion": {"classes": seg.classes, "matrix": seg.confusion.tolist()},
        }
        sample_rows = [
            {"sample_id": sample_ids[k], "tp": 0, "fp": 0, "fn": 0, "disagreement": float(v)}
            for k, v in seg.sample_disagreement().items()
        ]
        object_rows = []
    else:
        step(0.1, "comparing classifications")
        cls = evaluate_classifications(gt.labels, pred.labels)
        summary = {
            name: getattr(q, "accuracy", getattr(q, "exact_match", None)) for name, q in cls.questions.items()
        }
        report = {"questions": cls.to_dict()}
        pred_by_key = {lab.sample_key: lab for lab in pred.labels}
        sample_rows = []
        for lab in gt.labels:
            one = evaluate_classifications([lab], [pred_by_key.get(lab.sample_key, Label(lab.sample_key))])
            scores = [getattr(q, "accuracy", getattr(q, "exact_match", 0.0)) for q in one.questions.values()]
            agree = float(np.mean(scores)) if scores else 1.0
            sample_rows.append({"sample_id": sample_ids[lab.sample_key], "tp": 0, "fp": 0, "fn": 0,
                                "disagreement": 1.0 - agree})  # fmt: skip
        object_rows = []
    step(0.9, "storing results")
    with db.write() as conn:
        _write(conn, evaluation_id, summary, report, sample_rows, object_rows)


def _fail(db: Database, evaluation_id: int, message: str, status: str = "failed") -> None:
    with db.write() as conn:
        conn.execute(
            update(evaluations)
            .where(evaluations.c.id == evaluation_id)
            .values(status=status, error=message, finished_at=datetime.now(UTC))
        )


@handler("evaluation")
def _evaluation_job(ctx: JobContext) -> dict[str, Any]:
    evaluation_id = int(ctx.payload["evaluation_id"])
    try:
        run_evaluation(ctx.db, evaluation_id, ctx.progress)
    except JobCancelled:
        _fail(ctx.db, evaluation_id, "cancelled", status="cancelled")
        raise
    except Exception as exc:
        _fail(ctx.db, evaluation_id, str(exc) or type(exc).__name__)
        raise
    return {"evaluation_id": evaluation_id}
