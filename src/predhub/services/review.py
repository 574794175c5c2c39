"""Review actions on labels and objects: what the gallery's buttons and the pre-label workflow do.

Accept a predicted object into another label set (usually the ground truth), reject it, change its
class, set a label's status, and copy a whole label from one label set to another (Segments.ai's
"copy label across sets"). Every action runs in one write transaction and keeps ``labels.object_count``
and ``label_class_stats`` in step.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, insert, literal, select, update

from predhub.core import GeometryKind, LabelStatus
from predhub.services import access, datasets
from predhub.services.auth import User
from predhub.services.errors import Invalid, NotFound
from predhub.services.labels import read_labels
from predhub.store.db import Database, Record
from predhub.store.label_stats import refresh_label_stats
from predhub.store.schema import evaluation_objects, evaluations, label_sets, labels, objects, samples

__all__ = [
    "CopyMode",
    "accept_object",
    "copy_label",
    "reclass_object",
    "reject_object",
    "sample_labels",
    "set_label_status",
]

# Every column of an object row but its identity and place, copied as-is by accept and copy.
_PAYLOAD = [c.name for c in objects.columns if c.name not in ("id", "label_set_id", "sample_id", "position")]


class CopyMode(StrEnum):
    REPLACE = "replace"  # the target's label for the sample becomes a copy of the source's
    APPEND = "append"  # the source's objects are added after the target's


def _object(conn: Connection, user: User, object_id: int) -> Record:
    row = conn.execute(select(objects).where(objects.c.id == object_id)).first()
    if row is None:
        raise NotFound(f"object {object_id} not found")
    access.label_set_row(conn, user, row.label_set_id)  # 404 across workspaces, like a missing id
    return row


def _target(conn: Connection, user: User, label_set_id: int, dataset_id: int) -> Record:
    target = access.label_set_row(conn, user, label_set_id)
    if target.dataset_id != dataset_id:
        raise Invalid.field("label_set_id", "must be a label set of the same dataset")
    return target


def _ensure_label(conn: Connection, label_set_id: int, sample_id: int, status: str) -> None:
    exists = conn.execute(
        select(labels.c.id).where(labels.c.label_set_id == label_set_id, labels.c.sample_id == sample_id)
    ).first()
    if exists is None:
        conn.execute(
            insert(labels).values(
                label_set_id=label_set_id, sample_id=sample_id, status=status, object_count=0
            )
        )


def _recount(conn: Connection, label_set_id: int, sample_id: int) -> None:
    count = (
        select(func.count())
        .where(objects.c.label_set_id == label_set_id, objects.c.sample_id == sample_id)
        .scalar_subquery()
    )
    conn.execute(
        update(labels)
        .where(labels.c.label_set_id == label_set_id, labels.c.sample_id == sample_id)
        .values(object_count=count)
    )
    refresh_label_stats(conn, label_set_id, [sample_id])


def _next_position(conn: Connection, label_set_id: int, sample_id: int) -> int:
    top = conn.execute(
        select(func.max(objects.c.position)).where(
            objects.c.label_set_id == label_set_id, objects.c.sample_id == sample_id
        )
    ).scalar_one()
    return 0 if top is None else int(top) + 1


def _copy_objects(conn: Connection, source: Any, label_set_id: int, sample_id: int) -> int:
    """INSERT … SELECT the objects that ``source`` selects (a WHERE clause) after the target's."""
    start = _next_position(conn, label_set_id, sample_id)
    rows = conn.execute(select(objects.c.id).where(source).order_by(objects.c.position)).scalars().all()
    for offset, object_id in enumerate(rows):
        conn.execute(
            insert(objects).from_select(
                ["label_set_id", "sample_id", "position", *_PAYLOAD],
                select(
                    literal(label_set_id),
                    literal(sample_id),
                    literal(start + offset),
                    *(objects.c[name] for name in _PAYLOAD),
                ).where(objects.c.id == object_id),
            )
        )
    return len(rows)


def accept_object(db: Database, user: User, object_id: int, label_set_id: int) -> dict[str, Any]:
    """Copy one object into ``label_set_id``'s label of the same sample (created if missing)."""
    with db.write() as conn:
        obj = _object(conn, user, object_id)
        source = access.label_set_row(conn, user, obj.label_set_id)
        _target(conn, user, label_set_id, source.dataset_id)
        if label_set_id == obj.label_set_id:
            raise Invalid.field("label_set_id", "is the object's own label set")
        _ensure_label(conn, label_set_id, obj.sample_id, LabelStatus.LABELED.value)
        _copy_objects(conn, objects.c.id == object_id, label_set_id, obj.sample_id)
        _recount(conn, label_set_id, obj.sample_id)
    return {"accepted": object_id, "label_set_id": label_set_id}


def reject_object(db: Database, user: User, object_id: int) -> None:
    """Delete one object from its label."""
    with db.write() as conn:
        obj = _object(conn, user, object_id)
        conn.execute(delete(objects).where(objects.c.id == object_id))
        _recount(conn, obj.label_set_id, obj.sample_id)


def reclass_object(db: Database, user: User, object_id: int, class_name: Any) -> None:
    """Change an object's class to another class of the ontology drawn with the same geometry."""
    if not isinstance(class_name, str) or not class_name:
        raise Invalid.field("class", "must be a non-empty string")
    with db.write() as conn:
        obj = _object(conn, user, object_id)
        label_set = access.label_set_row(conn, user, obj.label_set_id)
        _, ontology = datasets.ontology_of(conn, user, label_set.dataset_id)
        cls = ontology.object_class(class_name)
        if cls is None:
            raise Invalid.field(
                "class", f"unknown class {class_name!r} (known: {', '.join(ontology.class_names)})"
            )
        if cls.kind is not GeometryKind(obj.kind):
            raise Invalid.field("class", f"class {class_name!r} is drawn as {cls.kind.value}, not {obj.kind}")
        conn.execute(update(objects).where(objects.c.id == object_id).values({"class": class_name}))
        refresh_label_stats(conn, obj.label_set_id, [obj.sample_id])


