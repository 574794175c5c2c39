"""Labels: one at a time, or many in a JSON array / NDJSON body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.responses import Response

from predhub.server.deps import DEFAULT_PAGE, CurrentUser, Cursor, HubDep, IdempotencyKey, LabelRecords, Limit
from predhub.server.responses import json_response, page_response
from predhub.services import labels
from predhub.services.labels import Mode, OnConflict

router = APIRouter(tags=["labels"])


@router.post("/label-sets/{label_set_id}/labels")
def create_labels(
    label_set_id: int,
    body: LabelRecords,
    hub: HubDep,
    user: CurrentUser,
    mode: Mode = Mode.STRICT,
    on_conflict: OnConflict = OnConflict.REPLACE,
    key: IdempotencyKey = None,
) -> Response:
    """Many labels in one transaction. strict: any bad record → 422 listing all, nothing stored;
    partial: valid records stored, ``{"stored", "rejected", "errors"}``."""
    scope = f"POST /label-sets/{label_set_id}/labels"
    if key is None:
        result = labels.ingest(hub.db, user, label_set_id, body.records(), mode, on_conflict)
        return json_response(result.to_dict())
    status, payload = labels.ingest_once(
        hub.db, user, label_set_id, body.records(), mode, on_conflict, key, scope
    )
    return Response(payload, status_code=status, media_type="application/json")


@router.get("/label-sets/{label_set_id}/labels")
def list_labels(
    label_set_id: int, hub: HubDep, user: CurrentUser, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None
) -> Response:
    return page_response(labels.list_labels(hub.db, user, label_set_id, limit=limit, cursor=cursor))


@router.get("/label-sets/{label_set_id}/labels/{sample_key:path}")
def get_label(label_set_id: int, sample_key: str, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(labels.get_label(hub.db, user, label_set_id, sample_key))


@router.put("/label-sets/{label_set_id}/labels/{sample_key:path}")
def put_label(
    label_set_id: int,
    sample_key: str,
    body: Annotated[dict[str, Any], Body()],
    hub: HubDep,
    user: CurrentUser,
) -> Response:
    return json_response(labels.put_label(hub.db, user, label_set_id, sample_key, body))


@router.delete("/label-sets/{label_set_id}/labels/{sample_key:path}", status_code=204)
def delete_label(label_set_id: int, sample_key: str, hub: HubDep, user: CurrentUser) -> Response:
    labels.delete_label(hub.db, user, label_set_id, sample_key)
    return Response(status_code=204)
