"""Labels: what a label set says about each sample. Storing many at once, and reading them back.

Storing is two phases: :func:`prepare` parses and validates outside any write transaction (so that
other requests' writes proceed meanwhile), :func:`store` writes one prepared batch inside the caller's
write transaction, all of it or none of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import Connection, Select, delete, select, text, update

from predhub.core.box_columns import BoxColumns
from predhub.services import access, datasets, idempotency
from predhub.services.auth import User
from predhub.services.errors import Detail, Invalid, NotFound
from predhub.services.ingest import (
    LABEL_COLUMNS,
    OBJECT_COLUMNS,
    STATS_COLUMNS,
    BoxRecord,
    Prepared,
    SampleInfo,
    prepare,
    prepare_columns,
)
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store.bulk import Rows, insert_rows
from predhub.store.db import Database, Record
from predhub.store.label_stats import refresh_label_stats
from predhub.store.schema import label_class_stats, labels, objects, samples

__all__ = [
    "IngestResult",
    "Mode",
    "OnConflict",
    "delete_label",
    "get_label",
    "ingest",
    "ingest_once",
    "label_query",
    "list_labels",
    "lock_label_set",
    "prepare_records",
    "put_label",
    "read_labels",
    "store",
]

_BATCH = 500  # keys per IN (...) list: well under every driver's parameter limit


class Mode(StrEnum):
    STRICT = "strict"  # any bad record: nothing stored
    PARTIAL = "partial"  # valid records stored, bad ones reported


class OnConflict(StrEnum):
    REPLACE = "replace"  # the sample's label in this set is replaced
    APPEND = "append"  # objects and classifications are added to it
    SKIP = "skip"  # the stored label is kept, the new one dropped


@dataclass
class IngestResult:
    stored: int = 0
    skipped: int = 0
    rejected: int = 0
    objects: int = 0
    errors: list[Detail] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stored": self.stored,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "objects": self.objects,
            "errors": [d.to_dict() for d in self.errors],
        }


def _batches(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _BATCH):
        yield values[start : start + _BATCH]


def _sample_key(record: Any) -> str | None:
    if type(record) is BoxRecord:
        return record.sample
    key = record.get("sample") if type(record) is dict else None
    return key if type(key) is str else None


def prepare_records(db: Database, user: User, label_set_id: int, records: list[Any] | BoxColumns) -> Prepared:
    """Look up the label set, its ontology and the records' samples, then validate (no writes)."""
    if isinstance(records, BoxColumns):
        keys = list(set(records.samples))
    else:
        keys = list({key for key in map(_sample_key, records) if key is not None})
    with db.read() as conn:
        label_set = access.label_set_row(conn, user, label_set_id)
        _, ontology = datasets.ontology_of(conn, user, label_set.dataset_id)
        found: dict[str, SampleInfo] = {}
        for batch in _batches(keys):
            for row in conn.execute(
                select(samples.c.key, samples.c.id, samples.c.width, samples.c.height).where(
                    samples.c.dataset_id == label_set.dataset_id, samples.c.key.in_(batch)
                )
            ):
                found[row.key] = SampleInfo(row.id, row.width, row.height)
    if isinstance(records, BoxColumns):
        return prepare_columns(records, ontology, found, label_set_id)
    return prepare(records, ontology, found, label_set_id)


# Namespace of predhub's PostgreSQL advisory locks (the first key of the two-key form).
_LABEL_SET_LOCK = 7301


def lock_label_set(conn: Connection, label_set_id: int) -> None:
    """On PostgreSQL, take the label set's write lock until the transaction ends.

    Writers replacing the same labels delete and insert the same rows in different orders and can
    deadlock again on every retry; one writer per label set at a time (as SQLite has anyway) cannot.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:ns, :id)"), {"ns": _LABEL_SET_LOCK, "id": label_set_id}
        )


def store(
    conn: Connection, label_set_id: int, prepared: Prepared, mode: Mode, on_conflict: OnConflict
) -> IngestResult:
    """Write a prepared batch in the caller's transaction. Strict mode with any error writes nothing."""
    result = IngestResult(rejected=prepared.rejected, errors=list(prepared.errors))
    if mode is Mode.STRICT and prepared.errors:
        return result
    lock_label_set(conn, label_set_id)
    label_rows, box_rows, object_rows = prepared.labels, prepared.boxes, prepared.objects
    stats_rows = prepared.stats
    sample_ids = [row[1] for row in label_rows]
    existing: dict[int, Record] = {}
    for batch in _batches(sample_ids):
        for row in conn.execute(
            select(labels.c.sample_id, labels.c.object_count, labels.c.classifications).where(
                labels.c.label_set_id == label_set_id, labels.c.sample_id.in_(batch)
            )
        ):
            existing[row.sample_id] = row
    if existing:
        label_rows, box_rows, object_rows = _resolve(
            conn, label_set_id, label_rows, box_rows, object_rows, existing, on_conflict
        )
        result.skipped = len(prepared.labels) - len(label_rows)
        if on_conflict is OnConflict.APPEND:
            result.skipped -= len(existing)
        if on_conflict is not OnConflict.REPLACE:
            # Skipped labels keep their stats; appended ones are recounted from all their objects below.
            stats_rows = stats_rows.where(lambda r: r[1] not in existing)
    insert_rows(conn, "labels", LABEL_COLUMNS, label_rows)
    insert_rows(conn, "objects", prepared.box_columns, box_rows)
    insert_rows(conn, "objects", OBJECT_COLUMNS, object_rows)
    insert_rows(conn, "label_class_stats", STATS_COLUMNS, stats_rows)
    if existing and on_conflict is OnConflict.APPEND:
        refresh_label_stats(conn, label_set_id, existing)
    result.stored = len(prepared.labels) - result.skipped
    result.objects = len(box_rows) + len(object_rows)
    return result


