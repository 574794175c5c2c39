"""Label sets."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from predhub.server.deps import DEFAULT_PAGE, CurrentUser, Cursor, HubDep, IdempotencyKey, Limit
from predhub.server.responses import json_response, page_response
from predhub.server.schemas import LabelSetCreate, LabelSetPublic, LabelSetUpdate, PageOf
from predhub.services import idempotency, label_sets

router = APIRouter(tags=["label sets"])


@router.post("/datasets/{dataset_id}/label-sets", status_code=201, response_model=LabelSetPublic)
def create_label_set(
    dataset_id: int, body: LabelSetCreate, hub: HubDep, user: CurrentUser, key: IdempotencyKey = None
) -> Response:
    status, payload = idempotency.once(
        hub.db,
        user,
        key,
        f"POST /datasets/{dataset_id}/label-sets",
        lambda conn: label_sets.create(conn, user, dataset_id, **body.model_dump()).to_dict(),
    )
    return Response(payload, status_code=status, media_type="application/json")


@router.get("/datasets/{dataset_id}/label-sets", response_model=PageOf[LabelSetPublic])
def list_label_sets(
    dataset_id: int,
    hub: HubDep,
    user: CurrentUser,
    name: str | None = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    page = label_sets.list_label_sets(hub.db, user, dataset_id, name=name, limit=limit, cursor=cursor)
    return page_response(page)


@router.get("/label-sets/{label_set_id}", response_model=LabelSetPublic)
def get_label_set(label_set_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(label_sets.get(hub.db, user, label_set_id).to_dict())


@router.patch("/label-sets/{label_set_id}", response_model=LabelSetPublic)
def update_label_set(label_set_id: int, body: LabelSetUpdate, hub: HubDep, user: CurrentUser) -> Response:
    changes = body.model_dump(exclude_unset=True)
    return json_response(label_sets.update_label_set(hub.db, user, label_set_id, changes).to_dict())


@router.delete("/label-sets/{label_set_id}", status_code=204)
def delete_label_set(label_set_id: int, hub: HubDep, user: CurrentUser) -> Response:
    label_sets.delete_label_set(hub.db, user, label_set_id)
    return Response(status_code=204)
