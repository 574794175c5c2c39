"""Datasets."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from predhub.server.deps import DEFAULT_PAGE, CurrentUser, Cursor, HubDep, IdempotencyKey, Limit
from predhub.server.responses import json_response, page_response
from predhub.server.schemas import DatasetCreate, DatasetPublic, DatasetUpdate, PageOf
from predhub.services import datasets, idempotency

router = APIRouter(tags=["datasets"])


@router.post("/datasets", status_code=201, response_model=DatasetPublic)
def create_dataset(
    body: DatasetCreate, hub: HubDep, user: CurrentUser, key: IdempotencyKey = None
) -> Response:
    status, payload = idempotency.once(
        hub.db,
        user,
        key,
        "POST /datasets",
        lambda conn: datasets.create(conn, user, **body.model_dump()).to_dict(),
    )
    return Response(payload, status_code=status, media_type="application/json")


@router.get("/datasets", response_model=PageOf[DatasetPublic])
def list_datasets(
    hub: HubDep,
    user: CurrentUser,
    name: str | None = None,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
) -> Response:
    return page_response(datasets.list_datasets(hub.db, user, name=name, limit=limit, cursor=cursor))


@router.get("/datasets/{dataset_id}", response_model=DatasetPublic)
def get_dataset(dataset_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(datasets.get(hub.db, user, dataset_id).to_dict())


@router.patch("/datasets/{dataset_id}", response_model=DatasetPublic)
def update_dataset(dataset_id: int, body: DatasetUpdate, hub: HubDep, user: CurrentUser) -> Response:
    changes = body.model_dump(exclude_unset=True)
    return json_response(datasets.update_dataset(hub.db, user, dataset_id, **changes).to_dict())


@router.delete("/datasets/{dataset_id}", status_code=204)
def delete_dataset(dataset_id: int, hub: HubDep, user: CurrentUser) -> Response:
    datasets.delete_dataset(hub.db, user, dataset_id)
    return Response(status_code=204)
