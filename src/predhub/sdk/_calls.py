"""The catalogue of REST calls (docs/api.md), each a :class:`Call` the clients send.

Pure functions from arguments to a request description plus a parser; no I/O, no state. Every call
that creates something gets a fresh ``Idempotency-Key`` here, once, so that the client's retries of
that call all carry the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import orjson

from predhub.core import Label, Ontology
from predhub.core.serde import label_from_dict
from predhub.sdk._base import Call
from predhub.sdk._encoding import NDJSON, Body, encode_json, encode_labels, encode_ndjson, label_record
from predhub.sdk._models import (
    Blob,
    ChunkResult,
    Dataset,
    Job,
    LabelSet,
    LabelSetKind,
    LabelsResult,
    Me,
    Page,
    Sample,
    SamplesResult,
    UploadJob,
    User,
    Workspace,
)
from predhub.sdk._types import LabelLike, OnConflict, UploadMode

__all__ = [
    "add_labels",
    "add_member",
    "cancel_job",
    "complete_upload",
    "copy_label",
    "create_dataset",
    "create_deployment",
    "create_label_set",
    "create_samples",
    "create_token",
    "create_upload",
    "create_user",
    "create_workspace",
    "delete_dataset",
    "delete_deployment",
    "delete_label",
    "delete_label_set",
    "delete_sample",
    "deployment_action",
    "deployment_logs",
    "find_datasets",
    "get_dataset",
    "get_deployment",
    "get_job",
    "get_label",
    "get_label_set",
    "get_sample",
    "get_sample_by_key",
    "get_sample_image",
    "get_upload",
    "import_file",
    "list_datasets",
    "list_deployments",
    "list_jobs",
    "list_label_sets",
    "list_labels",
    "list_samples",
    "list_workspaces",
    "me",
    "post_records",
    "predict_dataset",
    "predict_image",
    "put_chunk",
    "put_label",
    "update_dataset",
    "update_label_set",
    "upload_blob",
]

T = TypeVar("T")
JSON = "application/json"


def _model(from_json: Callable[[dict[str, Any]], T]) -> Callable[[httpx.Response], T]:
    return lambda response: from_json(orjson.loads(response.content))


def _page(item: Callable[[dict[str, Any]], T]) -> Callable[[httpx.Response], Page[T]]:
    return lambda response: Page.from_json(orjson.loads(response.content), item)


def _nothing(response: httpx.Response) -> None:
    return None


def _key() -> str:
    return uuid.uuid4().hex


def _paging(cursor: str | None, limit: int | None, **extra: Any) -> dict[str, Any]:
    params = {k: v for k, v in extra.items() if v is not None}
    if cursor is not None:
        params["cursor"] = cursor
    if limit is not None:
        params["limit"] = limit
    return params


def _seg(key: str) -> str:
    # Sample keys are user strings ("dir/img 01.jpg"): escape everything, "/" included.
    return quote(key, safe="")


def _json_body(method: str, path: str, body: Any, parse: Callable[[httpx.Response], T], **kw: Any) -> Call[T]:
    return Call(method, path, parse, content=encode_json(body), content_type=JSON, **kw)


# --- who am I -------------------------------------------------------------------------------------


def me() -> Call[Me]:
    return Call("GET", "/me", _model(Me.from_json))


def create_user(name: str, is_admin: bool) -> Call[User]:
    body = {"name": name, "is_admin": is_admin}
    return _json_body("POST", "/users", body, _model(User.from_json), idempotency_key=_key())


def create_token(user_id: int, name: str | None) -> Call[str]:
    body = {"name": name} if name is not None else {}
    return _json_body(
        "POST",
        f"/users/{user_id}/tokens",
        body,
        lambda r: str(orjson.loads(r.content)["token"]),
        idempotency_key=_key(),
    )


def list_workspaces(cursor: str | None = None, limit: int | None = None) -> Call[Page[Workspace]]:
    return Call("GET", "/workspaces", _page(Workspace.from_json), params=_paging(cursor, limit))


def create_workspace(name: str) -> Call[Workspace]:
    return _json_body(
        "POST", "/workspaces", {"name": name}, _model(Workspace.from_json), idempotency_key=_key()
    )


def add_member(workspace_id: int, user_id: int) -> Call[None]:
    # Adding a member twice is a no-op on the hub, so a resend is harmless.
    return _json_body(
        "POST", f"/workspaces/{workspace_id}/members", {"user_id": user_id}, _nothing, idempotent=True
    )


# --- datasets -------------------------------------------------------------------------------------


def create_dataset(
    name: str,
    ontology: Ontology | Mapping[str, Any],
    description: str | None,
    media_type: str,
    workspace_id: int | None,
) -> Call[Dataset]:
    body: dict[str, Any] = {
        "name": name,
        "media_type": media_type,
        "ontology": ontology.to_dict() if isinstance(ontology, Ontology) else dict(ontology),
    }
    if description is not None:
        body["description"] = description
    if workspace_id is not None:
        body["workspace_id"] = workspace_id
    return _json_body("POST", "/datasets", body, _model(Dataset.from_json), idempotency_key=_key())


def get_dataset(dataset_id: int) -> Call[Dataset]:
    return Call("GET", f"/datasets/{dataset_id}", _model(Dataset.from_json))


def find_datasets(name: str) -> Call[Page[Dataset]]:
    return Call("GET", "/datasets", _page(Dataset.from_json), params={"name": name})


def list_datasets(cursor: str | None = None, limit: int | None = None) -> Call[Page[Dataset]]:
    return Call("GET", "/datasets", _page(Dataset.from_json), params=_paging(cursor, limit))


def update_dataset(
    dataset_id: int, description: str | None, ontology: Ontology | Mapping[str, Any] | None
) -> Call[Dataset]:
    body: dict[str, Any] = {}
    if description is not None:
        body["description"] = description
    if ontology is not None:
        body["ontology"] = ontology.to_dict() if isinstance(ontology, Ontology) else dict(ontology)
    return _json_body("PATCH", f"/datasets/{dataset_id}", body, _model(Dataset.from_json))


def delete_dataset(dataset_id: int) -> Call[None]:
    return Call("DELETE", f"/datasets/{dataset_id}", _nothing)


# --- samples and blobs ----------------------------------------------------------------------------


def upload_blob(data: bytes) -> Call[Blob]:
    # Content-addressed: sending the same bytes twice stores them once, so a retry is harmless.
    return Call(
        "POST",
        "/blobs",
        _model(Blob.from_json),
        content=data,
        content_type="application/octet-stream",
        idempotent=True,
    )


def create_samples(dataset_id: int, records: Sequence[Mapping[str, Any]]) -> Call[SamplesResult]:
    return Call(
        "POST",
        f"/datasets/{dataset_id}/samples",
        _model(SamplesResult.from_json),
        content=encode_ndjson(records),
        content_type=NDJSON,
        idempotency_key=_key(),
    )


def list_samples(
    dataset_id: int,
    cursor: str | None = None,
    limit: int | None = None,
    query: str | None = None,
    sort: str | None = None,
) -> Call[Page[Sample]]:
    return Call(
        "GET",
        f"/datasets/{dataset_id}/samples",
        _page(Sample.from_json),
        params=_paging(cursor, limit, q=query, sort=sort),
    )


def get_sample(sample_id: int) -> Call[Sample]:
    return Call("GET", f"/samples/{sample_id}", _model(Sample.from_json))


def delete_sample(sample_id: int) -> Call[None]:
    return Call("DELETE", f"/samples/{sample_id}", _nothing)


def get_sample_by_key(dataset_id: int, key: str) -> Call[Sample]:
    return Call("GET", f"/datasets/{dataset_id}/samples/by-key/{_seg(key)}", _model(Sample.from_json))


def get_sample_image(sample_id: int) -> Call[bytes]:
    return Call("GET", f"/samples/{sample_id}/image", lambda response: response.content)


# --- label sets -----------------------------------------------------------------------------------


def create_label_set(
    dataset_id: int,
    name: str,
    kind: LabelSetKind,
    description: str | None,
    model_name: str | None,
    model_version: str | None,
    class_mapping: Mapping[str, str] | None,
) -> Call[LabelSet]:
    body: dict[str, Any] = {"name": name, "kind": LabelSetKind(kind).value}
    optional = {
        "description": description,
        "model_name": model_name,
        "model_version": model_version,
        "class_mapping": dict(class_mapping) if class_mapping is not None else None,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    return _json_body(
        "POST", f"/datasets/{dataset_id}/label-sets", body, _model(LabelSet.from_json), idempotency_key=_key()
    )


def get_label_set(label_set_id: int) -> Call[LabelSet]:
    return Call("GET", f"/label-sets/{label_set_id}", _model(LabelSet.from_json))


def list_label_sets(
    dataset_id: int, cursor: str | None = None, limit: int | None = None
) -> Call[Page[LabelSet]]:
    return Call(
        "GET", f"/datasets/{dataset_id}/label-sets", _page(LabelSet.from_json), params=_paging(cursor, limit)
    )


def update_label_set(label_set_id: int, changes: Mapping[str, Any]) -> Call[LabelSet]:
    body = {k: v for k, v in changes.items() if v is not None}
    return _json_body("PATCH", f"/label-sets/{label_set_id}", body, _model(LabelSet.from_json))


def delete_label_set(label_set_id: int) -> Call[None]:
    return Call("DELETE", f"/label-sets/{label_set_id}", _nothing)


# --- labels ---------------------------------------------------------------------------------------


def _label(data: dict[str, Any]) -> Label:
    return label_from_dict(data)


def put_label(label_set_id: int, label: LabelLike) -> Call[Label]:
    record = label_record(label)
    key = record.get("sample")
    if not isinstance(key, str) or not key:
        raise ValueError("a label needs its sample key ('sample')")
    return _json_body("PUT", f"/label-sets/{label_set_id}/labels/{_seg(key)}", record, _model(_label))


def add_labels(
    label_set_id: int, labels: Sequence[LabelLike], mode: UploadMode, on_conflict: OnConflict
) -> Call[LabelsResult]:
    body = encode_labels(labels)
    return Call(
        "POST",
        f"/label-sets/{label_set_id}/labels",
        _model(LabelsResult.from_json),
        params={"mode": mode, "on_conflict": on_conflict},
        content=body.content,
        content_type=body.media_type,
        idempotency_key=_key(),
    )


def list_labels(label_set_id: int, cursor: str | None = None, limit: int | None = None) -> Call[Page[Label]]:
    return Call("GET", f"/label-sets/{label_set_id}/labels", _page(_label), params=_paging(cursor, limit))


def get_label(label_set_id: int, sample_key: str) -> Call[Label]:
    return Call("GET", f"/label-sets/{label_set_id}/labels/{_seg(sample_key)}", _model(_label))


def delete_label(label_set_id: int, sample_key: str) -> Call[None]:
    return Call("DELETE", f"/label-sets/{label_set_id}/labels/{_seg(sample_key)}", _nothing)


def copy_label(
    label_set_id: int, sample_key: str, target_label_set_id: int, mode: str, status: str | None
) -> Call[Any]:
    body: dict[str, Any] = {"label_set_id": target_label_set_id, "mode": mode}
    if status is not None:
        body["status"] = status
    return _json_body("POST", f"/label-sets/{label_set_id}/copy/{_seg(sample_key)}", body, lambda r: r.json())


# --- upload jobs ----------------------------------------------------------------------------------


def create_upload(
    label_set_id: int, mode: UploadMode, on_conflict: OnConflict, total_chunks: int
) -> Call[UploadJob]:
    # An empty upload has no chunks; the hub takes "no total" for it (a total must be >= 1).
    body = {"mode": mode, "on_conflict": on_conflict, "total_chunks": total_chunks or None}
    return _json_body(
        "POST",
        f"/label-sets/{label_set_id}/uploads",
        body,
        _model(UploadJob.from_json),
        idempotency_key=_key(),
    )


def put_chunk(job_id: int, chunk: int, body: Body) -> Call[ChunkResult]:
    # The chunk index makes this idempotent: the hub answers a stored chunk with its first result.
    return Call(
        "PUT",
        f"/uploads/{job_id}/chunks/{chunk}",
        _model(ChunkResult.from_json),
        content=body.content,
        content_type=body.media_type,
    )


def complete_upload(job_id: int) -> Call[UploadJob]:
    return Call("POST", f"/uploads/{job_id}/complete", _model(UploadJob.from_json), idempotent=True)


def get_upload(job_id: int) -> Call[UploadJob]:
    return Call("GET", f"/uploads/{job_id}", _model(UploadJob.from_json))


# --- jobs -----------------------------------------------------------------------------------------


# --- imports and exports in other formats ---------------------------------------------------------


def _format_params(format: str, options: Mapping[str, Any] | None, **extra: Any) -> dict[str, Any]:
    params = {"format": format, **{k: v for k, v in extra.items() if v is not None}}
    if options:
        params["options"] = orjson.dumps(dict(options)).decode()
    return params


def import_file(
    label_set_id: int,
    content: Any,
    format: str,
    mode: str,
    on_conflict: str,
    options: Mapping[str, Any] | None,
) -> Call[Job]:
    """Upload a file (bytes, or chunks streamed) to be imported by a job on the hub."""
    return Call(
        "POST",
        f"/label-sets/{label_set_id}/imports",
        _model(Job.from_json),
        params=_format_params(format, options, mode=mode, on_conflict=on_conflict),
        content=content,
        content_type="application/octet-stream",
    )


def post_records(
    label_set_id: int,
    records: Sequence[Any] | Mapping[str, Any],
    format: str,
    mode: str,
    on_conflict: str,
    options: Mapping[str, Any] | None,
) -> Call[dict[str, Any]]:
    """A few records of ``format`` stored at once; carries an Idempotency-Key, so retries are safe."""
    body = records if isinstance(records, Mapping) else list(records)
    return _json_body(
        "POST",
        f"/label-sets/{label_set_id}/records",
        body,
        lambda response: dict(orjson.loads(response.content)),
        params=_format_params(format, options, mode=mode, on_conflict=on_conflict),
        idempotency_key=_key(),
    )


def list_jobs(cursor: str | None = None, limit: int | None = None) -> Call[Page[Job]]:
    return Call("GET", "/jobs", _page(Job.from_json), params=_paging(cursor, limit))


# A long poll's read timeout exceeds its wait by this much: the hub answers only after the wait, and
# then needs a moment to read the job and send it.
_LONG_POLL_MARGIN = 10.0


def get_job(job_id: int, wait: float | None = None) -> Call[Job]:
    """The job; with ``wait`` the hub answers once it is finished or ``wait`` seconds passed."""
    if wait is None:
        return Call("GET", f"/jobs/{job_id}", _model(Job.from_json))
    return Call(
        "GET",
        f"/jobs/{job_id}",
        _model(Job.from_json),
        params={"wait": wait},
        read_timeout=wait + _LONG_POLL_MARGIN,
    )


def cancel_job(job_id: int) -> Call[Job]:
    return Call("POST", f"/jobs/{job_id}/cancel", _model(Job.from_json), idempotent=True)


# --- deployments ----------------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    return orjson.loads(response.content)


def create_deployment(model: str, device: str, reuse: bool) -> Call[dict[str, Any]]:
    return _json_body("POST", "/deployments", {"model": model, "device": device, "reuse": reuse}, _json)


def get_deployment(deployment_id: int) -> Call[dict[str, Any]]:
    return Call("GET", f"/deployments/{deployment_id}", _json)


def list_deployments() -> Call[dict[str, Any]]:
    return Call("GET", "/deployments", _json)


def deployment_action(deployment_id: int, action: str) -> Call[dict[str, Any]]:
    # Stopping or restarting twice is the same as once: safe to retry.
    return Call("POST", f"/deployments/{deployment_id}/{action}", _json, idempotent=True)


def delete_deployment(deployment_id: int) -> Call[None]:
    return Call("DELETE", f"/deployments/{deployment_id}", _nothing)


def deployment_logs(deployment_id: int, tail: int) -> Call[dict[str, Any]]:
    return Call("GET", f"/deployments/{deployment_id}/logs", _json, params={"tail": tail})


def predict_image(deployment_id: int, image: bytes, params: Mapping[str, Any]) -> Call[dict[str, Any]]:
    # A prediction changes nothing on the hub: safe to retry (e.g. while a worker restarts).
    return Call(
        "POST",
        f"/deployments/{deployment_id}/predict",
        _json,
        params=params,
        content=image,
        content_type="application/octet-stream",
        idempotent=True,
    )


def predict_dataset(deployment_id: int, body: Mapping[str, Any]) -> Call[Job]:
    return _json_body(
        "POST",
        f"/deployments/{deployment_id}/jobs",
        dict(body),
        _model(Job.from_json),
        idempotency_key=_key(),
    )