def _resolve(
    conn: Connection,
    label_set_id: int,
    label_rows: Rows,
    box_rows: Rows,
    object_rows: Rows,
    existing: dict[int, Record],
    on_conflict: OnConflict,
) -> tuple[Rows, Rows, Rows]:
    """Apply ``on_conflict`` to the records whose sample already has a label in this set."""
    clash = list(existing)
    if on_conflict is OnConflict.REPLACE:
        for batch in _batches(clash):
            for table in (objects, label_class_stats, labels):
                conn.execute(
                    delete(table).where(table.c.label_set_id == label_set_id, table.c.sample_id.in_(batch))
                )
        return label_rows, box_rows, object_rows

    def fresh(row: tuple[Any, ...]) -> bool:
        return row[1] not in existing

    if on_conflict is OnConflict.SKIP:
        return label_rows.where(fresh), box_rows.where(fresh), object_rows.where(fresh)

    # Append: new objects go after the stored ones; the stored label row is updated, not re-inserted.
    def shifted(rows: Rows) -> Rows:
        out = Rows(rows.width)
        for row in rows:
            old = existing.get(row[1])
            out.append(row if old is None else (*row[:2], row[2] + old.object_count, *row[3:]))
        return out

    for row in label_rows:
        old = existing.get(row[1])
        if old is None:
            continue
        classifications = (old.classifications or []) + (_loads(row[4]) or [])
        conn.execute(
            update(labels)
            .where(labels.c.label_set_id == label_set_id, labels.c.sample_id == row[1])
            .values(
                status=row[2],
                score=row[3] if row[3] is not None else labels.c.score,
                classifications=classifications or None,
                object_count=old.object_count + row[5],
            )
        )
    return label_rows.where(fresh), shifted(box_rows), shifted(object_rows)