def _label(conn: Connection, label_set_id: int, sample_key: str) -> Record:
    row = conn.execute(
        select(labels.c.id, labels.c.sample_id, labels.c.status)
        .join(samples, samples.c.id == labels.c.sample_id)
        .where(labels.c.label_set_id == label_set_id, samples.c.key == sample_key)
    ).first()
    if row is None:
        raise NotFound(f"no label for sample {sample_key!r} in label set {label_set_id}")
    return row


def set_label_status(db: Database, user: User, label_set_id: int, sample_key: str, status: Any) -> None:
    try:
        value = LabelStatus(status)
    except ValueError:
        raise Invalid.field("status", f"must be one of {[s.value for s in LabelStatus]}") from None
    with db.write() as conn:
        access.label_set_row(conn, user, label_set_id)
        row = _label(conn, label_set_id, sample_key)
        conn.execute(update(labels).where(labels.c.id == row.id).values(status=value.value))


def copy_label(
    db: Database,
    user: User,
    label_set_id: int,
    sample_key: str,
    target_label_set_id: int,
    mode: CopyMode = CopyMode.REPLACE,
    status: LabelStatus | None = None,
) -> dict[str, Any]:
    """Copy one sample's label to another label set of the dataset; ``status`` defaults to the source's."""
    if target_label_set_id == label_set_id:
        raise Invalid.field("label_set_id", "is the source label set itself")
    with db.write() as conn:
        source_set = access.label_set_row(conn, user, label_set_id)
        _target(conn, user, target_label_set_id, source_set.dataset_id)
        source = conn.execute(
            select(labels)
            .join(samples, samples.c.id == labels.c.sample_id)
            .where(labels.c.label_set_id == label_set_id, samples.c.key == sample_key)
        ).first()
        if source is None:
            raise NotFound(f"no label for sample {sample_key!r} in label set {label_set_id}")
        new_status = (status or LabelStatus(source.status)).value
        if mode is CopyMode.REPLACE:
            conn.execute(
                delete(labels).where(
                    labels.c.label_set_id == target_label_set_id, labels.c.sample_id == source.sample_id
                )
            )
            conn.execute(
                insert(labels).values(
                    label_set_id=target_label_set_id,
                    sample_id=source.sample_id,
                    status=new_status,
                    score=source.score,
                    classifications=source.classifications,
                    object_count=0,
                )
            )
        else:
            _ensure_label(conn, target_label_set_id, source.sample_id, new_status)
        copied = _copy_objects(
            conn,
            (objects.c.label_set_id == label_set_id) & (objects.c.sample_id == source.sample_id),
            target_label_set_id,
            source.sample_id,
        )
        _recount(conn, target_label_set_id, source.sample_id)
    return {"copied": copied, "label_set_id": target_label_set_id, "sample": sample_key}


def sample_labels(db: Database, user: User, sample_id: int) -> list[dict[str, Any]]:
    """Every label set's label of one sample, objects carrying their ``object_id`` for review actions."""
    with db.read() as conn:
        sample = access.sample_row(conn, user, sample_id)
        rows = conn.execute(
            select(
                labels.c.id,
                labels.c.sample_id,
                labels.c.status,
                labels.c.score,
                labels.c.classifications,
                labels.c.label_set_id,
                samples.c.key,
            )
            .join(samples, samples.c.id == labels.c.sample_id)
            .join(label_sets, label_sets.c.id == labels.c.label_set_id)
            .where(labels.c.sample_id == sample.id)
            .order_by(label_sets.c.id)
        ).all()
        out = []
        for row in rows:
            label = read_labels(conn, row.label_set_id, [row])[0]
            ids = conn.execute(
                select(objects.c.id)
                .where(objects.c.label_set_id == row.label_set_id, objects.c.sample_id == sample.id)
                .order_by(objects.c.position)
            ).scalars()
            for obj, object_id in zip(label["objects"], ids, strict=True):
                obj["object_id"] = object_id
            _attach_matches(conn, row.label_set_id, sample.id, label["objects"])
            out.append({"label_set_id": row.label_set_id, "label": label})
    return out


def _attach_matches(conn: Connection, label_set_id: int, sample_id: int, objs: list[dict[str, Any]]) -> None:
    """Each object's outcome in the newest finished evaluation its label set took part in."""
    newest = conn.execute(
        select(func.max(evaluations.c.id)).where(
            evaluations.c.status == "done",
            (evaluations.c.prediction_label_set_id == label_set_id)
            | (evaluations.c.ground_truth_label_set_id == label_set_id),
        )
    ).scalar_one()
    if newest is None:
        return
    rows = conn.execute(
        select(evaluation_objects).where(
            evaluation_objects.c.evaluation_id == newest, evaluation_objects.c.sample_id == sample_id
        )
    ).all()
    by_object = {r.object_id: r for r in rows}
    for obj in objs:
        match = by_object.get(obj["object_id"])
        if match is not None:
            obj["match"] = {
                "evaluation_id": newest,
                "outcome": match.outcome,
                "partner_object_id": match.partner_object_id,
                "iou": match.iou,
                "mislabeled": match.mislabeled,
            }
