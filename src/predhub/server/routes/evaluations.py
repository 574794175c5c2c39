"""Evaluations: one label set measured against another, run as a job (docs/api.md, docs/evaluation.md)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from predhub.server.deps import DEFAULT_PAGE, CurrentUser, Cursor, HubDep, IdempotencyKey, Limit
from predhub.server.responses import json_response, page_response
from predhub.services import evaluations, idempotency

router = APIRouter(tags=["evaluations"])


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ground_truth_label_set_id: int
    prediction_label_set_id: int
    kind: Literal["detection", "segmentation", "classification"] = "detection"
    name: str | None = Field(default=None, max_length=200)
    params: dict[str, Any] | None = None


@router.post("/evaluations", status_code=202)
def create_evaluation(
    body: EvaluationCreate, hub: HubDep, user: CurrentUser, key: IdempotencyKey = None
) -> Response:
    """Queue an evaluation; its job computes and stores the results (poll ``GET /evaluations/{id}``)."""
    status, payload = idempotency.once(
        hub.db,
        user,
        key,
        "POST /evaluations",
        lambda conn: evaluations.create(conn, user, body.model_dump()),
        202,
    )
    return Response(payload, status_code=status, media_type="application/json")


@router.get("/evaluations/{evaluation_id}")
def get_evaluation(evaluation_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(evaluations.get(hub.db, user, evaluation_id))


@router.get("/datasets/{dataset_id}/evaluations")
def list_evaluations(
    dataset_id: int, hub: HubDep, user: CurrentUser, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None
) -> Response:
    return page_response(evaluations.list_evaluations(hub.db, user, dataset_id, limit=limit, cursor=cursor))


@router.get("/evaluations/{evaluation_id}/confusion")
def confusion_cell(evaluation_id: int, row: int, col: int, hub: HubDep, user: CurrentUser) -> Response:
    """The samples and object ids behind one cell of the confusion matrix (last index: background)."""
    return json_response(evaluations.confusion_cell(hub.db, user, evaluation_id, row, col))


@router.get("/evaluations/{evaluation_id}/samples")
def evaluation_samples(
    evaluation_id: int,
    hub: HubDep,
    user: CurrentUser,
    sort: str = "disagreement:desc",
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    """Per-sample rows (tp, fp, fn, disagreement), most disagreeing first by default."""
    page = evaluations.list_samples(hub.db, user, evaluation_id, sort=sort, limit=limit, cursor=cursor)
    return page_response(page)
