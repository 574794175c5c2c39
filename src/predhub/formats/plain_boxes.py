"""Plain detector boxes decoded a batch at a time into numpy columns: the bulk path of file imports.

Millions of COCO results (``{"image_id", "category_id", "bbox", "score"}``) or Labelbox ``bbox`` lines
are the common import. A run of whole items (COCO) or of lines (Labelbox) is decoded by msgspec into
small typed structs (the number types checked in C, no dicts built), then the boxes are checked a
column at a time with numpy, as :func:`predhub.formats.importing._plain_boxes_ok` checks one label:
a sample of the dataset, a box class, finite numbers, not inverted, a confidence in [0, 1], inside the
image margin (:data:`predhub.core.validation.OUTSIDE_MARGIN`).

An item with any other key, type or shape is not a struct, and a box that fails a check is not an
error here: either goes, as its own record, to the format's converter and the core's validation,
which accept it or name the record and field. So this path accepts only what the converter path
accepts, with the same numbers; :class:`BoxBatch` carries both kinds in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from predhub.core import GeometryKind
from predhub.core.validation import OUTSIDE_MARGIN
from predhub.formats.base import ImportOptions, Record

__all__ = ["BoxBatch", "BoxTables", "coco_results", "labelbox_lines"]

# Records that are not plain boxes are handed back as records: the caller knows how its framing
# turns an item's bytes into one (orjson for an array item; NDJSON's lenient line reading).
ToRecord = Callable[[int, bytes], Record]
IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

# Integers up to 2**53 are exact as floats, so x + w sums to the same float whichever side converts
# first (Python adds ints exactly, numpy adds floats); a larger number goes to the converter.
_EXACT = 2.0**53
_INT64 = 2**63
_SLICE = 2048  # lines decoded per C call


class CocoResult(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A COCO result that is only a box: no ``segmentation``, ``id``, ``iscrowd``, ``keypoints``."""

    image_id: int | str
    category_id: int
    bbox: tuple[float, float, float, float]
    score: float | None = None


