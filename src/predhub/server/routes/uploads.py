"""Upload jobs: chunked, resumable label uploads."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from predhub.server.deps import CurrentUser, HubDep, IdempotencyKey, LabelRecords
from predhub.server.responses import json_response
from predhub.server.schemas import UploadCreate, UploadPublic
from predhub.services import idempotency, uploads

router = APIRouter(tags=["uploads"])


@router.post("/label-sets/{label_set_id}/uploads", status_code=201, response_model=UploadPublic)
def create_upload(
    label_set_id: int,
    hub: HubDep,
    user: CurrentUser,
    body: UploadCreate | None = None,
    key: IdempotencyKey = None,
) -> Response:
    spec = body or UploadCreate()
    status, payload = idempotency.once(
        hub.db,
        user,
        key,
        f"POST /label-sets/{label_set_id}/uploads",
        lambda conn: uploads.create(conn, user, label_set_id, **spec.model_dump()),
    )
    return Response(payload, status_code=status, media_type="application/json")


@router.put("/uploads/{job_id}/chunks/{chunk}")
def put_chunk(job_id: int, chunk: int, body: LabelRecords, hub: HubDep, user: CurrentUser) -> Response:
    """Validate and store one chunk, whole or not at all; a chunk already stored answers its first result."""
    return json_response(uploads.put_chunk(hub.db, user, job_id, chunk, body.records()).to_dict())


@router.post("/uploads/{job_id}/complete", response_model=UploadPublic)
def complete_upload(job_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(uploads.complete(hub.db, user, job_id))


@router.get("/uploads/{job_id}", response_model=UploadPublic)
def get_upload(job_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(uploads.get(hub.db, user, job_id))
