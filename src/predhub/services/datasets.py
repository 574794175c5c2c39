"""Datasets: a name, a media type and an ontology, inside a workspace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from predhub.core.ontology import ClassificationSpec, Ontology
from predhub.services import access
from predhub.services.auth import User, workspace_ids
from predhub.services.common import is_unique_violation, iso
from predhub.services.errors import Conflict, Invalid
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store.db import Database, Record
from predhub.store.schema import datasets, samples

__all__ = [
    "MEDIA_TYPES",
    "Dataset",
    "create",
    "delete_dataset",
    "get",
    "list_datasets",
    "ontology_of",
    "parse_ontology",
    "update_dataset",
]

MEDIA_TYPES = ("image",)  # video and multi-camera scenes come later, as new media types


@dataclass(frozen=True, slots=True)
class Dataset:
    id: int
    name: str
    description: str
    media_type: str
    ontology: dict[str, Any]
    workspace_id: int
    created_at: str | None
    sample_count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "media_type": self.media_type,
            "ontology": self.ontology,
            "workspace_id": self.workspace_id,
            "created_at": self.created_at,
            "sample_count": self.sample_count,
        }


def parse_ontology(data: Any) -> Ontology:
    """The ontology a request gives, or :class:`Invalid` naming the field inside ``ontology``."""
    if not isinstance(data, dict):
        raise Invalid.field("ontology", "must be an object with 'objects' and 'classifications'")
    try:
        return Ontology.from_dict(data)
    except ValueError as exc:
        path, _, message = str(exc).partition(": ")
        if not message:
            path, message = "", str(exc)
        raise Invalid.field(f"ontology.{path}" if path else "ontology", message) from None
    except (TypeError, AttributeError, KeyError) as exc:
        raise Invalid.field("ontology", f"malformed ({exc})") from None


def _record(row: Record, sample_count: int) -> Dataset:
    return Dataset(
        id=row.id,
        name=row.name,
        description=row.description,
        media_type=row.media_type,
        ontology=row.ontology,
        workspace_id=row.workspace_id,
        created_at=iso(row.created_at),
        sample_count=sample_count,
    )


def _count(conn: Connection, dataset_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(samples).where(samples.c.dataset_id == dataset_id)
        ).scalar_one()
    )


def create(
    conn: Connection,
    user: User,
    name: str,
    ontology: dict[str, Any] | None = None,
    description: str = "",
    media_type: str = "image",
    workspace_id: int | None = None,
) -> Dataset:
    """Create inside the caller's write transaction (so an idempotency record can share it)."""
    if not name.strip():
        raise Invalid.field("name", "must be a non-empty string")
    if media_type not in MEDIA_TYPES:
        raise Invalid.field("media_type", f"must be one of {list(MEDIA_TYPES)}")
    onto = parse_ontology(ontology if ontology is not None else {"objects": [], "classifications": []})
    mine = workspace_ids(conn, user)
    if workspace_id is None:
        if not mine:
            raise Invalid.field("workspace_id", "you are not a member of any workspace")
        workspace_id = mine[0]
    elif workspace_id not in mine:
        raise Invalid.field("workspace_id", f"no workspace {workspace_id} of yours")
    exists = conn.execute(
        select(datasets.c.id).where(datasets.c.workspace_id == workspace_id, datasets.c.name == name)
    ).first()
    if exists is not None:
        raise Conflict(f"a dataset named {name!r} exists in this workspace (id {exists.id})")
    try:
        with conn.begin_nested():
            dataset_id = conn.execute(
                insert(datasets)
                .values(
                    workspace_id=workspace_id,
                    name=name,
                    description=description,
                    media_type=media_type,
                    ontology=onto.to_dict(),
                )
                .returning(datasets.c.id)
            ).scalar_one()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(f"a dataset named {name!r} exists in this workspace") from None
        raise
    return _record(access.dataset_row(conn, user, dataset_id), 0)


def get(db: Database, user: User, dataset_id: int) -> Dataset:
    with db.read() as conn:
        row = access.dataset_row(conn, user, dataset_id)
        return _record(row, _count(conn, dataset_id))


