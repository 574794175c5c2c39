"""Review actions and a sample's labels across label sets (the gallery's sample view)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.responses import Response

from predhub.core import LabelStatus
from predhub.server.deps import CurrentUser, HubDep
from predhub.server.responses import json_response
from predhub.services import review
from predhub.services.errors import Invalid
from predhub.services.review import CopyMode

router = APIRouter(tags=["review"])

JsonBody = Annotated[dict[str, Any], Body()]


def _int(body: dict[str, Any], field: str) -> int:
    value = body.get(field)
    if type(value) is not int:
        raise Invalid.field(field, "must be an integer id")
    return value


@router.get("/samples/{sample_id}/labels")
def sample_labels(sample_id: int, hub: HubDep, user: CurrentUser) -> Response:
    """Every label set's label of the sample; objects carry ``object_id`` for the review actions."""
    return json_response({"items": review.sample_labels(hub.db, user, sample_id)})


@router.post("/objects/{object_id}/accept")
def accept_object(object_id: int, body: JsonBody, hub: HubDep, user: CurrentUser) -> Response:
    """Copy the object into ``label_set_id``'s label of the same sample (e.g. the ground truth)."""
    return json_response(review.accept_object(hub.db, user, object_id, _int(body, "label_set_id")))


@router.delete("/objects/{object_id}", status_code=204)
def reject_object(object_id: int, hub: HubDep, user: CurrentUser) -> Response:
    review.reject_object(hub.db, user, object_id)
    return Response(status_code=204)


@router.patch("/objects/{object_id}", status_code=204)
def change_object(object_id: int, body: JsonBody, hub: HubDep, user: CurrentUser) -> Response:
    """Change the object's class: ``{"class": "truck"}``."""
    review.reclass_object(hub.db, user, object_id, body.get("class"))
    return Response(status_code=204)


@router.patch("/label-sets/{label_set_id}/labels/{sample_key:path}", status_code=204)
def set_status(
    label_set_id: int, sample_key: str, body: JsonBody, hub: HubDep, user: CurrentUser
) -> Response:
    """Set the label's status: ``{"status": "reviewed"}``."""
    review.set_label_status(hub.db, user, label_set_id, sample_key, body.get("status"))
    return Response(status_code=204)


@router.post("/label-sets/{label_set_id}/copy/{sample_key:path}")
def copy_label(
    label_set_id: int, sample_key: str, body: JsonBody, hub: HubDep, user: CurrentUser
) -> Response:
    """Copy the label to another label set: ``{"label_set_id", "mode": "replace"|"append", "status"?}``."""
    try:
        mode = CopyMode(body.get("mode", CopyMode.REPLACE.value))
    except ValueError:
        raise Invalid.field("mode", f"must be one of {[m.value for m in CopyMode]}") from None
    status = body.get("status")
    try:
        status_value = None if status is None else LabelStatus(status)
    except ValueError:
        raise Invalid.field("status", f"must be one of {[s.value for s in LabelStatus]}") from None
    result = review.copy_label(
        hub.db, user, label_set_id, sample_key, _int(body, "label_set_id"), mode, status_value
    )
    return json_response(result)
