"""A label set read back a page at a time for exports: label rows and their objects' numeric columns.

An export of a million boxes reads a million object rows. Through SQLAlchemy's result processing each
row costs a few microseconds, more than writing the record; here the two queries of a page run on the
raw DBAPI cursor (as :mod:`predhub.store.bulk` does for inserts) and hand back plain tuples. Each
object row says whether it is a plain box (an unrotated box, no classifications or attributes)
and each label whether it has neither a score nor classifications, so that the caller can send plain
labels down a columnar path and the rest through the per-label reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

__all__ = ["LAST_ID", "ExportPage", "read_export_page"]

# Labels asked for per page, and the objects a page stops at (the label that crosses it is kept):
# a page holds a few megabytes of rows whatever the label set's size.
PAGE_LABELS = 1000
PAGE_OBJECTS = 20_000
LAST_ID = 2**62  # above every id: no upper bound


@dataclass(frozen=True, slots=True)
class ExportPage:
    """``labels``: ``(id, sample_id, key, status, plain)`` in id order. ``objects``: per object, label
    after label in position order, ``(label_id, class, x0, y0, x1, y1, confidence, external_id,
    plain)``. ``plain`` is truthy (1 or True, by driver) when the row needs no other column."""

    labels: list[tuple[Any, ...]]
    objects: list[tuple[Any, ...]]

    @property
    def last_id(self) -> int:
        return int(self.labels[-1][0])


_LABELS_SQL = """
SELECT l.id, l.sample_id, s.key, l.status,
       CASE WHEN l.score IS NULL AND l.classifications IS NULL THEN 1 ELSE 0 END,
       l.object_count
FROM labels l JOIN samples s ON s.id = l.sample_id
WHERE l.label_set_id = {p} AND l.id > {p} AND l.id <= {p}
ORDER BY l.id
LIMIT {p}
"""

# A box's points, holes and mask are never read (services.labels reads a box from x0..y1), so a
# plain box is only: kind box, unrotated, no classifications, no attributes.
#
# Both queries walk the label set's labels in id order through the (label_set_id, id) index, from
# the page's first id, with no sort. CROSS JOIN makes SQLite take labels as the outer loop and each
# label's objects through the (label_set_id, sample_id, position) index, so the rows come in export
# order.
_OBJECTS_SQL = """
SELECT l.id, o.class, o.x0, o.y0, o.x1, o.y1, o.confidence, {external_id},
       o.kind = 'box' AND o.rotation = 0 AND coalesce(o.classifications, o.attributes) IS NULL
FROM labels l CROSS JOIN objects o
WHERE o.label_set_id = l.label_set_id AND o.sample_id = l.sample_id
  AND l.label_set_id = {p} AND l.id > {p} AND l.id <= {p}
ORDER BY l.id, o.position
"""


def read_export_page(
    conn: Connection, label_set_id: int, after: int, *, upto: int = LAST_ID, ids: bool = True
) -> ExportPage | None:
    """The labels of ``label_set_id`` with ids above ``after`` and at most ``upto`` (as many as fit
    a page) and their objects; None when there are none left. Without ``ids`` every object's
    external id reads None (a million of them cost a third of the read, for writers that do not
    write them)."""
    p = "?" if conn.dialect.name == "sqlite" else "%s"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_LABELS_SQL.format(p=p), (label_set_id, after, upto, PAGE_LABELS))
        rows = cursor.fetchall()
        if not rows:
            return None
        # object_count only sizes the page: the objects themselves are read below.
        total, end = 0, len(rows)
        for index, row in enumerate(rows):
            total += row[5] or 0
            if total >= PAGE_OBJECTS:
                end = index + 1
                break
        page_labels = [row[:5] for row in rows[:end]]
        sql = _OBJECTS_SQL.format(p=p, external_id="o.external_id" if ids else "NULL")
        cursor.execute(sql, (label_set_id, after, page_labels[-1][0]))
        return ExportPage(page_labels, list(cursor.fetchall()))
    finally:
        cursor.close()
