"""Importing a file in any registered format into a label set: as a job, or a few records at once.

The file is read as a stream of batches (:func:`predhub.formats.io.open_batches`): plain detector boxes
decoded and checked a column at a time, every other record converted and validated against the dataset
by its format (errors in the format's own field names); the batches are written, while the next one is
read, inside ONE write transaction: a strict import with any error, or a crash half-way,
rolls back whole, so a label set never holds half a file. Within one import a sample that comes back
later in the file (Labelbox lines are per annotation) is appended to, never replaced.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from predhub.formats import (
    Framing,
    ImportMode,
    ImportOptions,
    ImportRejected,
    ImportReport,
    Record,
    get_format,
    import_records,
)
from predhub.formats.fetch import FetchPolicy, MaskFetcher
from predhub.formats.io import open_batches
from predhub.formats.registry import UnknownFormat
from predhub.services import access, datasets
from predhub.services.auth import User
from predhub.services.errors import Detail, Invalid
from predhub.services.import_rows import Progress, Target, import_batches, write_labels
from predhub.services.ingest import SampleInfo
from predhub.services.labels import Mode, OnConflict
from predhub.store.db import Database
from predhub.store.jobs import JobContext, enqueue, handler
from predhub.store.schema import datasets as datasets_table
from predhub.store.schema import samples

__all__ = ["import_file", "mask_fetcher", "post_records", "start_import"]

MAX_UNZIPPED = 4 * 1024**3  # per-sample formats arrive zipped; refuse archives that unpack larger


def _target(conn: Connection, user: User, label_set_id: int, format: str, extra: Mapping[str, Any]) -> Target:
    label_set = access.label_set_row(conn, user, label_set_id)
    dataset, ontology = datasets.ontology_of(conn, user, label_set.dataset_id)
    found: dict[str, SampleInfo] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for row in conn.execute(
        select(samples.c.key, samples.c.id, samples.c.width, samples.c.height).where(
            samples.c.dataset_id == label_set.dataset_id
        )
    ):
        found[row.key] = SampleInfo(row.id, row.width, row.height)
        if row.width is not None and row.height is not None:
            sizes[row.key] = (row.width, row.height)
    return Target(
        label_set_id, dataset.id, dataset.workspace_id, found, _options(format, ontology, sizes, extra)
    )


def _options(
    format: str, ontology: Any, sizes: dict[str, tuple[int, int]], extra: Mapping[str, Any]
) -> ImportOptions:
    """Import options from the dataset and the caller's extras: categories, image_ids, yolo_task."""
    categories = extra.get("categories")
    if categories is not None:
        categories = {int(k): str(v) for k, v in dict(categories).items()}
    elif format in ("segments", "yolo"):
        # Class ids in ontology order: Segments counts from 1, YOLO from 0. (A COCO dataset file
        # brings its own categories; COCO results fall back to the ontology's order in the reader.)
        start = 0 if format == "yolo" else 1
        categories = {i + start: name for i, name in enumerate(ontology.class_names)}
    image_ids = extra.get("image_ids")
    if image_ids is not None:
        image_ids = {_id_key(k): str(v) for k, v in dict(image_ids).items()}
    return ImportOptions(
        ontology=ontology,
        categories=categories,
        image_ids=image_ids,
        sizes=sizes,
        yolo_task="obb" if extra.get("yolo_task") == "obb" else "auto",
    )


def _id_key(value: Any) -> Any:
    # JSON object keys are strings; COCO image ids are mostly integers.
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _unpacked(path: Path, framing: Framing) -> tuple[Path, Path | None]:
    """Per-sample formats (one file per image) arrive as a zip: unpack it next to the upload."""
    if framing is not Framing.PER_SAMPLE or not zipfile.is_zipfile(path):
        return path, None
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=path.parent))
    with zipfile.ZipFile(path) as archive:
        if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED:
            raise Invalid.field("file", f"unpacks to more than {MAX_UNZIPPED} bytes")
        for info in archive.infolist():
            target = (folder / info.filename).resolve()
            if not target.is_relative_to(folder.resolve()):
                raise Invalid.field("file", f"archive member {info.filename!r} escapes the archive")
        archive.extractall(folder)
    return folder, folder


