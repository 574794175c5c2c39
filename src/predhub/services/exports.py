"""Exporting a label set in any registered format, to a file, streaming from the database.

Labels are read in keyset-paginated pages, so memory stays bounded by a page. Runs of labels made
only of plain boxes (a detector's output) are read as columns (:mod:`predhub.store.export_pages`) and
handed to the format as a :class:`~predhub.core.box_run.BoxRun`, which formats with a bulk writer
(COCO results, Labelbox) turn into records in one pass; every other label is read whole and converted
one at a time, in the same order. Per-sample formats (Supervisely, YOLO, VOC) are written as a
folder and handed out zipped.
What the format could not carry is counted in the :class:`~predhub.formats.ExportReport`.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, select

from predhub.core import Box, Label, Object, Ontology
from predhub.core.box_run import BoxRun
from predhub.core.serde import label_from_dict
from predhub.formats import ExportOptions, ExportReport, Framing, export_file, get_format
from predhub.formats.io import bulk_writer
from predhub.formats.registry import UnknownFormat
from predhub.services import access, datasets, export_parts
from predhub.services.auth import User
from predhub.services.errors import Invalid
from predhub.services.labels import label_query, read_labels
from predhub.store.db import Database
from predhub.store.export_pages import LAST_ID, ExportPage, read_export_page
from predhub.store.schema import labels, samples

__all__ = ["BATCH", "export_label_set", "media_type"]

BATCH = 200  # labels read per query: a few tens of thousands of objects in memory at most


def media_type(format: str) -> str:
    fmt = get_format(format)
    if fmt.framing is Framing.PER_SAMPLE:
        return "application/zip"
    return "application/x-ndjson" if fmt.framing is Framing.NDJSON else "application/json"


def _items(db: Database, label_set_id: int, *, ids: bool = True) -> Iterator[Label | BoxRun]:
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
    """:func:`_items` for the labels with ids in ``(after, upto]``, in ``conn``'s transaction."""
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


def _labels(db: Database, label_set_id: int) -> Iterator[Label]:
    last = 0
    with db.read() as conn:  # one snapshot and one page cache, as in _items
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


def _context(
    conn: Connection, user: User, label_set_id: int
) -> tuple[Any, Ontology, dict[str, tuple[int, int]]]:
    label_set = access.label_set_row(conn, user, label_set_id)
    _, ontology = datasets.ontology_of(conn, user, label_set.dataset_id)
    sizes = {
        row.key: (row.width, row.height)
        for row in conn.execute(
            select(samples.c.key, samples.c.width, samples.c.height).where(
                samples.c.dataset_id == label_set.dataset_id, samples.c.width.is_not(None)
            )
        )
    }
    return label_set, ontology, sizes


def export_label_set(
    db: Database,
    user: User,
    label_set_id: int,
    format: str,
    out: Path,
    options: Mapping[str, Any] | None = None,
    *,
    columnar: bool = True,
    processes: int | None = None,
) -> ExportReport:
    """Write the label set to ``out`` (a file; per-sample formats as a zip) and say what was lost.

    ``columnar=False`` reads every label whole, one page of :data:`BATCH` at a time (the reference
    the columnar path is tested against). ``processes``: how many processes may write a large
    export in parts (:mod:`~predhub.services.export_parts`; None: one per CPU, up to four)."""
    processes = export_parts.default_processes() if processes is None else processes
    try:
        fmt = get_format(format)
    except UnknownFormat as exc:
        raise Invalid.field("format", str(exc)) from exc
    extra = dict(options or {})
    with db.read() as conn:
        label_set, ontology, sizes = _context(conn, user, label_set_id)
    categories = extra.get("categories")
    export_options = ExportOptions(
        ontology=ontology,
        categories={int(k): str(v) for k, v in categories.items()}
        if categories
        else _categories(format, ontology),
        image_ids=extra.get("image_ids"),
        sizes=sizes,
        model_version=label_set.model_version,
        ground_truth=label_set.kind == "ground_truth"
        if "ground_truth" not in extra
        else bool(extra["ground_truth"]),
        stream=str(extra.get("stream", "CAM")),
    )
    report = ExportReport(format)
    writer = bulk_writer(fmt, export_options)
    # Object ids are read for every writer but a bulk one that does not write them.
    ids = writer is None or fmt.export_boxes_ids
    if columnar:
        stream: Iterable[Label | BoxRun] = _items(db, label_set_id, ids=ids)
    else:
        stream = _labels(db, label_set_id)
    if fmt.framing is not Framing.PER_SAMPLE:
        folder = Path(tempfile.mkdtemp(prefix="export-", dir=out.parent))
        try:
            target = folder / "labels"
            # Bulk-written formats, when large, are written in parts by several processes.
            in_parts = columnar and writer is not None
            if not (
                in_parts
                and export_parts.write_in_parts(
                    db, label_set_id, fmt, export_options, target, report, ids=ids, processes=processes
                )
            ):
                export_file(fmt, stream, export_options, target, report)
            if report.assets:
                # Masks the records refer to travel with them: records and PNGs zipped together.
                _zip(folder, out)
            else:
                (folder / "labels").replace(out)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return report
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=out.parent))
    try:
        export_file(fmt, stream, export_options, folder, report)
        _zip(folder, out)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def _categories(format: str, ontology: Ontology) -> dict[int, str] | None:
    if format not in ("coco", "segments", "yolo"):
        return None
    start = 0 if format == "yolo" else 1
    return {i + start: name for i, name in enumerate(ontology.class_names)}


def _zip(folder: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
