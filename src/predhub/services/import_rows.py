"""Writing an import: batches of records to table rows, stored inside the caller's write transaction.

A batch (:class:`predhub.formats.plain_boxes.BoxBatch`) holds the plain boxes of a run of records as
numpy columns, already checked, and every other record. The other records go through their format's
converter and the core's validation (:func:`predhub.formats.importing.read_record`); the boxes become
rows a column at a time (:func:`predhub.services.ingest.add_box_arrays`). Rows reach the database
through :func:`predhub.services.labels.store`; a sample that comes back later in the same file is
appended to, never replaced.

Reading, decoding, validating and building rows run in a thread one batch ahead of the store
(:func:`~predhub.services.read_ahead.read_ahead`): SQLite steps its inserts without the GIL, so
the next batch is parsed meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np
from sqlalchemy import Connection, update

from predhub.core import Box, GeometryKind, Label, Object
from predhub.formats import Format, ImportMode, ImportOptions, ImportRejected, ImportReport
from predhub.formats.importing import MAX_MERGED_OBJECTS, read_record
from predhub.formats.plain_boxes import BoxBatch, BoxTables
from predhub.services import labels
from predhub.services.ingest import (
    BOX_COLUMNS,
    BOX_ID_COLUMNS,
    Prepared,
    SampleInfo,
    add_box_arrays,
    add_label,
)
from predhub.services.labels import Mode, OnConflict
from predhub.services.read_ahead import read_ahead
from predhub.store.schema import jobs

__all__ = ["BATCH_OBJECTS", "Progress", "Target", "Written", "import_batches", "write_labels"]

BATCH_OBJECTS = 20_000  # objects per insert batch of already parsed labels (write_labels)

# progress(fraction of the file read, message): called after each stored batch.
Progress = Callable[[float, str], None]
T = TypeVar("T")


@dataclass
class Target:
    """The label set an import writes to, with what validating against its dataset needs."""

    label_set_id: int
    dataset_id: int
    workspace_id: int
    samples: dict[str, SampleInfo]
    options: ImportOptions


@dataclass
class Written:
    """What an import stored: label writes (a sample appended to counts again) and objects."""

    stored: int = 0
    objects: int = 0


@dataclass
class _Rows:
    """One batch's rows: for samples new to this import, and for samples it already wrote (appended)."""

    fresh: Prepared
    again: Prepared
    records: int  # records read so far
    offset: int  # bytes of the file read so far


