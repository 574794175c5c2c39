"""Evaluations in the SDK: the :class:`Evaluation` model and the REST calls of docs/api.md §Evaluations."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import orjson

from predhub.sdk._base import Call
from predhub.sdk._encoding import encode_json
from predhub.sdk._models import Page, _time

__all__ = [
    "Evaluation",
    "EvaluationSample",
    "confusion_cell",
    "create_evaluation",
    "evaluation_samples",
    "get_evaluation",
    "list_evaluations",
]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One label set measured against another; ``summary`` holds the 12 COCO numbers for detection."""

    id: int
    dataset_id: int
    name: str
    kind: str
    ground_truth_label_set_id: int
    prediction_label_set_id: int
    status: str
    progress: float
    job_id: int | None
    params: dict[str, Any]
    summary: dict[str, Any] | None
    per_class: list[dict[str, Any]] | None
    pr_curves: dict[str, Any] | None
    confusion: dict[str, Any] | None
    report: dict[str, Any] | None
    error: str | None
    created_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "cancelled")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Evaluation:
        return cls(
            id=data["id"],
            dataset_id=data["dataset_id"],
            name=data.get("name", ""),
            kind=data["kind"],
            ground_truth_label_set_id=data["ground_truth_label_set_id"],
            prediction_label_set_id=data["prediction_label_set_id"],
            status=data["status"],
            progress=float(data.get("progress") or 0.0),
            job_id=data.get("job_id"),
            params=dict(data.get("params") or {}),
            summary=data.get("summary"),
            per_class=data.get("per_class"),
            pr_curves=data.get("pr_curves"),
            confusion=data.get("confusion"),
            report=data.get("report"),
            error=data.get("error"),
            created_at=_time(data.get("created_at")),
            finished_at=_time(data.get("finished_at")),
        )


@dataclass(frozen=True, slots=True)
class EvaluationSample:
    """How one sample fared: counts at the confusion IoU/confidence and its disagreement score."""

    sample_id: int
    key: str
    tp: int
    fp: int
    fn: int
    disagreement: float

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EvaluationSample:
        return cls(
            data["sample_id"], data["key"], data["tp"], data["fp"], data["fn"], float(data["disagreement"])
        )


def _model(response: httpx.Response) -> Evaluation:
    return Evaluation.from_json(orjson.loads(response.content))


def create_evaluation(
    ground_truth_label_set_id: int,
    prediction_label_set_id: int,
    kind: str = "detection",
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Call[Evaluation]:
    body: dict[str, Any] = {
        "ground_truth_label_set_id": ground_truth_label_set_id,
        "prediction_label_set_id": prediction_label_set_id,
        "kind": kind,
    }
    if name is not None:
        body["name"] = name
    if params is not None:
        body["params"] = dict(params)
    return Call(
        "POST", "/evaluations", _model, content=encode_json(body), content_type="application/json",
        idempotency_key=uuid.uuid4().hex,
    )  # fmt: skip


def get_evaluation(evaluation_id: int) -> Call[Evaluation]:
    return Call("GET", f"/evaluations/{evaluation_id}", _model)


def list_evaluations(
    dataset_id: int, cursor: str | None = None, limit: int | None = None
) -> Call[Page[Evaluation]]:
    params: dict[str, Any] = {}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    return Call(
        "GET", f"/datasets/{dataset_id}/evaluations",
        lambda r: Page.from_json(orjson.loads(r.content), Evaluation.from_json), params=params,
    )  # fmt: skip


def evaluation_samples(
    evaluation_id: int, sort: str = "disagreement:desc", cursor: str | None = None, limit: int | None = None
) -> Call[Page[EvaluationSample]]:
    params: dict[str, Any] = {"sort": sort}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    return Call(
        "GET", f"/evaluations/{evaluation_id}/samples",
        lambda r: Page.from_json(orjson.loads(r.content), EvaluationSample.from_json), params=params,
    )  # fmt: skip


def confusion_cell(evaluation_id: int, row: int, col: int) -> Call[dict[str, Any]]:
    return Call(
        "GET", f"/evaluations/{evaluation_id}/confusion", lambda r: dict(orjson.loads(r.content)),
        params={"row": row, "col": col},
    )  # fmt: skip
