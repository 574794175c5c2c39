"""Exporting a label set in any registered format, to a file, streaming from the database.

The label set is read a page at a time (:mod:`predhub.services.export_items`: runs of plain-box labels
as columns, other labels whole), so memory stays bounded by a page; formats with a bulk writer (COCO
results, Labelbox) turn the runs into records in one pass, and a large label set in such a format is
written in parts by worker processes (:mod:`predhub.services.export_parts`). Per-sample formats
(Supervisely, YOLO, VOC) are written as a folder and handed out zipped. What the format could not
carry is counted in the :class:`~predhub.formats.ExportReport`.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from predhub.core import Label, Ontology
from predhub.core.box_run import BoxRun
from predhub.formats import ExportOptions, ExportReport, Framing, export_file, get_format
from predhub.formats.io import bulk_writer
from predhub.formats.registry import UnknownFormat
from predhub.services import access, datasets, export_items, export_parts
from predhub.services.auth import User
from predhub.services.errors import Invalid
from predhub.store.db import Database
from predhub.store.schema import samples

__all__ = ["export_label_set", "media_type"]


def media_type(format: str) -> str:
    fmt = get_format(format)
    if fmt.framing is Framing.PER_SAMPLE:
        return "application/zip"
    return "application/x-ndjson" if fmt.framing is Framing.NDJSON else "application/json"


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
        stream: Iterable[Label | BoxRun] = export_items.items(db, label_set_id, ids=ids)
    else:
        stream = export_items.labels_whole(db, label_set_id)
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