def _loads(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def ingest(
    db: Database,
    user: User,
    label_set_id: int,
    records: list[Any] | BoxColumns,
    mode: Mode = Mode.STRICT,
    on_conflict: OnConflict = OnConflict.REPLACE,
) -> IngestResult:
    """Store many labels in one transaction. Strict mode raises :class:`Invalid` listing every error."""
    prepared = prepare_records(db, user, label_set_id, records)
    if mode is Mode.STRICT and prepared.errors:
        raise Invalid(
            f"{prepared.rejected} of {prepared.total} records rejected; none stored", prepared.errors
        )

    def write(conn: Connection) -> IngestResult:
        access.label_set_row(conn, user, label_set_id)
        return store(conn, label_set_id, prepared, mode, on_conflict)

    return db.write_retrying(write)


def ingest_once(
    db: Database,
    user: User,
    label_set_id: int,
    records: list[Any] | BoxColumns,
    mode: Mode,
    on_conflict: OnConflict,
    key: str,
    scope: str,
) -> idempotency.Response:
    """:func:`ingest` guarded by an idempotency key recorded in the same transaction as the labels."""
    prepared = prepare_records(db, user, label_set_id, records)
    if mode is Mode.STRICT and prepared.errors:
        raise Invalid(
            f"{prepared.rejected} of {prepared.total} records rejected; none stored", prepared.errors
        )

    def action(conn: Connection) -> dict[str, Any]:
        access.label_set_row(conn, user, label_set_id)
        return store(conn, label_set_id, prepared, mode, on_conflict).to_dict()

    return idempotency.once(db, user, key, scope, action, status_code=200)


# Reading -----------------------------------------------------------------------------------------


def _object_dict(row: Record) -> dict[str, Any]:
    out: dict[str, Any] = {"class": row[0]}
    kind = row[1]
    if kind == "box":
        out["box"] = [row[2], row[3], row[4], row[5]]
        if row[6]:
            out["rotation"] = row[6]
    elif kind == "polygon":
        out["polygon"] = row[8]
        if row[9]:
            out["holes"] = row[9]
    elif kind == "polyline":
        out["polyline"] = row[8]
    elif kind == "point":
        out["point"] = [row[2], row[3]]
    else:
        out["mask"] = row[10]
    if row[7] != 1.0:
        out["confidence"] = row[7]
    if row[11]:
        out["classifications"] = row[11]
    if row[12]:
        out["attributes"] = row[12]
    if row[13] is not None:
        out["id"] = row[13]
    return out


def read_labels(conn: Connection, label_set_id: int, label_rows: list[Record]) -> list[dict[str, Any]]:
    """Label rows (with ``key``) to the wire shape of :mod:`predhub.core.serde`, objects in order."""
    by_sample: dict[int, list[dict[str, Any]]] = {r.sample_id: [] for r in label_rows}
    for batch in _batches(list(by_sample)):
        for row in conn.execute(
            select(
                objects.c["class"],
                objects.c.kind,
                objects.c.x0,
                objects.c.y0,
                objects.c.x1,
                objects.c.y1,
                objects.c.rotation,
                objects.c.confidence,
                objects.c.points,
                objects.c.holes,
                objects.c.mask,
                objects.c.classifications,
                objects.c.attributes,
                objects.c.external_id,
                objects.c.sample_id,
            )
            .where(objects.c.label_set_id == label_set_id, objects.c.sample_id.in_(batch))
            .order_by(objects.c.sample_id, objects.c.position)
        ):
            by_sample[row[14]].append(_object_dict(row))
    out = []
    for r in label_rows:
        label: dict[str, Any] = {"sample": r.key, "objects": by_sample[r.sample_id]}
        if r.classifications:
            label["classifications"] = r.classifications
        if r.score is not None:
            label["score"] = r.score
        label["status"] = r.status
        out.append(label)
    return out


def label_query(label_set_id: int) -> Select[Any]:
    """The label rows of a label set with their sample keys, in the shape :func:`read_labels` takes."""
    return (
        select(
            labels.c.id,
            labels.c.sample_id,
            labels.c.status,
            labels.c.score,
            labels.c.classifications,
            samples.c.key,
        )
        .join(samples, samples.c.id == labels.c.sample_id)
        .where(labels.c.label_set_id == label_set_id)
    )


def list_labels(
    db: Database, user: User, label_set_id: int, *, limit: int = 100, cursor: str | None = None
) -> Page[dict[str, Any]]:
    check_limit(limit)
    with db.read() as conn:
        access.label_set_row(conn, user, label_set_id)
        rows = conn.execute(
            label_query(label_set_id)
            .where(labels.c.id > decode_cursor(cursor))
            .order_by(labels.c.id)
            .limit(limit + 1)
        ).all()
        page = page_of(rows, limit, lambda r: int(r.id))
        return Page(read_labels(conn, label_set_id, page.items), page.next_cursor)


def get_label(db: Database, user: User, label_set_id: int, sample_key: str) -> dict[str, Any]:
    with db.read() as conn:
        access.label_set_row(conn, user, label_set_id)
        row = conn.execute(label_query(label_set_id).where(samples.c.key == sample_key)).first()
        if row is None:
            raise NotFound(f"no label for sample {sample_key!r} in label set {label_set_id}")
        return read_labels(conn, label_set_id, [row])[0]


def put_label(db: Database, user: User, label_set_id: int, sample_key: str, record: Any) -> dict[str, Any]:
    """Replace one sample's label (the key in the path wins over a ``sample`` in the body)."""
    if not isinstance(record, dict):
        raise Invalid.field("label", "must be a JSON object", record=0)
    body_key = record.get("sample")
    if body_key is not None and body_key != sample_key:
        raise Invalid.field("sample", f"is {body_key!r} but the path names {sample_key!r}", record=0)
    ingest(db, user, label_set_id, [{**record, "sample": sample_key}])
    return get_label(db, user, label_set_id, sample_key)


def delete_label(db: Database, user: User, label_set_id: int, sample_key: str) -> None:
    with db.write() as conn:
        access.label_set_row(conn, user, label_set_id)
        sample_id = conn.execute(
            select(samples.c.id)
            .join(labels, (labels.c.sample_id == samples.c.id) & (labels.c.label_set_id == label_set_id))
            .where(samples.c.key == sample_key)
        ).scalar()
        if sample_id is None:
            raise NotFound(f"no label for sample {sample_key!r} in label set {label_set_id}")
        for table in (objects, label_class_stats, labels):
            conn.execute(
                delete(table).where(table.c.label_set_id == label_set_id, table.c.sample_id == sample_id)
            )
