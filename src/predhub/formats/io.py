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
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol, TypeVar

import ijson
import orjson

from predhub.core import Label
from predhub.core.box_run import BoxRun
from predhub.formats.base import ExportOptions, ExportReport, Format, Framing, ImportOptions, Record
from predhub.formats.plain_boxes import BoxBatch, BoxTables, coco_results, labelbox_lines

__all__ = [
    "BulkWriter",
    "Exportable",
    "append_file",
    "bulk_writer",
    "export_file",
    "export_labels",
    "iter_json",
    "iter_json_array",
    "iter_ndjson",
    "iter_per_sample",
    "open_batches",
    "open_records",
    "read_coco_header",
    "records_framing",
    "write_assets",
    "write_records",
    "write_stream",
]

# A line this long is not re-read as a Python literal: literal_eval's cost grows with it.
_MAX_LITERAL_LINE = 1 << 20

R = TypeVar("R")


def iter_ndjson(stream: IO[bytes]) -> Iterator[Record]:
    """One record per non-blank line; ``index`` is the 0-based line number."""
    for index, line in enumerate(stream):
        if line.strip():
            yield _line_record(index, line)


def _line_record(index: int, line: bytes) -> Record:
    try:
        return Record(index, orjson.loads(line))
    except orjson.JSONDecodeError as exc:
        return _lenient(index, line, exc)


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
    for run in _array_runs(stream, _loads_run, _CHUNK):
        if isinstance(run, Record):
            yield run
        else:
            yield from run


def _array_runs(
    stream: IO[bytes], parse: Callable[[bytes, int], tuple[R, int] | None], chunk: int
) -> Iterator[R | Record]:
    """Cut the array after a ``}`` followed by ``, {`` and parse the run before it.

    A cut inside a string or inside a nested value leaves an unterminated string or unbalanced
    brackets, so the parser refuses it; a run that parses is therefore exactly a sequence of whole
    items, and the next item starts at the ``{``. Refused cuts are retried further back, then with
    more data. ``parse(run, first_index)`` returns the run's result and its number of items, or None;
    what cannot be cut this way is read by ijson, record by record.
    """
    buf = bytearray()
    while b"[" not in buf:  # the caller saw "[" first, after whitespace
        data = stream.read(chunk)
        if not data:
            raise ValueError("not a JSON array")
        buf += data
    del buf[: buf.index(b"[") + 1]
    count = 0
    eof = False
    while True:
        if not eof:
            data = stream.read(chunk)
            eof = not data
            buf += data
        if eof:
            body = bytes(buf).rstrip()
            parsed = parse(body[:-1], count) if body.endswith(b"]") else None
            if parsed is None:
                yield from _iter_ijson(_Joined(b"[" + bytes(buf), stream), "item", count)
            else:
                yield parsed[0]
            return
        cut = len(buf)
        for _ in range(4):
            cut = buf.rfind(b"}", 0, cut)
            match = _NEXT_ITEM.match(buf, cut + 1) if cut >= 0 else None
            if cut < 0:
                break
            if match is None:
                continue
            parsed = parse(bytes(buf[: cut + 1]), count)
            if parsed is not None:
                yield parsed[0]
                count += parsed[1]
                del buf[: match.end() - 1]
                break
        if len(buf) > _MAX_PENDING:
            yield from _iter_ijson(_Joined(b"[" + bytes(buf), stream), "item", count)
            return


def _loads_run(run: bytes, start: int) -> tuple[list[Record], int] | None:
    items = _loads_items(run)
    if items is None:
        return None
    return [Record(start + i, item) for i, item in enumerate(items)], len(items)


def _loads_items(run: bytes) -> list[Any] | None:
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
            return iter_json_array(stream), _results_options(options)
        return iter_json_array(stream, "annotations.item"), coco_options(options, *header)
    return iter_json(stream), options


def _results_options(options: ImportOptions) -> ImportOptions:
    if options.categories is None and options.ontology is not None:
        # Results name classes by id: the ontology's classes numbered from 1.
        ids = {i + 1: name for i, name in enumerate(options.ontology.class_names)}
        options = dataclasses.replace(options, categories=ids)
    return options


# --- batches (the bulk path of imports) ---------------------------------------------------------

_BATCH_BYTES = 4 << 20  # per batch: ~50,000 COCO results, ~25,000 Labelbox lines
_RUN_BYTES = 512 << 10  # of a JSON array, decoded at once
# Records per batch where each goes through its converter: a record may be a whole sample's file.
_BATCH_RECORDS = {Framing.PER_SAMPLE: 200, Framing.JSON: 1000}
_BATCH_RECORDS_DEFAULT = 5000