@dataclass
class _Builder:
    """Batches to rows. Runs in the reader thread and owns the report until the import ends."""

    fmt: Format | None  # None: only build() is used, on labels converted already
    options: ImportOptions
    target: Target
    tables: BoxTables
    mode: ImportMode
    report: ImportReport
    written: np.ndarray = field(init=False)  # per sample of the tables: has this import stored it?
    sample_ids: np.ndarray = field(init=False)
    _box_classes: frozenset[str] = field(init=False)
    _run: tuple[int, int] = (-1, 0)  # (sample, objects) of the label import_records would be merging

    def __post_init__(self) -> None:
        keys = self.tables.keys
        self.written = np.zeros(len(keys), dtype=bool)
        self.sample_ids = np.array([self.target.samples[k].id for k in keys], dtype=np.int64)
        ontology = self.options.ontology
        self._box_classes = frozenset(
            o.name for o in (ontology.objects if ontology else ()) if o.kind is GeometryKind.BOX
        )

    def rows(self, batch: BoxBatch) -> _Rows | None:
        """Validate the batch's other records, count everything in the report, and build the rows;
        None once a strict import has an error (nothing more will be stored)."""
        report = self.report
        assert self.fmt is not None
        slow: list[tuple[int, int, Label]] = []  # (record index, sample, label) from the converter
        for record in batch.others:
            parsed = read_record(
                self.fmt, record, self.options, self.target.samples, report, self._box_classes
            )
            if parsed:
                slow.extend((record.index, self.tables.index[label.sample_key], label) for label in parsed)
        report.records += len(batch)
        if self.mode is ImportMode.STRICT and report.error_count:
            return None
        report.objects += len(batch) + sum(len(label.objects) for _, _, label in slow)
        self._count_labels(batch, slow)
        return self.build(batch, slow, report.records)

    def build(self, batch: BoxBatch, slow: list[tuple[int, int, Label]], records: int = 0) -> _Rows:
        """The rows of a batch's boxes and of converted labels ``(record index, sample, label)``."""
        ls_id = self.target.label_set_id
        columns = BOX_ID_COLUMNS if batch.ids is not None else BOX_COLUMNS
        fresh, again = Prepared(box_columns=columns), Prepared(box_columns=columns)
        sample, written = batch.sample, self.written
        plain = np.ones(len(batch), dtype=bool)
        if slow:
            # A sample met by both paths in one batch becomes one label, its objects in file order.
            parts: dict[int, list[tuple[int, Label]]] = {}
            for index, s, label in slow:
                parts.setdefault(s, []).append((index, label))
            plain = ~np.isin(sample, np.fromiter(parts, np.intp, len(parts)))
            for k in np.flatnonzero(~plain).tolist():
                s = int(sample[k])
                box = Box(*batch.xyxy[k].tolist())
                cls = self.tables.classes[batch.class_index[k]]
                obj = Object(
                    cls, box, float(batch.confidence[k]), id=None if batch.ids is None else batch.ids[k]
                )
                parts[s].append((int(batch.index[k]), Label(self.tables.keys[s], [obj])))
            for s, pieces in parts.items():
                pieces.sort(key=lambda piece: piece[0])
                label = _merged([label for _, label in pieces])
                add_label(again if written[s] else fresh, label, ls_id, int(self.sample_ids[s]), pieces[0][0])
            written[list(parts)] = True
        for out, chosen in ((fresh, plain & ~written[sample]), (again, plain & written[sample])):
            take = np.flatnonzero(chosen)
            if not len(take):
                continue
            take = take[np.argsort(sample[take], kind="stable")]  # group by sample, file order kept
            ids = batch.ids
            if ids is not None and (len(take) != len(ids) or (take != np.arange(len(take))).any()):
                ids = [ids[k] for k in take.tolist()]
            add_box_arrays(
                out,
                ls_id,
                self.sample_ids[sample[take]],
                self.tables.classes,
                batch.class_index[take],
                batch.xyxy[take],
                batch.confidence[take],
                ids,
                batch.index[take],
            )
        written[sample] = True
        return _Rows(fresh, again, records, batch.offset)

    def _count_labels(self, batch: BoxBatch, slow: list[tuple[int, int, Label]]) -> None:
        """Count labels as :func:`predhub.formats.import_records` yields them: consecutive records of
        one sample merge, up to ``MAX_MERGED_OBJECTS`` objects."""
        sample = batch.sample
        count = np.ones(len(batch), dtype=np.int64)
        if slow:
            index = np.r_[batch.index, [i for i, _, _ in slow]]
            order = np.argsort(index, kind="stable")
            sample = np.r_[sample, [s for _, s, _ in slow]][order]
            count = np.r_[count, [len(label.objects) for _, _, label in slow]][order]
        if not len(sample):
            return
        starts = np.flatnonzero(np.r_[True, sample[1:] != sample[:-1]])
        ends = np.r_[starts[1:], len(sample)]
        total = np.add.reduceat(count, starts)
        # Only a run that reaches the cap (or the first one, which may continue the last batch's)
        # needs walking record by record.
        long = np.flatnonzero(total - count[ends - 1] >= MAX_MERGED_OBJECTS).tolist()
        labels = len(starts)
        for r in sorted({0, *long}):
            if r:
                self._run = (-1, 0)  # the run before r was another sample's
            run_labels, last = self._walk(int(sample[starts[r]]), count[starts[r] : ends[r]].tolist())
            labels += run_labels - 1
            if r == len(starts) - 1:
                self._run = (int(sample[starts[r]]), last)
        if len(starts) > 1 and len(starts) - 1 not in long:
            self._run = (int(sample[starts[-1]]), int(total[-1]))
        self.report.labels += labels

    def _walk(self, sample: int, counts: list[int]) -> tuple[int, int]:
        """Labels begun by a run of one sample's records, and the objects of its last label."""
        held_sample, held = self._run
        labels = 0
        for n in counts:
            if sample == held_sample and held < MAX_MERGED_OBJECTS:
                held += n
            else:
                labels += 1
                held_sample, held = sample, n
        self._run = (held_sample, held)
        return labels, held


