"""Every object hangs off a label, on both stores (SQLite: a foreign key; PostgreSQL: statement-level
triggers, migration 0009): an object without its label is refused, whether inserted in bulk or one at
a time, deleting a label deletes its objects, and a label with objects keeps its keys."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from predhub.store.bulk import insert_rows
from predhub.store.db import Database
from predhub.store.schema import datasets, label_sets, labels, objects

COLUMNS = ("label_set_id", "sample_id", "position", "class", "x0", "y0", "x1", "y1", "confidence", "area")


def _label_set(db: Database) -> int:
    with db.write() as conn:
        conn.execute(text("INSERT INTO workspaces (name) VALUES ('w')"))
        workspace = conn.execute(text("SELECT id FROM workspaces WHERE name = 'w'")).scalar_one()
        dataset = conn.execute(
            insert(datasets).values(workspace_id=workspace, name="d", ontology={}).returning(datasets.c.id)
        ).scalar_one()
        for key in ("a", "b", "c"):
            conn.execute(
                text("INSERT INTO samples (dataset_id, key) VALUES (:d, :k)"), {"d": dataset, "k": key}
            )
        label_set: int = conn.execute(
            insert(label_sets)
            .values(dataset_id=dataset, name="p", kind="predictions")
            .returning(label_sets.c.id)
        ).scalar_one()
        sample_ids = conn.execute(text("SELECT id FROM samples ORDER BY key")).scalars().all()
        for sample in sample_ids[:2]:
            conn.execute(
                insert(labels).values(label_set_id=label_set, sample_id=sample, status="x", object_count=2)
            )
    return label_set


def _samples(db: Database) -> list[int]:
    with db.read() as conn:
        return list(conn.execute(text("SELECT id FROM samples ORDER BY key")).scalars())


def _box(label_set: int, sample: int, position: int) -> tuple[object, ...]:
    return (label_set, sample, position, "car", 0.0, 0.0, 1.0, 1.0, 1.0, 1.0)


def _count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(objects)).scalar_one())


def test_objects_without_their_label_are_refused_in_bulk_and_one_by_one(db: Database) -> None:
    label_set = _label_set(db)
    a, b, c = _samples(db)
    with db.write() as conn:
        insert_rows(conn, "objects", COLUMNS, [_box(label_set, a, 0), _box(label_set, b, 0)])
    assert _count(db) == 2
    # The bulk path runs on the driver's connection: its own IntegrityError, not SQLAlchemy's.
    with pytest.raises(Exception, match=r"(?i)foreign key|fk_objects_label"), db.write() as conn:
        insert_rows(conn, "objects", COLUMNS, [_box(label_set, a, 1), _box(label_set, c, 0)])  # c: no label
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(insert(objects).values(dict(zip(COLUMNS, _box(label_set, c, 0), strict=True))))
    with pytest.raises(IntegrityError), db.write() as conn:  # moved onto a sample without a label
        conn.execute(update(objects).where(objects.c.sample_id == a).values(sample_id=c))
    assert _count(db) == 2  # nothing of the refused statements stayed


def test_deleting_labels_deletes_their_objects(db: Database) -> None:
    label_set = _label_set(db)
    a, b, _ = _samples(db)
    with db.write() as conn:
        insert_rows(conn, "objects", COLUMNS, [_box(label_set, s, p) for s in (a, b) for p in range(3)])
    with db.write() as conn:
        conn.execute(delete(labels).where(labels.c.sample_id == a))
    with db.read() as conn:
        assert set(conn.execute(select(objects.c.sample_id)).scalars()) == {b}
    with db.write() as conn:  # through the label set's own cascade to its labels
        conn.execute(delete(label_sets).where(label_sets.c.id == label_set))
    assert _count(db) == 0


def test_a_label_with_objects_keeps_its_keys(db: Database) -> None:
    label_set = _label_set(db)
    a, _, c = _samples(db)
    with db.write() as conn:
        insert_rows(conn, "objects", COLUMNS, [_box(label_set, a, 0)])
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(update(labels).where(labels.c.sample_id == a).values(sample_id=c))
    with db.write() as conn:  # other columns change freely
        conn.execute(update(labels).where(labels.c.sample_id == a).values(status="reviewed"))