def open_batches(
    path: Path,
    fmt: Format,
    options: ImportOptions,
    samples: Collection[str],
    stream: IO[bytes] | None = None,
    *,
    batch_bytes: int = _BATCH_BYTES,
) -> tuple[Iterator[BoxBatch], ImportOptions, BoxTables]:
    """:func:`open_records` in batches, with the plain boxes of COCO results and Labelbox NDJSON
    decoded in bulk (:mod:`predhub.formats.plain_boxes`), about ``batch_bytes`` of the file at a
    time; also the tables the boxes index, built for the dataset's ``samples`` (keys)."""
    if fmt.name == "labelbox" and fmt.framing is Framing.NDJSON and stream is not None:
        tables = BoxTables.build(fmt.name, options, samples)
        return _labelbox_batches(stream, tables, batch_bytes), options, tables
    if fmt.name == "coco" and stream is not None and _first_byte(stream) == b"[":
        options = _results_options(options)
        tables = BoxTables.build(fmt.name, options, samples)
        return _coco_batches(stream, tables, batch_bytes), options, tables
    records, options = open_records(path, fmt, options, stream)
    size = _BATCH_RECORDS.get(fmt.framing, _BATCH_RECORDS_DEFAULT)
    return _record_batches(records, size, stream), options, BoxTables.build("", options, samples)


def _offset(stream: IO[bytes] | None) -> int:
    return 0 if stream is None or stream.closed else stream.tell()


def _record_batches(records: Iterable[Record], size: int, stream: IO[bytes] | None) -> Iterator[BoxBatch]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield BoxBatch.of_records(batch, _offset(stream))
            batch = []
    if batch:
        yield BoxBatch.of_records(batch, _offset(stream))


def _item_record(index: int, item: bytes) -> Record:
    try:
        return Record(index, orjson.loads(item))
    except orjson.JSONDecodeError as exc:
        return Record(index, None, error=f"invalid JSON: {exc}")


def _coco_batches(stream: IO[bytes], tables: BoxTables, batch_bytes: int) -> Iterator[BoxBatch]:
    def parse(run: bytes, start: int) -> tuple[BoxBatch, int] | None:
        return coco_results(run, start, tables, _item_record)

    # Runs of a few hundred KiB decode in one C call each (which holds the GIL: short ones let the
    # thread storing the last batch in between); a batch gathers runs up to batch_bytes.
    runs: list[BoxBatch] = []
    held = 0
    rest: list[Record] = []  # what ijson reads when the array cannot be cut (see _array_runs)
    for run in _array_runs(stream, parse, min(batch_bytes, _RUN_BYTES)):
        if isinstance(run, Record):
            if runs:  # the records ijson reads come after every run: keep file order
                yield BoxBatch.concat(runs)
                runs, held = [], 0
            rest.append(run)
            if len(rest) >= _BATCH_RECORDS_DEFAULT:
                yield BoxBatch.of_records(rest, _offset(stream))
                rest = []
            continue
        run.offset = _offset(stream)
        runs.append(run)
        held += _RUN_BYTES
        if held >= batch_bytes:
            yield BoxBatch.concat(runs)
            runs, held = [], 0
    if runs:
        yield BoxBatch.concat(runs)
    if rest:
        yield BoxBatch.of_records(rest, _offset(stream))


def _labelbox_batches(stream: IO[bytes], tables: BoxTables, batch_bytes: int) -> Iterator[BoxBatch]:
    for start, lines in _line_runs(stream, batch_bytes):
        batch = labelbox_lines(lines, start, tables, _line_record)
        batch.offset = _offset(stream)
        yield batch


def _line_runs(stream: IO[bytes], chunk: int) -> Iterator[tuple[int, list[bytes]]]:
    """The lines of a stream, ``chunk`` bytes at a time, with the 0-based number of the first line
    (numbered as :func:`iter_ndjson` numbers them: split at ``\\n`` only)."""
    start = 0
    rest = b""
    while True:
        data = stream.read(chunk)
        if not data:
            if rest:
                yield start, [rest]
            return
        lines = (rest + data if rest else data).split(b"\n")
        rest = lines.pop()  # the start of a line the next read completes
        if not lines:
            continue
        yield start, lines
        start += len(lines)


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
    write_assets(report, base)
    return report


def write_assets(report: ExportReport, folder: Path) -> None:
    """The files the records refer to (mask PNGs), under ``folder``."""
    for name, data in report.assets.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


