"""Evaluations as the API shows them: create (queues the job), read, list, confusion cells, samples.

The computing happens in the ``evaluation`` job (:mod:`predhub.services.evaluation_job`); this module
checks what a request asks for, so a bad parameter is a 422 naming the field before any job exists.
"""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.orm import aliased

from predhub.eval import CocoParams
from predhub.services import access
from predhub.services.auth import User
from predhub.services.common import iso
from predhub.services.errors import Invalid, NotFound
from predhub.services.evaluation_job import coco_params
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store.db import Database, Record
from predhub.store.jobs import enqueue
from predhub.store.schema import (
    datasets,
    evaluation_objects,
    evaluation_samples,
    evaluations,
    jobs,
    objects,
    samples,
)

__all__ = ["KINDS", "confusion_cell", "create", "get", "list_evaluations", "list_samples"]

KINDS = ("detection", "segmentation", "classification")
_PARAM_KEYS = {
    "iou_type", "iou_thresholds", "max_dets", "area_ranges", "class_agnostic",
    "confusion_iou", "confusion_confidence", "class_mapping",
}  # fmt: skip


def _check_params(kind: str, params: Any) -> dict[str, Any]:
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise Invalid.field("params", "must be an object")
    unknown = sorted(set(params) - _PARAM_KEYS)
    if unknown:
        raise Invalid.field(f"params.{unknown[0]}", f"unknown parameter; known: {sorted(_PARAM_KEYS)}")
    if kind != "detection":
        return dict(params)
    try:
        parsed: CocoParams = coco_params(params)
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise Invalid.field("params", str(exc)) from None
    iou = params.get("confusion_iou", 0.5)
    if not isinstance(iou, int | float) or not any(abs(float(iou) - t) < 1e-9 for t in parsed.iou_thresholds):
        raise Invalid.field(
            "params.confusion_iou", f"must be one of the IoU thresholds {list(parsed.iou_thresholds)}"
        )
    conf = params.get("confusion_confidence", 0.0)
    if not isinstance(conf, int | float) or not 0.0 <= float(conf) <= 1.0:
        raise Invalid.field("params.confusion_confidence", "must be a number between 0 and 1")
    return dict(params)


def _describe(row: Record) -> dict[str, Any]:
    report = row.report or {}
    return {
        "id": row.id,
        "dataset_id": row.dataset_id,
        "name": row.name,
        "kind": row.kind,
        "ground_truth_label_set_id": row.ground_truth_label_set_id,
        "prediction_label_set_id": row.prediction_label_set_id,
        "status": row.status,
        "progress": 1.0 if row.status == "done" else float(row.progress or 0.0),
        "job_id": row.job_id,
        "params": row.params,
        "summary": row.summary,
        "per_class": report.get("per_class"),
        "pr_curves": report.get("pr_curves"),
        "confusion": report.get("confusion"),
        "report": report,
        "error": row.error,
        "created_at": iso(row.created_at),
        "finished_at": iso(row.finished_at),
    }


def _select() -> Any:
    return select(evaluations, jobs.c.progress).outerjoin(jobs, jobs.c.id == evaluations.c.job_id)


def _row(conn: Connection, user: User, evaluation_id: int) -> Record:
    row = conn.execute(
        _select()
        .join(datasets, datasets.c.id == evaluations.c.dataset_id)
        .where(evaluations.c.id == evaluation_id, datasets.c.workspace_id.in_(access.member_of(user)))
    ).first()
    if row is None:
        raise NotFound(f"evaluation {evaluation_id} not found")
    return row