def import_file(
    db: Database,
    user: User,
    label_set_id: int,
    format: str,
    path: Path,
    *,
    mode: str = "strict",
    on_conflict: str = "replace",
    options: Mapping[str, Any] | None = None,
    job_id: int | None = None,
    masks: Mapping[str, bytes] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import one file; returns the import report. Raises :class:`ImportRejected` (strict, nothing
    stored) — the job turns it into a failed job listing the errors. ``progress(fraction, message)``
    is called after each stored batch."""
    fmt = get_format(format)
    with db.read() as conn:
        target = _target(conn, user, label_set_id, format, options or {})
    if masks is not None:
        target.options = dataclasses.replace(target.options, masks=masks)
    source, unpacked = _unpacked(path, fmt.framing)
    report = ImportReport(format, ImportMode(mode))
    try:
        stream = None if source.is_dir() else source.open("rb")
        try:
            batches, import_options, tables = open_batches(
                source, fmt, target.options, target.samples, stream
            )
            with db.write() as conn:
                written = import_batches(
                    conn,
                    fmt,
                    batches,
                    import_options,
                    tables,
                    target,
                    ImportMode(mode),
                    OnConflict(on_conflict),
                    report,
                    job_id=job_id,
                    progress=progress,
                    size=None if stream is None else source.stat().st_size,
                )
        finally:
            if stream is not None:
                stream.close()
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    return {**report.to_dict(), "stored": written.stored, "stored_objects": written.objects}


def start_import(
    db: Database,
    user: User,
    label_set_id: int,
    format: str,
    path: Path,
    *,
    mode: str = "strict",
    on_conflict: str = "replace",
    options: Mapping[str, Any] | None = None,
) -> int:
    """Queue an import of the uploaded file at ``path`` (the job deletes it when done); the job id."""
    try:
        get_format(format)
        Mode(mode), OnConflict(on_conflict)
    except (UnknownFormat, ValueError) as exc:
        raise Invalid.field("format" if isinstance(exc, UnknownFormat) else "mode", str(exc)) from exc
    with db.write() as conn:
        label_set = access.label_set_row(conn, user, label_set_id)
        workspace_id = conn.execute(
            select(datasets_table.c.workspace_id).where(datasets_table.c.id == label_set.dataset_id)
        ).scalar_one()
        payload = {
            "user": dataclasses.asdict(user),
            "label_set_id": label_set_id,
            "format": format,
            "path": str(path),
            "mode": mode,
            "on_conflict": on_conflict,
            "options": dict(options or {}),
        }
        return enqueue(conn, "import", payload, workspace_id=workspace_id)


def mask_fetcher(settings: Any) -> MaskFetcher:
    """Masks named by URL are fetched by the hub, from the allowed hosts only (none by default)."""
    policy = FetchPolicy(
        allowed_hosts=frozenset(settings.allowed_mask_hosts),
        allow_private=settings.allow_private_mask_hosts,
    )
    return MaskFetcher(policy)


@handler("import")
def _run(ctx: JobContext) -> dict[str, Any]:
    p = ctx.payload
    path = Path(p["path"])
    user = User(**p["user"])
    hub = ctx.resources.get("hub")
    masks = None if hub is None else mask_fetcher(hub.settings)
    try:
        return import_file(
            ctx.db,
            user,
            int(p["label_set_id"]),
            p["format"],
            path,
            mode=p["mode"],
            on_conflict=p["on_conflict"],
            options=p.get("options") or {},
            job_id=ctx.id,
            masks=masks,
            progress=ctx.note,
        )
    except ImportRejected as exc:
        report = exc.report
        lines = "\n".join(str(e) for e in report.errors[:50])
        summary = f"{report.error_count} errors in {report.rejected} of {report.records} records"
        raise RuntimeError(f"{summary}; nothing stored\n{lines}") from None
    finally:
        path.unlink(missing_ok=True)


def post_records(
    db: Database,
    user: User,
    label_set_id: int,
    format: str,
    body: list[Any],
    *,
    mode: str = "strict",
    on_conflict: str = "replace",
    options: Mapping[str, Any] | None = None,
    write: Callable[[Callable[[Connection], dict[str, Any]]], Any] | None = None,
    masks: Mapping[str, bytes] | None = None,
) -> Any:
    """A few records of ``format`` from a request body (Kognic posts one OpenLABEL document per call).

    Converted and validated before the write transaction; strict mode raises :class:`Invalid` with
    every error. ``write`` runs the storing action in a write transaction (the idempotency wrapper)."""
    try:
        fmt = get_format(format)
    except UnknownFormat as exc:
        raise Invalid.field("format", str(exc)) from exc
    with db.read() as conn:
        target = _target(conn, user, label_set_id, format, options or {})
    if masks is not None:
        target.options = dataclasses.replace(target.options, masks=masks)
    report = ImportReport(format, ImportMode(mode))
    try:
        parsed = list(
            import_records(
                fmt,
                (Record(i, r) for i, r in enumerate(body)),
                target.options,
                mode=mode,
                samples=target.samples,
                report=report,
            )
        )
    except ImportRejected as exc:
        details = [Detail(e.record, e.field or None, e.message) for e in exc.report.errors]
        raise Invalid(
            f"{exc.report.rejected} of {exc.report.records} records rejected; none stored", details
        ) from None

    def action(conn: Connection) -> dict[str, Any]:
        access.label_set_row(conn, user, label_set_id)
        written = write_labels(conn, target, parsed, OnConflict(on_conflict))
        return {
            "stored": written.stored,
            "objects": written.objects,
            "rejected": report.rejected,
            "errors": [e.to_dict() for e in report.errors],
            "warnings": [e.to_dict() for e in report.warnings],
        }

    if write is None:
        with db.write() as conn:
            return action(conn)
    return write(action)
