"""What an export reads: a label set, page by page in label id order, as neutral labels and runs of
plain boxes.

Runs of labels made only of plain boxes (a detector's output) are read as columns
(:mod:`predhub.store.export_pages`) and handed on as a :class:`~predhub.core.box_run.BoxRun`, which
formats with a bulk writer turn into records in one pass; every other label is read whole, in the
same order. :func:`labels_whole` reads every label whole: the reference the columnar path is tested
against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import Connection

from predhub.core import Box, Label, Object
from predhub.core.box_run import BoxRun
from predhub.core.serde import label_from_dict
from predhub.services.labels import label_query, read_labels
from predhub.store.db import Database
from predhub.store.export_pages import LAST_ID, ExportPage, read_export_page
from predhub.store.schema import labels

__all__ = ["BATCH", "items", "items_between", "labels_whole"]

BATCH = 200  # labels read per query by labels_whole: a few tens of thousands of objects at most


def items(db: Database, label_set_id: int, *, ids: bool = True) -> Iterator[Label | BoxRun]:
    """The label set in label id order: runs of plain-box labels as columns, other labels whole.
    Without ``ids`` the runs' object ids are not read (None)."""
    # One read transaction for the whole export: a consistent snapshot, and one connection's page
    # cache. A transaction per page takes connections from the pool in turn (FIFO), and each can
    # fill its own cache (up to 64 MiB on SQLite) with the label set.
    with db.read(snapshot=True) as conn:
        yield from items_between(conn, label_set_id, 0, LAST_ID, ids=ids)


def items_between(
    conn: Connection, label_set_id: int, after: int, upto: int, *, ids: bool = True
) -> Iterator[Label | BoxRun]:
    """:func:`items` for the labels with ids in ``(after, upto]``, in ``conn``'s transaction."""
    while (page := read_export_page(conn, label_set_id, after, upto=upto, ids=ids)) is not None:
        after = page.last_id
        yield from _split(conn, label_set_id, page)


def _split(conn: Connection, label_set_id: int, page: ExportPage) -> list[Label | BoxRun]:
    """A page as runs of plain-box labels (sliced from the page's columns) and, between them, the
    labels that are not plain, read whole by :func:`read_labels`; in the page's order."""
    if page.objects:
        label_ids, classes, x0, y0, x1, y1, confidence, ids, plain = zip(*page.objects, strict=True)
    else:
        label_ids = classes = x0 = y0 = x1 = y1 = confidence = ids = plain = ()
    # One (5, n) array: each row a contiguous column, sliced per run without a copy.
    numbers = np.array([x0, y0, x1, y1, confidence], dtype=np.float64).reshape(5, len(label_ids))
    counts = Counter(label_ids)
    whole = {row[0] for row in page.labels if not row[4]}
    if not all(plain):
        whole.update(lid for lid, p in zip(label_ids, plain, strict=True) if not p)
    read = _read_whole(conn, label_set_id, whole) if whole else {}
    out: list[Label | BoxRun] = []
    first = start = 0  # the run's first label, and its first object

    def run(end_label: int, end: int) -> None:
        if end_label > first:
            rows = page.labels[first:end_label]
            corners = numbers[:, start:end]
            out.append(
                BoxRun(
                    keys=[r[2] for r in rows],
                    statuses=[r[3] for r in rows],
                    counts=[counts.get(r[0], 0) for r in rows],
                    classes=classes[start:end],
                    x0=corners[0],
                    y0=corners[1],
                    x1=corners[2],
                    y1=corners[3],
                    confidence=corners[4],
                    ids=ids[start:end],
                )
            )

    if not whole:
        run(len(page.labels), len(label_ids))
        return out
    offset = 0
    for index, row in enumerate(page.labels):
        n = counts.get(row[0], 0)
        if row[0] in whole:
            run(index, offset)
            out.append(read[row[0]])
            first, start = index + 1, offset + n
        offset += n
    run(len(page.labels), offset)
    return out


def _read_whole(conn: Connection, label_set_id: int, label_ids: set[int]) -> dict[int, Label]:
    rows = list(conn.execute(label_query(label_set_id).where(labels.c.id.in_(sorted(label_ids)))))
    records = read_labels(conn, label_set_id, rows)
    return {row.id: _label(record) for row, record in zip(rows, records, strict=True)}


def labels_whole(db: Database, label_set_id: int) -> Iterator[Label]:
    """Every label read whole, :data:`BATCH` at a time (the columnar path's reference)."""
    last = 0
    with db.read(snapshot=True) as conn:  # one snapshot and one page cache, as in items
        while True:
            rows = conn.execute(
                label_query(label_set_id).where(labels.c.id > last).order_by(labels.c.id).limit(BATCH)
            ).all()
            if not rows:
                return
            wire = read_labels(conn, label_set_id, list(rows))
            last = rows[-1].id
            for record in wire:
                yield _label(record)


_PLAIN_BOX = frozenset({"class", "box", "confidence", "id"})


def _label(record: dict[str, Any]) -> Label:
    """A stored label to the neutral model. The store's rows were validated on the way in, so plain
    boxes (most of a detector's output) are built directly; anything else goes through the core's
    parser, which knows every geometry."""
    objects = record["objects"]
    if not all(_PLAIN_BOX.issuperset(o) and "box" in o for o in objects):
        return label_from_dict(record)
    label = label_from_dict({**record, "objects": []})
    label.objects = [
        Object(o["class"], Box(*o["box"]), o.get("confidence", 1.0), id=o.get("id")) for o in objects
    ]
    return label
