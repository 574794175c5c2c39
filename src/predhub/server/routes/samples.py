"""Samples and the blob store."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import FileResponse, RedirectResponse, Response

from predhub.server.deps import (
    DEFAULT_PAGE,
    CurrentUser,
    Cursor,
    HubDep,
    IdempotencyKey,
    Limit,
    RawBody,
    Records,
)
from predhub.server.responses import json_response, page_response
from predhub.server.schemas import PageOf, SamplePublic
from predhub.services import idempotency, samples, search, thumbnails
from predhub.services.errors import Invalid

router = APIRouter(tags=["samples"])


@router.post("/datasets/{dataset_id}/samples", status_code=201)
def create_samples(
    dataset_id: int, records: Records, hub: HubDep, user: CurrentUser, key: IdempotencyKey = None
) -> Response:
    """Bulk create, all or nothing. Body: a JSON array or NDJSON of samples."""
    status, payload = idempotency.once(
        hub.db,
        user,
        key,
        f"POST /datasets/{dataset_id}/samples",
        lambda conn: samples.create_many(conn, user, dataset_id, records, hub.store),
    )
    return Response(payload, status_code=status, media_type="application/json")


@router.get("/datasets/{dataset_id}/samples", response_model=PageOf[SamplePublic])
def list_samples(
    dataset_id: int,
    hub: HubDep,
    user: CurrentUser,
    limit: Limit = DEFAULT_PAGE,
    cursor: Cursor = None,
    q: Annotated[
        str | None, Query(description="search query, e.g. ground-truth.car:>0 predictions.car:=0")
    ] = None,
    sort: Annotated[str | None, Query(description="sort keys, e.g. predictions.car:desc,key")] = None,
    with_labels: Annotated[
        str | None, Query(description="comma-separated label set ids whose labels each sample carries")
    ] = None,
) -> Response:
    """The dataset's samples, optionally filtered by a query and sorted (see docs/search.md)."""
    label_set_ids = _id_list(with_labels, "with_labels")
    page = search.search_samples(
        hub.db, user, dataset_id, query=q, sort=sort, limit=limit, cursor=cursor, with_labels=label_set_ids
    )
    return page_response(page)


def _id_list(text: str | None, field: str) -> list[int] | None:
    if not text:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise Invalid.field(field, "must be comma-separated integer ids") from None


@router.get("/datasets/{dataset_id}/samples/by-key/{key:path}", response_model=SamplePublic)
def get_sample_by_key(dataset_id: int, key: str, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(samples.get_by_key(hub.db, user, dataset_id, key).to_dict())


@router.get("/samples/{sample_id}", response_model=SamplePublic)
def get_sample(sample_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(samples.get(hub.db, user, sample_id).to_dict())


@router.delete("/samples/{sample_id}", status_code=204)
def delete_sample(sample_id: int, hub: HubDep, user: CurrentUser) -> Response:
    """Delete the sample and its labels in every label set."""
    samples.delete(hub.db, user, sample_id)
    thumbnails.forget(hub.settings.thumbnail_dir, sample_id)
    return Response(status_code=204)


@router.get("/samples/{sample_id}/image", response_class=Response)
def get_image(sample_id: int, hub: HubDep, user: CurrentUser) -> Response:
    source = samples.image_of(hub.db, user, sample_id, hub.store)
    if source.url is not None:
        return RedirectResponse(source.url, status_code=302)
    assert source.file is not None
    return FileResponse(source.file)


@router.post("/blobs", status_code=201)
def put_blob(body: RawBody, hub: HubDep, user: CurrentUser) -> Response:
    """Raw image bytes in, their SHA-256 (the ``blob`` of a sample) and size out."""
    return json_response(samples.put_blob(hub.store, body).to_dict(), 201)
