"""Writing an import: records to table rows inside the caller's write transaction.

Plain detector boxes take the fast path (:mod:`predhub.formats.fastpath`) straight to row tuples; every
other record goes through its format's converter and the core's validation
(:func:`predhub.formats.import_records`). Rows are written in batches through
:func:`predhub.services.labels.store`; a sample that comes back later in the same file is appended to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, update

from predhub.core import Box, GeometryKind, Label, Object
from predhub.core.validation import OUTSIDE_MARGIN
from predhub.formats import (
    Format,
    ImportMode,
    ImportOptions,
    ImportRejected,
    ImportReport,
    Record,
    import_records,
)
from predhub.formats.fastpath import FastBox, coco_result_box, labelbox_box
from predhub.services import labels
from predhub.services.ingest import Prepared, SampleInfo, add_label, add_object_rows
from predhub.services.labels import Mode, OnConflict
from predhub.store.schema import jobs

__all__ = ["BATCH_OBJECTS", "Target", "import_stream", "write_labels"]

BATCH_OBJECTS = 20_000  # objects per insert batch: big enough to amortise, small enough to stay lean


@dataclass
class Target:
    """The label set an import writes to, with what validating against its dataset needs."""

    label_set_id: int
    dataset_id: int
    workspace_id: int
    samples: dict[str, SampleInfo]
    options: ImportOptions


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
            rows = [
                (ls_id, sample_id, pos, b[1], "box", b[2], b[3], b[4], b[5], 0.0, b[6],
                 (b[4] - b[2]) * (b[5] - b[3]), None, None, None, None, None, b[7])
                for pos, b in enumerate(boxes)
            ]  # fmt: skip
            add_object_rows(into, ls_id, sample_id, rows)
        for key, label in self._buffer.items():
            sample_id = self.target.samples[key].id
            add_label(again if sample_id in self.written else fresh, label, ls_id, sample_id)
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


def write_labels(
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


def import_stream(
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