def _merged(parts: list[Label]) -> Label:
    label = parts[0]
    for other in parts[1:]:
        label.objects.extend(other.objects)
        label.classifications.extend(other.classifications)
        if other.score is not None:
            label.score = other.score
    return label


def _store(conn: Connection, ls_id: int, rows: _Rows, on_conflict: OnConflict, written: Written) -> None:
    for prepared, how in ((rows.fresh, on_conflict), (rows.again, OnConflict.APPEND)):
        if prepared.labels:
            result = labels.store(conn, ls_id, prepared, Mode.PARTIAL, how)
            written.stored += result.stored
            written.objects += result.objects


def import_batches(
    conn: Connection,
    fmt: Format,
    batches: Iterable[BoxBatch],
    options: ImportOptions,
    tables: BoxTables,
    target: Target,
    mode: ImportMode,
    on_conflict: OnConflict,
    report: ImportReport,
    *,
    job_id: int | None = None,
    progress: Progress | None = None,
    size: int | None = None,
) -> Written:
    """Store every batch's valid labels. Strict mode stops storing at the first error and raises
    :class:`ImportRejected` at the end (the caller's transaction rolls back); every error is still
    collected. ``size`` is the file's size in bytes, for ``progress``."""
    builder = _Builder(fmt, options, target, tables, mode, report)
    written = Written()
    for rows in read_ahead((builder.rows(batch) for batch in batches), name="predhub-import-reader"):
        if rows is None:
            continue
        _store(conn, target.label_set_id, rows, on_conflict, written)
        if job_id is not None:
            _beat(conn, job_id)
        if progress is not None:
            fraction = rows.offset / size if size else 0.0
            progress(fraction, f"{rows.records:,} records read, {written.objects:,} objects stored")
    report.mode = mode
    if mode is ImportMode.STRICT and report.error_count:
        raise ImportRejected(report)
    return written


def write_labels(
    conn: Connection, target: Target, parsed: Sequence[Label], on_conflict: OnConflict
) -> Written:
    """Store already validated labels (a request's records), ``BATCH_OBJECTS`` objects at a time."""
    tables = BoxTables.build("", target.options, {label.sample_key: None for label in parsed})
    builder = _Builder(None, target.options, target, tables, ImportMode.PARTIAL, ImportReport(""))
    written = Written()
    empty = BoxBatch.of_records([])
    pending: list[tuple[int, int, Label]] = []
    objects = 0
    for n, label in enumerate(parsed):
        pending.append((n, tables.index[label.sample_key], label))
        objects += len(label.objects) + 1
        if objects >= BATCH_OBJECTS:
            _store(conn, target.label_set_id, builder.build(empty, pending), on_conflict, written)
            pending, objects = [], 0
    if pending:
        _store(conn, target.label_set_id, builder.build(empty, pending), on_conflict, written)
    return written


def _beat(conn: Connection, job_id: int) -> None:
    # The job's heartbeat, in the import's own transaction: on PostgreSQL this also locks the job row,
    # so another server's claim (FOR UPDATE SKIP LOCKED) passes it by; on SQLite no one else can
    # write meanwhile anyway.
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(heartbeat_at=datetime.now(UTC)))