BulkWriter = Callable[[BoxRun, ExportOptions, ExportReport], tuple[int, bytes]]


def bulk_writer(fmt: Format, options: ExportOptions) -> BulkWriter | None:
    """The writer that turns whole runs of plain boxes into records (``export_boxes_fn``), when this
    export uses one: not for per-sample formats, nor for a COCO dataset (ground truth), whose
    ``images`` entries and annotation ids are per label."""
    if fmt.framing is Framing.PER_SAMPLE or (fmt.framing is Framing.COCO and options.ground_truth):
        return None
    return fmt.export_boxes_fn


def _chunks(
    fmt: Format, items: Iterable[Exportable], options: ExportOptions, report: ExportReport
) -> Iterator[list[Any] | tuple[int, bytes]]:
    """The records of each label, or of each run of plain boxes at once where the export has a
    :func:`bulk_writer` (their count and their bytes, joined as the framing joins records); counts
    labels and objects in ``report``."""
    export_boxes = bulk_writer(fmt, options)
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


def records_framing(fmt: Format) -> tuple[bytes, bytes, bytes]:
    """What goes before the records of a file of ``fmt``, between two, and after them (NDJSON lines
    end themselves; a JSON array). Not for a COCO dataset, whose records go to two lists."""
    return (b"", b"", b"") if fmt.framing is Framing.NDJSON else (b"[", b",\n", b"]\n")


def write_records(
    fmt: Format,
    labels: Iterable[Exportable],
    options: ExportOptions,
    stream: IO[bytes],
    report: ExportReport,
) -> int:
    """Write the records alone, joined as :func:`records_framing` joins them; returns how many were
    written."""
    dump = orjson.dumps
    opt = orjson.OPT_SERIALIZE_NUMPY
    lines = fmt.framing is Framing.NDJSON
    _, separator, _ = records_framing(fmt)
    written = 0
    for records in _chunks(fmt, labels, options, report):
        if isinstance(records, tuple):
            count, chunk = records
        elif lines:
            count, chunk = len(records), b"".join([dump(r, option=opt) + b"\n" for r in records])
        else:
            count, chunk = len(records), separator.join([dump(r, option=opt) for r in records])
        report.records += count
        if count:
            stream.write(separator + chunk if written else chunk)
            written += count
    return written


def append_file(part: Path, stream: BinaryIO) -> None:
    """The bytes of ``part`` at the end of ``stream``, copied by the kernel where it can."""
    stream.flush()
    copied = 0
    with part.open("rb") as source:
        size = os.fstat(source.fileno()).st_size
        try:
            while copied < size:
                copied += os.copy_file_range(source.fileno(), stream.fileno(), size - copied)
        except OSError:  # a file system without it: through user space
            source.seek(copied)
            shutil.copyfileobj(source, stream, 1 << 20)


def write_stream(
    fmt: Format, labels: Iterable[Exportable], options: ExportOptions, stream: IO[bytes], report: ExportReport
) -> None:
    """Write the records of a non-per-sample format: NDJSON lines, a JSON array, or a COCO dataset.

    Memory stays bounded by one label (or one run of plain boxes): records are written as they come,
    and a COCO dataset's ``images`` entries wait in a temporary file, not in a list.
    """
    if not (fmt.framing is Framing.COCO and options.ground_truth):
        head, _, tail = records_framing(fmt)
        stream.write(head)
        write_records(fmt, labels, options, stream, report)
        stream.write(tail)
        return
    dump = orjson.dumps
    opt = orjson.OPT_SERIALIZE_NUMPY
    stream.write(b'{"annotations":[')
    first = True
    # A COCO dataset's images come after its annotations; one entry per label, so they are spooled.
    with tempfile.TemporaryFile() as images:
        for records in _chunks(fmt, labels, options, report):
            if isinstance(records, tuple):
                raise AssertionError("a COCO dataset is written label by label")
            # the COCO exporter puts the image entry first
            images.write((b"," if images.tell() else b"") + dump(records[0]))
            records = records[1:]
            report.records += len(records)
            if not records:
                continue
            chunk = b",\n".join([dump(r, option=opt) for r in records])
            stream.write(chunk if first else b",\n" + chunk)
            first = False
        from predhub.formats.coco import categories_for

        stream.write(b'],"images":[')
        images.seek(0)
        shutil.copyfileobj(images, stream)
        stream.write(b'],"categories":' + dump(categories_for(options)) + b"}")
