"""Reading files as streams of records, and writing exports, with memory bounded by one record.

- NDJSON is read line by line. A line that is not JSON but a Python literal (a payload pasted from
  Labelbox's docs, with tuples) is read with :func:`ast.literal_eval` and a warning.
- A JSON array (COCO results, Label Studio tasks) is streamed item by item with ijson's C backend,
  never loaded whole; a file starting with ``{`` is NDJSON, or one document when it spans lines.
- A COCO dataset is read in passes: ``images`` and ``categories`` first (they become the import's
  image ids, sizes and class ids), then ``annotations`` streamed.
- Per-sample formats (Supervisely, YOLO, VOC) are a directory of files, one per sample.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol

import ijson
import orjson

from predhub.core import Label
from predhub.core.box_run import BoxRun
from predhub.formats.base import ExportOptions, ExportReport, Format, Framing, ImportOptions, Record

__all__ = [
    "Exportable",
    "export_file",
    "export_labels",
    "iter_json",
    "iter_json_array",
    "iter_ndjson",
    "iter_per_sample",
    "open_records",
    "read_coco_header",
]

# A line this long is not re-read as a Python literal: literal_eval's cost grows with it.
_MAX_LITERAL_LINE = 1 << 20


def iter_ndjson(stream: IO[bytes]) -> Iterator[Record]:
    """One record per non-blank line; ``index`` is the 0-based line number."""
    for index, line in enumerate(stream):
        if not line.strip():
            continue
        try:
            yield Record(index, orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            yield _lenient(index, line, exc)


def _lenient(index: int, line: bytes, exc: orjson.JSONDecodeError) -> Record:
    if len(line) <= _MAX_LITERAL_LINE:
        try:
            value = ast.literal_eval(line.decode("utf-8"))
        except (ValueError, SyntaxError, UnicodeDecodeError, RecursionError, MemoryError):
            value = None
        if isinstance(value, dict):
            return Record(index, value, warning="not JSON: read as a Python literal (tuples, quotes)")
    return Record(index, None, error=f"invalid JSON: {exc}")


def iter_json_array(stream: IO[bytes], prefix: str = "item") -> Iterator[Record]:
    """Items of a JSON array (or of the array at ``prefix``), one at a time.

    A top-level array is cut into runs of whole items parsed by orjson (a few times faster than an
    event parser); any doubt, and every other prefix, goes to ijson, which also locates errors.
    """
    if prefix == "item" and _first_byte(stream) == b"[":
        yield from _iter_array_chunks(stream)
        return
    yield from _iter_ijson(stream, prefix)


class _Readable(Protocol):
    def read(self, n: int = -1, /) -> bytes: ...


def _iter_ijson(stream: _Readable, prefix: str, start: int = 0) -> Iterator[Record]:
    count = start
    try:
        for item in ijson.items(stream, prefix, use_float=True):
            yield Record(count, item)
            count += 1
    except ijson.JSONError as exc:
        # A broken array cannot be resynchronised: report at the item that failed and stop.
        yield Record(count, None, error=f"invalid JSON: {exc}")


_CHUNK = 1 << 18  # bytes per read: the items of one run are what is held at once
_MAX_PENDING = 64 << 20  # an item this large is left to ijson
_NEXT_ITEM = re.compile(rb"\s*,\s*\{")


def _iter_array_chunks(stream: IO[bytes]) -> Iterator[Record]:
    """Cut the array after a ``}`` followed by ``, {`` and parse the run before it with orjson.

    A cut inside a string or inside a nested value leaves an unterminated string or unbalanced
    brackets, so orjson refuses it; a run that parses is therefore exactly a sequence of whole items,
    and the next item starts at the ``{``. Refused cuts are retried further back, then with more data.
    """
    head = stream.read(_CHUNK)
    start = head.index(b"[") + 1
    buf = bytearray(head[start:])
    count = 0
    eof = False
    while True:
        if not eof:
            chunk = stream.read(_CHUNK)
            eof = not chunk
            buf += chunk
        if eof:
            body = bytes(buf).rstrip()
            items = _loads_run(body[:-1]) if body.endswith(b"]") else None
            if items is None:
                yield from _iter_ijson(_Joined(b"[" + bytes(buf), stream), "item", count)
                return
            for item in items:
                yield Record(count, item)
                count += 1
            return
        cut = len(buf)
        for _ in range(4):
            cut = buf.rfind(b"}", 0, cut)
            match = _NEXT_ITEM.match(buf, cut + 1) if cut >= 0 else None
            if cut < 0:
                break
            if match is None:
                continue
            items = _loads_run(bytes(buf[: cut + 1]))
            if items is not None:
                for item in items:
                    yield Record(count, item)
                    count += 1
                del buf[: match.end() - 1]
                break
        if len(buf) > _MAX_PENDING:
            yield from _iter_ijson(_Joined(b"[" + bytes(buf), stream), "item", count)
            return


def _loads_run(run: bytes) -> list[Any] | None:
    run = run.strip()
    if not run:
        return []
    try:
        items = orjson.loads(b"[" + run + b"]")
    except orjson.JSONDecodeError:
        return None
    return items if isinstance(items, list) else None


class _Joined:
    """A read()-able of some bytes followed by the rest of a stream (to hand a remainder to ijson)."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self._first = first
        self._rest = rest

    def read(self, n: int = -1) -> bytes:
        if self._first:
            out, self._first = (
                (self._first, b"") if n < 0 or n >= len(self._first) else (self._first[:n], self._first[n:])
            )
            return out
        return self._rest.read(n)


def _first_byte(stream: IO[bytes]) -> bytes:
    start = stream.tell()
    while True:
        chunk = stream.read(4096)
        if not chunk:
            stream.seek(start)
            return b""
        stripped = chunk.lstrip()
        if stripped:
            stream.seek(start)
            return stripped[:1]


def iter_json(stream: IO[bytes]) -> Iterator[Record]:
    """A JSON array of records, NDJSON, or a single JSON document (one record). Needs a seekable stream."""
    first = _first_byte(stream)
    if first == b"[":
        yield from iter_json_array(stream)
        return
    start = stream.tell()
    line = stream.readline()
    stream.seek(start)
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        # Not one document per line: a single (pretty-printed) document.
        yield from iter_json_array(stream, "")
        return
    yield from iter_ndjson(stream)


def read_coco_header(stream: IO[bytes]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """``(images, categories)`` of a COCO dataset file, or None for a results array."""
    if _first_byte(stream) != b"{":
        return None
    start = stream.tell()
    images = list(ijson.items(stream, "images.item", use_float=True))
    stream.seek(start)
    categories = list(ijson.items(stream, "categories.item", use_float=True))
    stream.seek(start)
    return images, categories


def coco_options(
    options: ImportOptions, images: list[dict[str, Any]], categories: list[dict[str, Any]]
) -> ImportOptions:
    """The import options a COCO dataset's header implies; what the caller gave wins."""
    image_ids = {img["id"]: str(img.get("file_name", img["id"])) for img in images if "id" in img}
    sizes = {
        str(img.get("file_name", img["id"])): (int(img["width"]), int(img["height"]))
        for img in images
        if "width" in img and "height" in img
    }
    cats = {int(c["id"]): str(c["name"]) for c in categories if "id" in c and "name" in c}
    return dataclasses.replace(
        options,
        image_ids=options.image_ids or image_ids,
        sizes={**sizes, **(options.sizes or {})},
        categories=options.categories or cats,
    )


def iter_per_sample(directory: Path, suffix: str, keys: Iterable[str] | None = None) -> Iterator[Record]:
    """One record per ``*suffix`` file under ``directory``, keyed by its name less the suffix.

    YOLO and VOC files are named after the image's stem (``img-1.txt`` for ``img-1.jpg``): when the
    dataset's ``keys`` are given, a stem is resolved to the key that has it.
    """
    by_stem: dict[str, str] = {}
    for key in keys or ():
        by_stem.setdefault(Path(key).stem, key)
        by_stem.setdefault(key, key)
    for index, path in enumerate(sorted(directory.rglob(f"*{suffix}"))):
        name = path.name[: -len(suffix)]
        key = by_stem.get(name, name)
        text = path.read_text(encoding="utf-8")
        if suffix == ".json":
            try:
                yield Record(index, orjson.loads(text), key=key)
            except orjson.JSONDecodeError as exc:
                yield Record(index, None, key=key, error=f"{path.name}: invalid JSON: {exc}")
        else:
            yield Record(index, text, key=key)


_SUFFIX = {"supervisely": ".json", "yolo": ".txt", "voc": ".xml"}


def open_records(
    path: Path, fmt: Format, options: ImportOptions, stream: IO[bytes] | None = None
) -> tuple[Iterator[Record], ImportOptions]:
    """The records of a file (or directory) of ``fmt``, and the options its header implies (COCO).

    ``stream`` is the opened file; the caller closes it after the records are consumed.
    """
    if fmt.framing is Framing.PER_SAMPLE:
        if path.is_dir():
            keys = options.sizes.keys() if options.sizes else None
            return iter_per_sample(path, _SUFFIX.get(fmt.name, ".json"), keys), options
        text = path.read_text(encoding="utf-8")
        data: Any = orjson.loads(text) if path.suffix == ".json" else text
        name = path.name[: -len(path.suffix)]
        return iter([Record(0, data, key=name)]), options
    assert stream is not None, "open the file and pass its stream"
    if fmt.framing is Framing.NDJSON:
        return iter_ndjson(stream), options
    if fmt.framing is Framing.COCO:
        header = read_coco_header(stream)
        if header is None:
            if options.categories is None and options.ontology is not None:
                # Results name classes by id: the ontology's classes numbered from 1.
                ids = {i + 1: name for i, name in enumerate(options.ontology.class_names)}
                options = dataclasses.replace(options, categories=ids)
            return iter_json_array(stream), options
        return iter_json_array(stream, "annotations.item"), coco_options(options, *header)
    return iter_json(stream), options


# --- export -------------------------------------------------------------------------------------

Exportable = Label | BoxRun  # a label, or a run of plain-box labels in columns (store order either way)


def export_labels(items: Iterable[Exportable]) -> Iterator[Label]:
    """``items`` as neutral labels, runs of plain boxes taken apart (for per-label converters)."""
    for item in items:
        if isinstance(item, BoxRun):
            yield from item.labels()
        else:
            yield item


def export_file(
    fmt: Format,
    labels: Iterable[Exportable],
    options: ExportOptions,
    out: Path,
    report: ExportReport | None = None,
) -> ExportReport:
    """Write ``labels`` as ``fmt`` to ``out`` (a file, or a directory for per-sample formats), mask
    PNGs beside it; returns what could not be carried."""
    report = report if report is not None else ExportReport(fmt.name)
    base = out if fmt.framing is Framing.PER_SAMPLE else out.parent
    if fmt.framing is Framing.PER_SAMPLE:
        out.mkdir(parents=True, exist_ok=True)
        for label in export_labels(labels):
            report.labels += 1
            report.objects += len(label.objects)
            for name, content in fmt.export(label, options, report):
                report.records += 1
                target = out / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, str):
                    target.write_text(content, encoding="utf-8")
                else:
                    target.write_bytes(orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY))
    else:
        with out.open("wb") as stream:
            write_stream(fmt, labels, options, stream, report)
    for name, data in report.assets.items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return report


def _chunks(
    fmt: Format, items: Iterable[Exportable], options: ExportOptions, report: ExportReport, bulk: bool
) -> Iterator[list[Any] | tuple[int, bytes]]:
    """The records of each label, or of each run of plain boxes at once when the format has a bulk
    writer (``export_boxes_fn``: their count and their bytes, joined as the framing joins records)
    and ``bulk`` allows it; counts labels and objects in ``report``."""
    export_boxes: Callable[[BoxRun, ExportOptions, ExportReport], tuple[int, bytes]] | None = (
        getattr(fmt, "export_boxes_fn", None) if bulk else None
    )
    for item in items:
        if isinstance(item, BoxRun):
            if export_boxes is not None:
                report.labels += len(item)
                report.objects += item.box_count
                yield export_boxes(item, options, report)
                continue
            labels: Iterable[Label] = item.labels()
        else:
            labels = (item,)
        for label in labels:
            report.labels += 1
            report.objects += len(label.objects)
            yield fmt.export(label, options, report)


def write_stream(
    fmt: Format, labels: Iterable[Exportable], options: ExportOptions, stream: IO[bytes], report: ExportReport
) -> None:
    """Write the records of a non-per-sample format: NDJSON lines, a JSON array, or a COCO dataset.

    Memory stays bounded by one label (or one run of plain boxes): records are written as they come,
    and a COCO dataset's ``images`` entries wait in a temporary file, not in a list.
    """
    dump = orjson.dumps
    opt = orjson.OPT_SERIALIZE_NUMPY
    coco_gt = fmt.framing is Framing.COCO and options.ground_truth
    if fmt.framing is Framing.NDJSON:
        for lines in _chunks(fmt, labels, options, report, bulk=True):
            if isinstance(lines, tuple):
                report.records += lines[0]
                stream.write(lines[1])
            else:
                report.records += len(lines)
                stream.write(b"".join([dump(line, option=opt) + b"\n" for line in lines]))
        return
    stream.write(b'{"annotations":[' if coco_gt else b"[")
    first = True
    # A COCO dataset's images come after its annotations; one entry per label, so they are spooled.
    with tempfile.TemporaryFile() as images:
        for records in _chunks(fmt, labels, options, report, bulk=not coco_gt):
            if isinstance(records, tuple):
                count, chunk = records
            else:
                if coco_gt:
                    # the COCO exporter puts the image entry first
                    images.write((b"," if images.tell() else b"") + dump(records[0]))
                    records = records[1:]
                count = len(records)
                chunk = b",\n".join([dump(r, option=opt) for r in records])
            report.records += count
            if not count:
                continue
            stream.write(chunk if first else b",\n" + chunk)
            first = False
        if coco_gt:
            from predhub.formats.coco import categories_for

            stream.write(b'],"images":[')
            images.seek(0)
            shutil.copyfileobj(images, stream)
            stream.write(b'],"categories":' + dump(categories_for(options)) + b"}")
        else:
            stream.write(b"]\n")