def list_datasets(
    db: Database, user: User, *, name: str | None = None, limit: int = 100, cursor: str | None = None
) -> Page[Dataset]:
    check_limit(limit)
    query = (
        select(datasets)
        .where(datasets.c.workspace_id.in_(access.member_of(user)), datasets.c.id > decode_cursor(cursor))
        .order_by(datasets.c.id)
        .limit(limit + 1)
    )
    if name is not None:
        query = query.where(datasets.c.name == name)
    with db.read() as conn:
        rows = conn.execute(query).all()
        page = page_of(rows, limit, lambda r: int(r.id))
        counts: dict[int, int] = dict(
            conn.execute(
                select(samples.c.dataset_id, func.count())
                .where(samples.c.dataset_id.in_([r.id for r in page.items]))
                .group_by(samples.c.dataset_id)
            ).all()
        )
    return Page([_record(r, int(counts.get(r.id, 0))) for r in page.items], page.next_cursor)


def _check_extends(
    old: tuple[ClassificationSpec, ...], new: tuple[ClassificationSpec, ...], path: str
) -> None:
    by_name = {s.name: s for s in new}
    for spec in old:
        now = by_name.get(spec.name)
        if now is None:
            raise Invalid.field(path, f"classification {spec.name!r} may not be removed")
        if now.kind is not spec.kind:
            raise Invalid.field(path, f"classification {spec.name!r} may not change kind")
        options = {o.name: o for o in now.options}
        for option in spec.options:
            if option.name not in options:
                raise Invalid.field(path, f"option {option.name!r} of {spec.name!r} may not be removed")
            _check_extends(option.classifications, options[option.name].classifications, path)


def update_dataset(
    db: Database,
    user: User,
    dataset_id: int,
    *,
    description: str | None = None,
    ontology: dict[str, Any] | None = None,
    name: str | None = None,
) -> Dataset:
    """Change the description or name, or extend the ontology (classes and options may only be added:
    stored labels must stay valid)."""
    values: dict[str, Any] = {}
    with db.write() as conn:
        row = access.dataset_row(conn, user, dataset_id)
        if description is not None:
            values["description"] = description
        if name is not None:
            if not name.strip():
                raise Invalid.field("name", "must be a non-empty string")
            values["name"] = name
        if ontology is not None:
            old, new = Ontology.from_dict(row.ontology), parse_ontology(ontology)
            for cls in old.objects:
                now = new.object_class(cls.name)
                if now is None:
                    raise Invalid.field("ontology.objects", f"class {cls.name!r} may not be removed")
                if now.kind is not cls.kind:
                    raise Invalid.field("ontology.objects", f"class {cls.name!r} may not change kind")
                _check_extends(cls.classifications, now.classifications, "ontology.objects")
            _check_extends(old.classifications, new.classifications, "ontology.classifications")
            values["ontology"] = new.to_dict()
        if values:
            values["updated_at"] = func.now()
            try:
                with conn.begin_nested():
                    conn.execute(update(datasets).where(datasets.c.id == dataset_id).values(**values))
            except IntegrityError as exc:
                if is_unique_violation(exc):
                    raise Conflict(f"a dataset named {name!r} exists in this workspace") from None
                raise
        return _record(access.dataset_row(conn, user, dataset_id), _count(conn, dataset_id))


def delete_dataset(db: Database, user: User, dataset_id: int) -> None:
    with db.write() as conn:
        access.dataset_row(conn, user, dataset_id)
        conn.execute(delete(datasets).where(datasets.c.id == dataset_id))


# Parsed ontologies by dataset id, reused while the stored JSON is unchanged (the hot ingest path
# must not re-parse the ontology for every chunk).
_ontologies: dict[int, tuple[dict[str, Any], Ontology]] = {}


def ontology_of(conn: Connection, user: User, dataset_id: int) -> tuple[Record, Ontology]:
    """The dataset row and its parsed ontology."""
    row = access.dataset_row(conn, user, dataset_id)
    cached = _ontologies.get(dataset_id)
    if cached is not None and cached[0] == row.ontology:
        return row, cached[1]
    if len(_ontologies) > 256:
        _ontologies.clear()
    onto = Ontology.from_dict(row.ontology)
    _ontologies[dataset_id] = (row.ontology, onto)
    return row, onto
