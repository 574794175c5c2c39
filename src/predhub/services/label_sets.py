"""Label sets: named layers of labels over a dataset — the ground truth, or one model run's predictions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from predhub.services import access
from predhub.services.auth import User
from predhub.services.common import is_unique_violation, iso
from predhub.services.errors import Conflict, Invalid
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store.db import Database, Record
from predhub.store.schema import label_sets, labels, objects

__all__ = [
    "BACKGROUND",
    "LabelSet",
    "LabelSetKind",
    "create",
    "delete_label_set",
    "get",
    "list_label_sets",
    "update_label_set",
]

BACKGROUND = "_background"  # a class mapping target: the predicted class matches no ground truth class


class LabelSetKind(StrEnum):
    GROUND_TRUTH = "ground_truth"
    PREDICTIONS = "predictions"


@dataclass(frozen=True, slots=True)
class LabelSet:
    id: int
    dataset_id: int
    name: str
    description: str
    kind: str
    model_name: str | None
    model_version: str | None
    class_mapping: dict[str, str] | None
    label_count: int
    object_count: int
    created_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset_id": self.dataset_id,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "model_name": self.model_name,
            "model_version": self.model_version,
            "class_mapping": self.class_mapping,
            "label_count": self.label_count,
            "object_count": self.object_count,
            "created_at": self.created_at,
        }


def _counts(conn: Connection, ids: list[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    rows = conn.execute(
        select(labels.c.label_set_id, func.count(), func.coalesce(func.sum(labels.c.object_count), 0))
        .where(labels.c.label_set_id.in_(ids))
        .group_by(labels.c.label_set_id)
    ).all()
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def _record(row: Record, counts: tuple[int, int]) -> LabelSet:
    return LabelSet(
        id=row.id,
        dataset_id=row.dataset_id,
        name=row.name,
        description=row.description,
        kind=row.kind,
        model_name=row.model_name,
        model_version=row.model_version,
        class_mapping=row.class_mapping,
        label_count=counts[0],
        object_count=counts[1],
        created_at=iso(row.created_at),
    )


def _check_mapping(mapping: Any) -> dict[str, str] | None:
    if mapping is None:
        return None
    if not isinstance(mapping, dict):
        raise Invalid.field("class_mapping", 'must be an object {"predicted class": "ground truth class"}')
    for k, v in mapping.items():
        if not isinstance(v, str) or not v:
            raise Invalid.field(f"class_mapping.{k}", f'must be a class name or "{BACKGROUND}"')
    return dict(mapping)


def create(
    conn: Connection,
    user: User,
    dataset_id: int,
    name: str,
    kind: str = LabelSetKind.PREDICTIONS,
    description: str = "",
    model_name: str | None = None,
    model_version: str | None = None,
    class_mapping: dict[str, str] | None = None,
) -> LabelSet:
    access.dataset_row(conn, user, dataset_id)
    if not name.strip():
        raise Invalid.field("name", "must be a non-empty string")
    try:
        kind = LabelSetKind(kind)
    except ValueError:
        raise Invalid.field("kind", f"must be one of {[k.value for k in LabelSetKind]}") from None
    mapping = _check_mapping(class_mapping)
    exists = conn.execute(
        select(label_sets.c.id).where(label_sets.c.dataset_id == dataset_id, label_sets.c.name == name)
    ).first()
    if exists is not None:
        raise Conflict(f"a label set named {name!r} exists in dataset {dataset_id} (id {exists.id})")
    try:
        with conn.begin_nested():
            ls_id = conn.execute(
                insert(label_sets)
                .values(
                    dataset_id=dataset_id,
                    name=name,
                    description=description,
                    kind=kind.value,
                    model_name=model_name,
                    model_version=model_version,
                    class_mapping=mapping,
                )
                .returning(label_sets.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a label set named {name!r} exists in dataset {dataset_id}") from None
        raise
    return _record(access.label_set_row(conn, user, ls_id), (0, 0))


def get(db: Database, user: User, label_set_id: int) -> LabelSet:
    with db.read() as conn:
        row = access.label_set_row(conn, user, label_set_id)
        return _record(row, _counts(conn, [label_set_id]).get(label_set_id, (0, 0)))


def list_label_sets(
    db: Database,
    user: User,
    dataset_id: int,
    *,
    name: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page[LabelSet]:
    check_limit(limit)
    query = (
        select(label_sets)
        .where(label_sets.c.dataset_id == dataset_id, label_sets.c.id > decode_cursor(cursor))
        .order_by(label_sets.c.id)
        .limit(limit + 1)
    )
    if name is not None:
        query = query.where(label_sets.c.name == name)
    with db.read() as conn:
        access.dataset_row(conn, user, dataset_id)
        page = page_of(conn.execute(query).all(), limit, lambda r: int(r.id))
        counts = _counts(conn, [r.id for r in page.items])
    return Page([_record(r, counts.get(r.id, (0, 0))) for r in page.items], page.next_cursor)


_UPDATABLE = ("name", "description", "model_name", "model_version", "class_mapping")


def update_label_set(db: Database, user: User, label_set_id: int, changes: dict[str, Any]) -> LabelSet:
    unknown = sorted(set(changes) - set(_UPDATABLE))
    if unknown:
        raise Invalid.field(unknown[0], f"cannot be changed (changeable: {list(_UPDATABLE)})")
    values = dict(changes)
    if "class_mapping" in values:
        values["class_mapping"] = _check_mapping(values["class_mapping"])
    if "name" in values and (not isinstance(values["name"], str) or not values["name"].strip()):
        raise Invalid.field("name", "must be a non-empty string")
    with db.write() as conn:
        access.label_set_row(conn, user, label_set_id)
        if values:
            try:
                with conn.begin_nested():
                    conn.execute(update(label_sets).where(label_sets.c.id == label_set_id).values(**values))
            except IntegrityError as exc:
                if is_unique_violation(exc):
                    raise Conflict(
                        f"a label set named {values.get('name')!r} exists in this dataset"
                    ) from None
                raise
        row = access.label_set_row(conn, user, label_set_id)
        return _record(row, _counts(conn, [label_set_id]).get(label_set_id, (0, 0)))


def delete_label_set(db: Database, user: User, label_set_id: int) -> None:
    with db.write() as conn:
        access.label_set_row(conn, user, label_set_id)
        # Objects first: one indexed range delete, rather than a cascade fired per label row.
        conn.execute(delete(objects).where(objects.c.label_set_id == label_set_id))
        conn.execute(delete(label_sets).where(label_sets.c.id == label_set_id))