class _DataRow(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    globalKey: str


class _Bbox(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    top: float
    left: float
    height: float
    width: float


class LabelboxBox(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A Labelbox line that is one plain box: no classifications, metrics, or ``schemaId``."""

    dataRow: _DataRow
    name: str
    bbox: _Bbox
    uuid: str | None = None
    confidence: float | None = None


_coco_many = msgspec.json.Decoder(list[CocoResult]).decode
_coco_one = msgspec.json.Decoder(CocoResult).decode
_labelbox_one = msgspec.json.Decoder(LabelboxBox).decode
_raw_many = msgspec.json.Decoder(list[msgspec.Raw]).decode


@dataclass(frozen=True)
class BoxTables:
    """What checking boxes against the dataset needs, as lookups built once per import.

    A box's sample is an index into ``keys`` and its class an index into ``classes``; ``sample_of``
    and ``class_of`` map what the format writes (a COCO image id, a Labelbox global key; a category
    id, a class name) to those indices. ``size`` is ``(len(keys), 2)`` width, height, NaN unknown.
    """

    keys: list[str]
    index: dict[str, int]
    size: FloatArray
    classes: list[str]
    sample_of: Mapping[Any, int] = field(default_factory=dict)
    class_of: Mapping[Any, int] = field(default_factory=dict)

    @classmethod
    def build(cls, fmt: str, options: ImportOptions, samples: Collection[str]) -> BoxTables:
        """Tables for ``fmt``; formats without a bulk path get empty ``sample_of``/``class_of``."""
        keys = list(samples)
        index = {key: i for i, key in enumerate(keys)}
        sizes = [options.size_of(key) for key in keys]
        size = np.array([(np.nan, np.nan) if s is None else s for s in sizes], dtype=np.float64)
        ontology = options.ontology
        classes = [o.name for o in ontology.objects if o.kind is GeometryKind.BOX] if ontology else []
        class_index = {name: i for i, name in enumerate(classes)}
        sample_of: dict[Any, int] = {}
        class_of: dict[Any, int] = {}
        if fmt == "labelbox":
            sample_of, class_of = index, class_index
        elif fmt == "coco" and options.categories:
            class_of = {cid: class_index[n] for cid, n in options.categories.items() if n in class_index}
            if options.image_ids is not None:
                sample_of = {iid: index[k] for iid, k in options.image_ids.items() if k in index}
            else:
                # A result names its sample str(image_id): "7" for 7 and for "7". A key is reachable
                # from an integer id only when it is that integer's str (not "07", " 7", "1_0").
                sample_of = dict(index)
                for key, i in index.items():
                    number = _canonical_int(key)
                    if number is not None:
                        sample_of[number] = i
        return cls(keys, index, size.reshape(-1, 2), classes, sample_of, class_of)


def _canonical_int(key: str) -> int | None:
    if not key or len(key) > 20 or not key.lstrip("-").isdigit():
        return None
    try:
        number = int(key)
    except ValueError:
        return None
    # Larger integers: orjson reads them as floats, whose str differs (1e+20).
    return number if str(number) == key and -_INT64 <= number < _INT64 else None


@dataclass(slots=True)
class BoxBatch:
    """A run of records: the plain boxes that passed every check as columns, and every other record.

    ``index`` is each box's record index; ``sample``/``class_index`` index :class:`BoxTables`;
    ``xyxy`` is ``(n, 4)`` pixels; ``ids`` the boxes' object ids (Labelbox ``uuid``) or None when the
    format has none. ``others`` are the records for the converter, in file order. ``offset`` is how far
    into the file the reader is, in bytes (for progress).
    """

    index: IntArray
    sample: IntArray
    class_index: IntArray
    xyxy: FloatArray
    confidence: FloatArray
    ids: list[str | None] | None = None
    others: list[Record] = field(default_factory=list)
    offset: int = 0

    def __len__(self) -> int:
        return len(self.index)

    @classmethod
    def concat(cls, batches: Sequence[BoxBatch]) -> BoxBatch:
        """Consecutive batches as one (``ids`` kept only when every batch has them)."""
        if len(batches) == 1:
            return batches[0]
        ids = None
        if all(b.ids is not None for b in batches):
            ids = [i for b in batches for i in b.ids or ()]
        return cls(
            np.concatenate([b.index for b in batches]),
            np.concatenate([b.sample for b in batches]),
            np.concatenate([b.class_index for b in batches]),
            np.concatenate([b.xyxy for b in batches]),
            np.concatenate([b.confidence for b in batches]),
            ids,
            [r for b in batches for r in b.others],
            batches[-1].offset,
        )

    @classmethod
    def of_records(cls, records: list[Record], offset: int = 0) -> BoxBatch:
        """A batch with no plain boxes: every record goes to the converter."""
        none = np.zeros(0, dtype=np.intp)
        return cls(none, none, none, np.zeros((0, 4)), np.zeros(0), None, records, offset)


def coco_results(
    run: bytes, start: int, tables: BoxTables, to_record: ToRecord
) -> tuple[BoxBatch, int] | None:
    """The items of ``run`` (whole items of a JSON array, without its brackets), numbered from
    ``start``, and how many there were; None when ``run`` is not a sequence of whole items."""
    body = b"[" + run + b"]"
    raw: list[msgspec.Raw] | None = None
    try:
        items = _coco_many(body)
        where = None
    except msgspec.ValidationError:
        # Some item is not a plain box (or the cut is wrong): look at the items one by one.
        try:
            raw = _raw_many(body)
        except msgspec.DecodeError:
            return None
        items, where = _each(raw, _coco_one)
    except msgspec.DecodeError:
        return None
    count = len(items) if raw is None else len(raw)
    n = len(items)
    image = map(attrgetter("image_id"), items)
    category = map(attrgetter("category_id"), items)
    sample = np.fromiter(map(tables.sample_of.get, image, repeat(-1)), np.intp, n)
    cls = np.fromiter(map(tables.class_of.get, category, repeat(-1)), np.intp, n)
    xywh = np.fromiter(chain.from_iterable(map(attrgetter("bbox"), items)), np.float64, 4 * n).reshape(n, 4)
    score = np.array(list(map(attrgetter("score"), items)), dtype=np.float64)

    def back(k: int) -> Record:
        nonlocal raw
        if raw is None:
            raw = _raw_many(body)
        return to_record(start + k, bytes(raw[k]))

    others = [] if raw is None or where is None else _not_decoded(raw, where, start, to_record)
    return _checked(tables, start, where, sample, cls, xywh, score, None, others, back), count


def labelbox_lines(lines: Sequence[bytes], start: int, tables: BoxTables, to_record: ToRecord) -> BoxBatch:
    """The lines of an NDJSON file, the first being line ``start`` (0-based); blank lines skipped."""
    try:
        # Every line a plain box: the common case. In slices, so that the thread storing the last
        # batch gets the GIL back between them (one C call keeps it for its whole length).
        items: list[LabelboxBox] = []
        for at in range(0, len(lines), _SLICE):
            items += map(_labelbox_one, lines[at : at + _SLICE])
        where = None
    except msgspec.DecodeError:
        items, where = _each(lines, _labelbox_one)
    n = len(items)
    sample = np.fromiter(map(tables.sample_of.get, map(_global_key, items), repeat(-1)), np.intp, n)
    cls = np.fromiter(map(tables.class_of.get, map(_name, items), repeat(-1)), np.intp, n)
    bbox = map(_ltwh, map(_bbox, items))
    xywh = np.fromiter(chain.from_iterable(bbox), np.float64, 4 * n).reshape(n, 4)
    confidence = np.array(list(map(_confidence, items)), dtype=np.float64)
    ids = list(map(_uuid, items))

    def back(k: int) -> Record:
        return to_record(start + k, lines[k])

    others: list[Record] = []
    if where is not None:
        taken = set(where)
        others = [
            to_record(start + k, line) for k, line in enumerate(lines) if k not in taken and line.strip()
        ]
    return _checked(tables, start, where, sample, cls, xywh, confidence, ids, others, back)


_global_key = attrgetter("dataRow.globalKey")
_name = attrgetter("name")
_bbox = attrgetter("bbox")
_ltwh = attrgetter("left", "top", "width", "height")
_confidence = attrgetter("confidence")
_uuid = attrgetter("uuid")


def _each(raw: Sequence[Any], decode: Callable[[Any], Any]) -> tuple[list[Any], list[int]]:
    """The items that decode, and their positions."""
    items, where = [], []
    for k, item in enumerate(raw):
        try:
            items.append(decode(item))
        except msgspec.DecodeError:
            continue
        where.append(k)
    return items, where


def _not_decoded(raw: list[msgspec.Raw], where: list[int], start: int, to_record: ToRecord) -> list[Record]:
    taken = set(where)
    return [to_record(start + k, bytes(item)) for k, item in enumerate(raw) if k not in taken]


def _checked(
    tables: BoxTables,
    start: int,
    where: list[int] | None,
    sample: IntArray,
    cls: IntArray,
    xywh: FloatArray,
    confidence: FloatArray,
    ids: list[str | None] | None,
    others: list[Record],
    back: Callable[[int], Record],
) -> BoxBatch:
    """Keep the boxes that pass the converter path's plain-box checks; send the rest back as records."""
    n = len(sample)
    position = np.arange(n) if where is None else np.asarray(where, dtype=np.intp)
    confidence = np.where(np.isnan(confidence), 1.0, confidence)  # null or absent: 1
    x, y, w, h = xywh.T
    with np.errstate(invalid="ignore", over="ignore"):
        x1, y1 = x + w, y + h
        ok = (sample >= 0) & (cls >= 0) & (np.abs(xywh) <= _EXACT).all(axis=1)
        ok &= (x1 >= x) & (y1 >= y) & (confidence >= 0.0) & (confidence <= 1.0)
        width, height = tables.size[sample].T if len(tables.keys) else (np.full(n, np.nan),) * 2
        mx, my = OUTSIDE_MARGIN * width, OUTSIDE_MARGIN * height
        ok &= np.isnan(width) | ((x >= -mx) & (x1 <= width + mx) & (y >= -my) & (y1 <= height + my))
    bad = np.flatnonzero(~ok)
    if len(bad):
        others = sorted([*others, *(back(int(k)) for k in position[bad])], key=attrgetter("index"))
        keep = np.flatnonzero(ok)
        sample, cls, confidence = sample[keep], cls[keep], confidence[keep]
        position, x, y, x1, y1 = position[keep], x[keep], y[keep], x1[keep], y1[keep]
        if ids is not None:
            ids = [ids[k] for k in keep.tolist()]
    elif others:
        others.sort(key=attrgetter("index"))
    return BoxBatch(start + position, sample, cls, np.stack([x, y, x1, y1], axis=1), confidence, ids, others)
