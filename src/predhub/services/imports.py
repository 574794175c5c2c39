"""Importing a file in any registered format into a label set: as a job, or a few records at once.

The file is read as a stream (:mod:`predhub.formats.io`), converted and validated record by record
against the dataset (:func:`predhub.formats.import_records`, errors in the format's own field names),
and written in batches inside ONE write transaction: a strict import with any error, or a crash half-way,
rolls back whole, so a label set never holds half a file. Within one import a sample that comes back
later in the file (Labelbox lines are per annotation) is appended to, never replaced.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, update

from predhub.core import Box, GeometryKind, Label, Object
from predhub.core.serde import classification_to_dict
from predhub.core.validation import OUTSIDE_MARGIN
from predhub.formats import (
    Format,
    Framing,
    ImportMode,
    ImportOptions,
    ImportRejected,
    ImportReport,
    Record,
    get_format,
    import_records,
    open_records,
)
from predhub.formats.fastpath import FastBox, coco_result_box, labelbox_box
from predhub.formats.fetch import FetchPolicy, MaskFetcher
from predhub.formats.registry import UnknownFormat
from predhub.services import access, datasets, labels
from predhub.services.auth import User
from predhub.services.errors import Detail, Invalid
from predhub.services.ingest import Prepared, SampleInfo, object_rows
from predhub.services.labels import Mode, OnConflict
from predhub.store.db import Database, json_dumps
from predhub.store.jobs import JobContext, enqueue, handler
from predhub.store.schema import datasets as datasets_table
from predhub.store.schema import jobs, samples

__all__ = ["BATCH_OBJECTS", "Target", "import_file", "mask_fetcher", "post_records", "start_import"]

BATCH_OBJECTS = 20_000  # objects per insert batch: big enough to amortise, small enough to stay lean
MAX_UNZIPPED = 4 * 1024**3  # per-sample formats arrive zipped; refuse archives that unpack larger


@dataclass
class Target:
    """The label set an import writes to, with what validating against its dataset needs."""

    label_set_id: int
    dataset_id: int
    workspace_id: int
    samples: dict[str, SampleInfo]
    options: ImportOptions


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


@dataclass
class _Writer:
    """Buffers labels and writes them in batches through :func:`predhub.services.labels.store`."""

    conn: Connection
    target: Target
    on_conflict: OnConflict
    written: set[int] = field(default_factory=set)
    stored: int = 0
    objects: int = 0
    _buffer: dict[str, Label] = field(default_factory=dict)
    _boxes: dict[str, list[FastBox]] = field(default_factory=dict)
    _pending: int = 0

    def add_box(self, box: FastBox) -> None:
        """A plain box from the fast path (already checked against the dataset)."""
        held = self._boxes.get(box[0])
        if held is None:
            self._boxes[box[0]] = [box]
        else:
            held.append(box)
        self._pending += 1
        if self._pending >= BATCH_OBJECTS:
            self.flush()

    def add(self, label: Label) -> None:
        held = self._buffer.get(label.sample_key)
        if held is None:
            self._buffer[label.sample_key] = label
        else:
            held.objects.extend(label.objects)
            held.classifications.extend(label.classifications)
            held.score = label.score if label.score is not None else held.score
        self._pending += len(label.objects) + 1
        if self._pending >= BATCH_OBJECTS:
            self.flush()

    def flush(self) -> None:
        fresh, again = Prepared(), Prepared()
        ls_id = self.target.label_set_id
        for key in [k for k in self._boxes if k in self._buffer]:
            # Both paths met this sample in one batch (rare): fold the fast boxes into the label.
            self._buffer[key].objects.extend(
                Object(b[1], Box(b[2], b[3], b[4], b[5]), b[6], id=b[7]) for b in self._boxes.pop(key)
            )
        for key, boxes in self._boxes.items():
            sample_id = self.target.samples[key].id
            into = again if sample_id in self.written else fresh
            into.objects.extend(
                (ls_id, sample_id, pos, b[1], "box", b[2], b[3], b[4], b[5], 0.0, b[6],
                 (b[4] - b[2]) * (b[5] - b[3]), None, None, None, None, None, b[7])
                for pos, b in enumerate(boxes)
            )  # fmt: skip
            into.labels.append((ls_id, sample_id, "labeled", None, None, len(boxes)))
            into.records.append(len(into.records))
            into.object_counts.append(len(boxes))
            into.total += 1
        for key, label in self._buffer.items():
            sample_id = self.target.samples[key].id
            into = again if sample_id in self.written else fresh
            rows = object_rows(label, ls_id, sample_id)
            classes = (
                json_dumps([classification_to_dict(c) for c in label.classifications])
                if label.classifications
                else None
            )
            into.labels.append((ls_id, sample_id, label.status.value, label.score, classes, len(rows)))
            into.objects.extend(rows)
            into.records.append(len(into.records))
            into.object_counts.append(len(rows))
            into.total += 1
        for prepared, mode in ((fresh, self.on_conflict), (again, OnConflict.APPEND)):
            if prepared.labels:
                result = labels.store(self.conn, ls_id, prepared, Mode.PARTIAL, mode)
                self.stored += result.stored
                self.objects += result.objects
        self.written.update(self.target.samples[k].id for k in self._buffer)
        self.written.update(self.target.samples[k].id for k in self._boxes)
        self._buffer.clear()
        self._boxes.clear()
        self._pending = 0


def _write(
    conn: Connection,
    target: Target,
    labels_iter: Iterable[Label],
    on_conflict: OnConflict,
    job_id: int | None,
) -> _Writer:
    writer = _Writer(conn, target, on_conflict)
    for n, label in enumerate(labels_iter):
        writer.add(label)
        if job_id is not None and n % 10_000 == 9_999:
            _beat(conn, job_id)
    writer.flush()
    return writer


def _beat(conn: Connection, job_id: int) -> None:
    # The job's heartbeat, in the import's own transaction: on PostgreSQL this also locks the job row,
    # so another server's claim (FOR UPDATE SKIP LOCKED) passes it by; on SQLite no one else can
    # write meanwhile anyway.
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(heartbeat_at=datetime.now(UTC)))


def _fast_reader(format: str, options: ImportOptions) -> Callable[[Any], FastBox | None] | None:
    if format == "labelbox":
        return labelbox_box
    if format == "coco" and options.categories:
        categories, image_ids = options.categories, options.image_ids
        return lambda data: coco_result_box(data, categories, image_ids)
    return None


def _import_stream(
    conn: Connection,
    fmt: Format,
    records: Iterable[Record],
    options: ImportOptions,
    target: Target,
    mode: ImportMode,
    on_conflict: OnConflict,
    report: ImportReport,
    job_id: int | None,
) -> _Writer:
    """Every record to the writer: plain boxes by the fast path, the rest through the converter and
    the core's validation. Strict mode stops writing at the first error and raises at the end (the
    caller's transaction rolls back); every error is still collected."""
    writer = _Writer(conn, target, on_conflict)
    fast = _fast_reader(fmt.name, options)
    ontology = options.ontology
    box_classes = (
        frozenset(o.name for o in ontology.objects if o.kind is GeometryKind.BOX) if ontology else frozenset()
    )
    samples = target.samples
    strict = mode is ImportMode.STRICT
    last_key = None
    for n, record in enumerate(records):
        if job_id is not None and n % 50_000 == 49_999:
            _beat(conn, job_id)
        box = fast(record.data) if fast is not None and record.error is None else None
        if box is not None:
            info = samples.get(box[0])
            if info is not None and box[1] in box_classes and _inside(box, info):
                report.records += 1
                report.objects += 1
                if box[0] != last_key:
                    report.labels += 1
                    last_key = box[0]
                if not (strict and report.error_count):
                    writer.add_box(box)
                continue
        last_key = None
        for label in import_records(
            fmt, (record,), options, mode=ImportMode.PARTIAL, samples=samples, report=report
        ):
            if not (strict and report.error_count):
                writer.add(label)
    report.mode = mode
    if strict and report.error_count:
        raise ImportRejected(report)
    writer.flush()
    return writer