def create(conn: Connection, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Check the request, insert the evaluation and queue its job in the caller's transaction."""
    ids = {}
    for key in ("ground_truth_label_set_id", "prediction_label_set_id"):
        value = body.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise Invalid.field(key, "is required: a label set id")
        ids[key] = access.label_set_row(conn, user, value)
    gt, pred = ids["ground_truth_label_set_id"], ids["prediction_label_set_id"]
    if gt.dataset_id != pred.dataset_id:
        raise Invalid.field("prediction_label_set_id", "must belong to the same dataset as the ground truth")
    kind = body.get("kind", "detection")
    if kind not in KINDS:
        raise Invalid.field("kind", f"must be one of {list(KINDS)}")
    params = _check_params(kind, body.get("params"))
    name = body.get("name") or f"{pred.name} vs {gt.name}"
    if not isinstance(name, str) or len(name) > 200:
        raise Invalid.field("name", "must be a string of at most 200 characters")
    dataset = access.dataset_row(conn, user, gt.dataset_id)
    evaluation_id = conn.execute(
        insert(evaluations)
        .values(
            dataset_id=gt.dataset_id, name=name, kind=kind, ground_truth_label_set_id=gt.id,
            prediction_label_set_id=pred.id, params=params, status="queued",
        )
        .returning(evaluations.c.id)
    ).scalar_one()  # fmt: skip
    job_id = enqueue(conn, "evaluation", {"evaluation_id": evaluation_id}, workspace_id=dataset.workspace_id)
    conn.execute(update(evaluations).where(evaluations.c.id == evaluation_id).values(job_id=job_id))
    return _describe(_row(conn, user, evaluation_id))


def get(db: Database, user: User, evaluation_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return _describe(_row(conn, user, evaluation_id))


def list_evaluations(
    db: Database, user: User, dataset_id: int, *, limit: int = 100, cursor: str | None = None
) -> Page[dict[str, Any]]:
    check_limit(limit)
    with db.read() as conn:
        access.dataset_row(conn, user, dataset_id)
        rows = conn.execute(
            _select()
            .where(evaluations.c.dataset_id == dataset_id, evaluations.c.id > decode_cursor(cursor))
            .order_by(evaluations.c.id)
            .limit(limit + 1)
        ).all()
    page = page_of(rows, limit, lambda r: int(r.id))
    return Page([_describe(r) for r in page.items], page.next_cursor)


def confusion_cell(db: Database, user: User, evaluation_id: int, row: int, col: int) -> dict[str, Any]:
    """The samples and objects behind cell (row, col) of the stored confusion matrix: row = true
    class, col = predicted class, the last index of each being background."""
    with db.read() as conn:
        ev = _row(conn, user, evaluation_id)
        confusion = (ev.report or {}).get("confusion")
        if ev.kind != "detection" or not confusion:
            raise Invalid.field(
                "evaluation", "has no object confusion matrix (not a finished detection evaluation)"
            )
        classes = confusion["classes"]
        for name, value in (("row", row), ("col", col)):
            if not 0 <= value < len(classes):
                raise Invalid.field(name, f"must be between 0 and {len(classes) - 1}")
        bg = len(classes) - 1
        gt_obj, pred_obj = aliased(objects), aliased(objects)
        eo = evaluation_objects
        base = and_(eo.c.evaluation_id == evaluation_id, eo.c.outcome != "ignored")
        if row != bg and col != bg:
            # ground truth of class row matched to a prediction of class col
            query = (
                select(eo.c.sample_id, eo.c.object_id, eo.c.partner_object_id)
                .join(gt_obj, gt_obj.c.id == eo.c.object_id)
                .join(pred_obj, pred_obj.c.id == eo.c.partner_object_id)
                .where(base, gt_obj.c.label_set_id == ev.ground_truth_label_set_id,
                       gt_obj.c["class"] == classes[row], pred_obj.c["class"] == classes[col])
            )  # fmt: skip
        elif row != bg:  # missed ground truth
            query = (
                select(eo.c.sample_id, eo.c.object_id, eo.c.partner_object_id)
                .join(gt_obj, gt_obj.c.id == eo.c.object_id)
                .where(base, gt_obj.c.label_set_id == ev.ground_truth_label_set_id,
                       gt_obj.c["class"] == classes[row], eo.c.partner_object_id.is_(None))
            )  # fmt: skip
        elif col != bg:  # predictions matching nothing
            query = (
                select(eo.c.sample_id, eo.c.object_id, eo.c.partner_object_id)
                .join(pred_obj, pred_obj.c.id == eo.c.object_id)
                .where(base, pred_obj.c.label_set_id == ev.prediction_label_set_id,
                       pred_obj.c["class"] == classes[col], eo.c.partner_object_id.is_(None))
            )  # fmt: skip
        else:
            return {"samples": [], "object_ids": [], "pairs": []}
        hits = conn.execute(query.order_by(eo.c.sample_id, eo.c.object_id)).all()
        sample_ids = sorted({h.sample_id for h in hits})
        keys = dict(
            conn.execute(select(samples.c.id, samples.c.key).where(samples.c.id.in_(sample_ids))).all()
        )
    pairs = [[h.object_id, h.partner_object_id] if row != bg else [None, h.object_id] for h in hits]
    ids = [i for p in pairs for i in p if i is not None]
    return {"samples": [{"id": s, "key": keys[s]} for s in sample_ids], "object_ids": ids, "pairs": pairs}


def _encode(disagreement: float, sample_id: int) -> str:
    return base64.urlsafe_b64encode(f"d:{disagreement!r}:{sample_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[float, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value, sample_id = raw.split(":")
        if prefix != "d":
            raise ValueError(raw)
        return float(value), int(sample_id)
    except ValueError:
        raise Invalid.field("cursor", "is not a cursor this server handed out") from None


def list_samples(
    db: Database, user: User, evaluation_id: int, *, sort: str = "disagreement:desc", limit: int = 100,
    cursor: str | None = None,
) -> Page[dict[str, Any]]:  # fmt: skip
    """Per-sample rows, by disagreement (keyset on (disagreement, sample id)) or by sample id."""
    check_limit(limit)
    es = evaluation_samples
    with db.read() as conn:
        _row(conn, user, evaluation_id)
        query = (
            select(es.c.sample_id, samples.c.key, es.c.tp, es.c.fp, es.c.fn, es.c.disagreement)
            .join(samples, samples.c.id == es.c.sample_id)
            .where(es.c.evaluation_id == evaluation_id)
        )
        if sort in ("disagreement:desc", "disagreement:asc"):
            desc = sort.endswith("desc")
            if cursor:
                d, sid = _decode(cursor)
                after = (es.c.disagreement < d) | and_(es.c.disagreement == d, es.c.sample_id > sid)
                before = (es.c.disagreement > d) | and_(es.c.disagreement == d, es.c.sample_id > sid)
                query = query.where(after if desc else before)
            order = es.c.disagreement.desc() if desc else es.c.disagreement.asc()
            rows = conn.execute(query.order_by(order, es.c.sample_id).limit(limit + 1)).all()
            items = list(rows[:limit])
            more = len(rows) > limit
            next_cursor = (
                _encode(float(items[-1].disagreement), int(items[-1].sample_id)) if more and items else None
            )
        elif sort == "sample":
            rows = conn.execute(
                query.where(es.c.sample_id > decode_cursor(cursor)).order_by(es.c.sample_id).limit(limit + 1)
            ).all()
            page = page_of(rows, limit, lambda r: int(r.sample_id))
            items, next_cursor = list(page.items), page.next_cursor
        else:
            raise Invalid.field("sort", "must be disagreement:desc, disagreement:asc or sample")
    out = [
        {
            "sample_id": r.sample_id,
            "key": r.key,
            "tp": r.tp,
            "fp": r.fp,
            "fn": r.fn,
            "disagreement": r.disagreement,
        }
        for r in items
    ]
    return Page(out, next_cursor)
