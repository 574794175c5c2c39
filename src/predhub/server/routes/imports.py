"""Imports and exports in the formats of :mod:`predhub.formats` (``format=labelbox``, ``coco``, ...)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, Response

from predhub.server.deps import CurrentUser, HubDep, IdempotencyKey, Records
from predhub.server.responses import json_response
from predhub.services import exports, idempotency, imports, jobs
from predhub.services.errors import Invalid, PayloadTooLarge
from predhub.services.labels import Mode, OnConflict

router = APIRouter(tags=["imports"])

Format = Annotated[
    str, Query(description="labelbox, labelstudio, openlabel, segments, supervisely, coco, yolo, voc")
]
Options = Annotated[
    str | None,
    Query(description='JSON: {"categories": {id: name}, "image_ids": {id: key}, "yolo_task": "obb", ...}'),
]


def _options(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise Invalid.field("options", f"must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise Invalid.field("options", "must be a JSON object")
    return value


@router.post("/label-sets/{label_set_id}/imports", status_code=202)
async def import_file(
    label_set_id: int,
    request: Request,
    hub: HubDep,
    user: CurrentUser,
    format: Format,
    mode: Mode = Mode.STRICT,
    on_conflict: OnConflict = OnConflict.REPLACE,
    options: Options = None,
) -> Response:
    """The body is the file, streamed to disk; a job imports it (``GET /jobs/{id}`` for the outcome).
    Per-sample formats (Supervisely, YOLO, VOC) are sent as a zip of their files."""
    extra = _options(options)
    folder = hub.settings.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    limit = hub.settings.max_import_bytes
    with tempfile.NamedTemporaryFile(dir=folder, prefix="upload-", delete=False) as tmp:
        path = Path(tmp.name)
        size = 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"the file exceeds the import limit of {limit} bytes")
                tmp.write(chunk)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    try:
        job_id = await run_in_threadpool(
            imports.start_import,
            hub.db,
            user,
            label_set_id,
            format,
            path,
            mode=mode.value,
            on_conflict=on_conflict.value,
            options=extra,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return json_response(await run_in_threadpool(jobs.get, hub.db, user, job_id), status_code=202)


@router.post("/label-sets/{label_set_id}/records")
def post_records(
    label_set_id: int,
    records: Records,
    hub: HubDep,
    user: CurrentUser,
    format: Format,
    mode: Mode = Mode.STRICT,
    on_conflict: OnConflict = OnConflict.REPLACE,
    options: Options = None,
    key: IdempotencyKey = None,
) -> Response:
    """A few records of ``format``, stored at once (a Kognic-style upload posts one OpenLABEL
    document per request). A retry with the same ``Idempotency-Key`` writes nothing twice; without
    one, ``on_conflict=replace`` still leaves one label per sample."""
    scope = f"POST /label-sets/{label_set_id}/records"
    status, payload = imports.post_records(
        hub.db,
        user,
        label_set_id,
        format,
        records,
        mode=mode.value,
        on_conflict=on_conflict.value,
        options=_options(options),
        write=lambda action: idempotency.once(hub.db, user, key, scope, action, status_code=200),
        masks=imports.mask_fetcher(hub.settings),
    )
    return Response(payload, status_code=status, media_type="application/json")


class _ExportFile(FileResponse):
    # Starlette reads 64 KiB per chunk, each read a hop to a worker thread and an ASGI message: an
    # export of hundreds of megabytes is sent in a few hundred reads instead of thousands.
    chunk_size = 1 << 20


@router.get("/label-sets/{label_set_id}/export")
def export(
    label_set_id: int, hub: HubDep, user: CurrentUser, format: Format, options: Options = None
) -> Response:
    """The label set as a file of ``format`` (a zip when the format is one file per image or refers
    to mask PNGs). The ``X-Predhub-Export-Report`` header says what the format could not carry."""
    folder = hub.settings.data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix="export-", delete=False) as tmp:
        path = Path(tmp.name)
    try:
        report = exports.export_label_set(
            hub.db,
            user,
            label_set_id,
            format,
            path,
            _options(options),
            processes=hub.settings.export_processes,
        )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    with path.open("rb") as head:
        # Two bytes say whether it is a zip; reading the whole export here held it all in memory.
        zipped = head.read(2) == b"PK"
    return _ExportFile(
        path,
        media_type="application/zip" if zipped else exports.media_type(format),
        headers={"X-Predhub-Export-Report": orjson.dumps(report.to_dict()).decode()},
        background=BackgroundTask(path.unlink, missing_ok=True),
    )
