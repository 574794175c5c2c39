"""Keeps ``label_class_stats`` and ``labels.max_confidence`` in step with ``objects``.

Every service that writes objects calls :func:`refresh_label_stats` for the labels it touched, inside
the same transaction, so the derived rows are never stale and never half-written.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, delete, func, select, update

from predhub.store.schema import label_class_stats, labels, objects

__all__ = ["refresh_label_stats"]

# Stay well under SQLite's bound-parameter limit (32766) per statement.
_BATCH = 5000


def refresh_label_stats(conn: Connection, label_set_id: int, sample_ids: Iterable[int]) -> None:
    """Recompute the stats of the labels of ``label_set_id`` on ``sample_ids``."""
    ids = sorted(set(sample_ids))
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        in_batch = and_(
            label_class_stats.c.label_set_id == label_set_id, label_class_stats.c.sample_id.in_(batch)
        )
        conn.execute(delete(label_class_stats).where(in_batch))
        grouped = (
            select(
                objects.c.label_set_id,
                objects.c.sample_id,
                objects.c["class"],
                func.count(),
                func.max(objects.c.confidence),
            )
            .where(objects.c.label_set_id == label_set_id, objects.c.sample_id.in_(batch))
            .group_by(objects.c.label_set_id, objects.c.sample_id, objects.c["class"])
        )
        conn.execute(
            label_class_stats.insert().from_select(
                ["label_set_id", "sample_id", "class", "count", "max_confidence"], grouped
            )
        )
        best = (
            select(func.max(label_class_stats.c.max_confidence))
            .where(
                label_class_stats.c.label_set_id == labels.c.label_set_id,
                label_class_stats.c.sample_id == labels.c.sample_id,
            )
            .scalar_subquery()
        )
        conn.execute(
            update(labels)
            .where(labels.c.label_set_id == label_set_id, labels.c.sample_id.in_(batch))
            .values(max_confidence=best)
        )