def _inside(box: FastBox, info: SampleInfo) -> bool:
    w, h = info.width, info.height
    if w is None or h is None:
        return True
    mx, my = OUTSIDE_MARGIN * w, OUTSIDE_MARGIN * h
    return box[2] >= -mx and box[4] <= w + mx and box[3] >= -my and box[5] <= h + my


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
) -> dict[str, Any]:
    """Import one file; returns the import report. Raises :class:`ImportRejected` (strict, nothing
    stored) — the job turns it into a failed job listing the errors."""
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
            records, import_options = open_records(source, fmt, target.options, stream)
            with db.write() as conn:
                writer = _import_stream(
                    conn,
                    fmt,
                    records,
                    import_options,
                    target,
                    ImportMode(mode),
                    OnConflict(on_conflict),
                    report,
                    job_id,
                )
        finally:
            if stream is not None:
                stream.close()
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    return {**report.to_dict(), "stored": writer.stored, "stored_objects": writer.objects}


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
        writer = _write(conn, target, parsed, OnConflict(on_conflict), None)
        return {
            "stored": writer.stored,
            "objects": writer.objects,
            "rejected": report.rejected,
            "errors": [e.to_dict() for e in report.errors],
            "warnings": [e.to_dict() for e in report.warnings],
        }

    if write is None:
        with db.write() as conn:
            return action(conn)
    return write(action)
