"""Label records (predhub's JSON shape, :mod:`predhub.core.serde`) to table rows, validated.

This is the hot path of the hub: predictions arrive by the million. A record whose objects are all
plain boxes (``class``, ``box``, optional ``confidence``) is decoded by msgspec straight into small
typed structs (:class:`BoxRecord`; several times faster than building dicts, and the number types
are checked in C), then takes a fast path of a few comparisons per object with lookups precomputed
from the ontology. Anything else, and any fast-path record that fails a check, goes through the core
(``label_from_dict`` + ``validate_label``), so the errors a client sees are always the core's, field
for field.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
import orjson

from predhub.core.box_columns import BoxColumns
from predhub.core.errors import FieldError
from predhub.core.geometry import Box, GeometryKind, Point, Polygon, Polyline
from predhub.core.label import Label, LabelStatus
from predhub.core.mask import Mask
from predhub.core.ontology import Ontology
from predhub.core.serde import classification_to_dict, label_from_dict
from predhub.core.validation import OUTSIDE_MARGIN, validate_label
from predhub.services.errors import Detail
from predhub.store.bulk import Rows

__all__ = [
    "BOX_COLUMNS",
    "BOX_ID_COLUMNS",
    "LABEL_COLUMNS",
    "OBJECT_COLUMNS",
    "Prepared",
    "SampleInfo",
    "Unparseable",
    "add_box_arrays",
    "prepare",
    "prepare_columns",
]

# Column order of the tuples in Prepared.objects (after label_set_id, which the store prepends).
OBJECT_COLUMNS = (
    "label_set_id",
    "sample_id",
    "position",
    "class",
    "kind",
    "x0",
    "y0",
    "x1",
    "y1",
    "rotation",
    "confidence",
    "area",
    "points",
    "holes",
    "mask",
    "classifications",
    "attributes",
    "external_id",
)
# Plain boxes leave out the columns whose defaults fit them (kind "box", rotation 0, no payload):
# binding parameters is most of what an insert costs, so fewer columns is faster.
BOX_COLUMNS = ("label_set_id", "sample_id", "position", "class", "x0", "y0", "x1", "y1", "confidence", "area")
# Plain boxes that carry their own object ids (Labelbox's uuid).
BOX_ID_COLUMNS = (*BOX_COLUMNS, "external_id")
LABEL_COLUMNS = (
    "label_set_id",
    "sample_id",
    "status",
    "score",
    "classifications",
    "object_count",
    "max_confidence",
)
# label_class_stats rows (see predhub.store.label_stats), computed here while the objects pass by:
# cheaper than grouping the freshly inserted objects again in SQL.
STATS_COLUMNS = ("label_set_id", "sample_id", "class", "count", "max_confidence")

_STATUSES = frozenset(s.value for s in LabelStatus)


class BoxObject(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A plain box object as msgspec decodes it: ints and floats only (no bools), all finite."""

    class_name: str = msgspec.field(name="class")
    box: tuple[float, float, float, float]
    confidence: float = 1.0


class BoxRecord(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A label record made of plain boxes only; any other record decodes to a dict instead."""

    sample: str
    objects: list[BoxObject] = []
    score: float | None = None
    status: str = "labeled"


_encode = msgspec.json.Encoder().encode
_decode_one = msgspec.json.Decoder(BoxRecord).decode
_decode_many = msgspec.json.Decoder(list[BoxRecord]).decode


def _one(line: bytes) -> Any:
    with contextlib.suppress(msgspec.ValidationError, msgspec.DecodeError):
        return _decode_one(line)
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return Unparseable(f"not valid JSON: {exc}")


def decode_records(body: bytes, ndjson: bool) -> list[Any]:
    """A label body (JSON array or NDJSON) to records: :class:`BoxRecord` where the record is plain
    boxes, the parsed JSON value otherwise, :class:`Unparseable` for an NDJSON line that is not JSON.

    Raises ``ValueError`` for a JSON body that is not valid JSON or not an array/object.
    """
    if ndjson:
        return [_one(line) for line in body.split(b"\n") if line.strip()]
    try:
        return _decode_many(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the body is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ValueError("the body must be a JSON array of records")
    out: list[Any] = []
    for record in data:
        try:
            out.append(msgspec.convert(record, BoxRecord))
        except msgspec.ValidationError:
            out.append(record)
    return out


@dataclass(frozen=True, slots=True)
class SampleInfo:
    id: int
    width: int | None
    height: int | None


@dataclass(frozen=True, slots=True)
class Unparseable:
    """A body line that is not JSON; reported as that record's error."""

    message: str


@dataclass
class Prepared:
    """Rows ready for the database, and what was rejected. ``sample_ids[i]`` is record ``records[i]``'s.

    ``boxes`` holds plain boxes in ``box_columns`` (:data:`BOX_COLUMNS`, or :data:`BOX_ID_COLUMNS`
    when they carry object ids); ``objects`` every other object in :data:`OBJECT_COLUMNS`.
    """

    box_columns: tuple[str, ...] = BOX_COLUMNS
    labels: Rows = field(default_factory=lambda: Rows(len(LABEL_COLUMNS)))
    boxes: Rows = field(default_factory=lambda: Rows(len(BOX_COLUMNS)))
    objects: Rows = field(default_factory=lambda: Rows(len(OBJECT_COLUMNS)))
    stats: Rows = field(default_factory=lambda: Rows(len(STATS_COLUMNS)))
    records: list[int] = field(default_factory=list)  # indices of the accepted records
    object_counts: list[int] = field(default_factory=list)
    errors: list[Detail] = field(default_factory=list)
    total: int = 0

    def __post_init__(self) -> None:
        if self.boxes.width != len(self.box_columns) and not self.boxes.values:
            self.boxes = Rows(len(self.box_columns))

    @property
    def rejected(self) -> int:
        return len({d.record for d in self.errors})


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _struct_objects(
    objects: list[BoxObject], box_classes: frozenset[str], ls_id: int, sample: SampleInfo
) -> list[tuple[Any, ...]] | None:
    """Rows for a decoded :class:`BoxRecord`'s boxes (types and finiteness already checked by msgspec)."""
    sid = sample.id
    w, h = sample.width, sample.height
    bounded = w is not None and h is not None
    lo_x = hi_x = lo_y = hi_y = 0.0
    if bounded:
        assert w is not None and h is not None
        mx, my = OUTSIDE_MARGIN * w, OUTSIDE_MARGIN * h
        lo_x, hi_x, lo_y, hi_y = -mx, w + mx, -my, h + my
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for position, obj in enumerate(objects):
        cls = obj.class_name
        x0, y0, x1, y1 = obj.box
        conf = obj.confidence
        if (
            cls not in box_classes
            or x1 < x0
            or y1 < y0
            or not 0.0 <= conf <= 1.0
            or (bounded and (x0 < lo_x or x1 > hi_x or y0 < lo_y or y1 > hi_y))
        ):
            return None
        append((ls_id, sid, position, cls, x0, y0, x1, y1, conf, (x1 - x0) * (y1 - y0)))
    return rows


def _class_stats(
    rows: list[tuple[Any, ...]], conf_at: int, ls_id: int, sample_id: int, out: Rows
) -> float | None:
    """Append (label set, sample, class, count, max confidence) per class to ``out``; the label's max."""
    counts: dict[str, list[Any]] = {}
    for row in rows:
        cls, conf = row[3], row[conf_at]
        entry = counts.get(cls)
        if entry is None:
            counts[cls] = [1, conf]
        else:
            entry[0] += 1
            if conf > entry[1]:
                entry[1] = conf
    best = None
    for cls, (n, top) in counts.items():
        out.append((ls_id, sample_id, cls, n, top))
        if best is None or top > best:
            best = top
    return best


def _object_rows(label: Label, ls_id: int, sample_id: int) -> list[tuple[Any, ...]]:
    rows = []
    for position, obj in enumerate(label.objects):
        g = obj.geometry
        points = holes = mask = None
        rotation = 0.0
        if isinstance(g, Box):
            kind, (x0, y0, x1, y1), area, rotation = GeometryKind.BOX, g.xyxy, g.area, g.rotation
        elif isinstance(g, Polygon):
            b = g.bounds()
            kind, (x0, y0, x1, y1), area = GeometryKind.POLYGON, b.xyxy, g.area
            points = _dumps(g.points.tolist())
            holes = _dumps([hole.tolist() for hole in g.holes]) if g.holes else None
        elif isinstance(g, Polyline):
            b = g.bounds()
            kind, (x0, y0, x1, y1), area = GeometryKind.POLYLINE, b.xyxy, 0.0
            points = _dumps(g.points.tolist())
        elif isinstance(g, Point):
            kind, (x0, y0, x1, y1), area = GeometryKind.POINT, (g.x, g.y, g.x, g.y), 0.0
        else:
            assert isinstance(g, Mask)
            b = g.bounds()
            kind, (x0, y0, x1, y1), area = GeometryKind.MASK, b.xyxy, float(g.area)
            mask = _dumps(g.to_coco(compressed=True))
        rows.append(
            (
                ls_id,
                sample_id,
                position,
                obj.class_name,
                kind.value,
                float(x0),
                float(y0),
                float(x1),
                float(y1),
                float(rotation),
                float(obj.confidence),
                float(area),
                points,
                holes,
                mask,
                _dumps([classification_to_dict(c) for c in obj.classifications])
                if obj.classifications
                else None,
                _dumps(obj.attributes) if obj.attributes else None,
                obj.id,
            )
        )
    return rows


def add_label(out: Prepared, label: Label, ls_id: int, sample_id: int, record: int | None = None) -> None:
    """Add an already validated neutral label to ``out``: its label, object and stats rows.

    What format imports call: they build :class:`Label` objects themselves and must not need to know
    the row shapes, which change with the schema.
    """
    classifications = (
        _dumps([classification_to_dict(c) for c in label.classifications]) if label.classifications else None
    )
    add_object_rows(
        out,
        ls_id,
        sample_id,
        _object_rows(label, ls_id, sample_id),
        status=label.status.value,
        score=label.score,
        classifications=classifications,
        record=record,
    )


def add_object_rows(
    out: Prepared,
    ls_id: int,
    sample_id: int,
    rows: list[tuple[Any, ...]],
    *,
    status: str = "labeled",
    score: float | None = None,
    classifications: str | None = None,
    record: int | None = None,
) -> None:
    """Add one label made of ready ``objects`` rows (:data:`OBJECT_COLUMNS` order) to ``out``, with its
    label row and class stats. ``classifications`` is the label's JSON text, or None."""
    best = _class_stats(rows, 10, ls_id, sample_id, out.stats)
    out.labels.append((ls_id, sample_id, status, score, classifications, len(rows), best))
    out.objects.extend(rows)
    out.records.append(len(out.records) if record is None else record)
    out.object_counts.append(len(rows))
    out.total += 1 if record is None else 0


def _core_path(
    record: Any, ontology: Ontology, sample: SampleInfo | None, index: int
) -> tuple[Label | None, list[Detail]]:
    try:
        label = label_from_dict(record)
    except FieldError as exc:
        errors = [Detail(index, exc.field or None, exc.message)]
        if sample is None and isinstance(record, dict) and isinstance(record.get("sample"), str):
            errors.insert(0, Detail(index, "sample", f"unknown sample key {record['sample']!r}"))
        return None, errors
    errors = []
    if sample is None:
        errors.append(Detail(index, "sample", f"unknown sample key {label.sample_key!r}"))
    w, h = (sample.width, sample.height) if sample is not None else (None, None)
    errors.extend(Detail(index, e.field, e.message) for e in validate_label(label, ontology, w, h))
    if errors or sample is None:
        return None, errors
    return label, []


@dataclass(frozen=True, slots=True)
class _Target:
    """What validating records against one label set needs, looked up once per batch."""

    ontology: Ontology
    samples: Mapping[str, SampleInfo]
    label_set_id: int
    box_classes: frozenset[str]

    @classmethod
    def of(cls, ontology: Ontology, samples: Mapping[str, SampleInfo], label_set_id: int) -> _Target:
        box_classes = frozenset(o.name for o in ontology.objects if o.kind is GeometryKind.BOX)
        return cls(ontology, samples, label_set_id, box_classes)


def _take(out: Prepared, i: int, record: Any, target: _Target, seen: dict[int, int]) -> None:
    """Validate record ``i`` and add its rows to ``out``, or its errors."""
    if isinstance(record, Unparseable):
        out.errors.append(Detail(i, None, record.message))
        return
    if type(record) is dict:
        with contextlib.suppress(msgspec.ValidationError):
            record = msgspec.convert(record, BoxRecord)
    ls_id = target.label_set_id
    sample: SampleInfo | None = None
    boxes: list[tuple[Any, ...]] | None = None
    label: Label | None = None
    label_row: tuple[Any, ...] = ()
    if type(record) is BoxRecord:
        sample = target.samples.get(record.sample)
        score = record.score
        if sample is not None and record.status in _STATUSES and (score is None or score - score == 0):
            boxes = _struct_objects(record.objects, target.box_classes, ls_id, sample)
            if boxes is not None:
                label_row = (ls_id, sample.id, record.status, record.score, None, len(boxes), None)
        if boxes is None:
            record = orjson.loads(_encode(record))  # the core path reads the plain JSON shape
    if boxes is None:
        if type(record) is dict and type(record.get("sample")) is str:
            sample = target.samples.get(record["sample"])
        label, errors = _core_path(record, target.ontology, sample, i)
        if errors:
            out.errors.extend(errors)
            return
        assert label is not None and sample is not None
    assert sample is not None
    if sample.id in seen:
        out.errors.append(Detail(i, "sample", f"repeats the sample of record {seen[sample.id]}"))
        return
    seen[sample.id] = i
    if boxes is None:
        assert label is not None
        add_label(out, label, ls_id, sample.id, i)
        return
    out.boxes.extend(boxes)
    best = _class_stats(boxes, 8, ls_id, sample.id, out.stats)
    out.labels.append((*label_row[:6], best))
    out.records.append(i)
    out.object_counts.append(label_row[5])


def prepare(
    records: list[Any],
    ontology: Ontology,
    samples: Mapping[str, SampleInfo],
    label_set_id: int,
) -> Prepared:
    """Validate every record (collecting every error) and build the rows of the valid ones."""
    target = _Target.of(ontology, samples, label_set_id)
    out = Prepared(total=len(records))
    seen: dict[int, int] = {}
    for i, record in enumerate(records):
        _take(out, i, record, target, seen)
    return out


def prepare_columns(
    columns: BoxColumns,
    ontology: Ontology,
    samples: Mapping[str, SampleInfo],
    label_set_id: int,
) -> Prepared:
    """:func:`prepare` for labels sent as columns: the same rows and the same errors.

    The checks of the plain-box fast path run on whole columns with numpy; a label whose boxes all
    pass becomes rows a column at a time. Any other label is turned back into its record and taken by
    :func:`prepare`'s own code, so its errors are exactly those its record would get.
    """
    target = _Target.of(ontology, samples, label_set_id)
    n_labels = len(columns)
    out = Prepared(total=n_labels)
    seen: dict[int, int] = {}
    if columns.status not in _STATUSES:
        for i in range(n_labels):
            _take(out, i, columns.record(i), target, seen)
        return out

    counts = np.asarray(columns.counts, dtype=np.int64)
    label_of = np.repeat(np.arange(n_labels), counts)
    starts = np.cumsum(counts) - counts
    boxes = np.asarray(columns.boxes, dtype=np.float64).reshape(-1, 4)
    conf = np.ones(len(boxes)) if columns.confidence is None else np.asarray(columns.confidence, dtype=float)
    classes = np.asarray(columns.class_index, dtype=np.intp)
    box_class = np.array([name in target.box_classes for name in columns.classes], dtype=bool)
    infos = [samples.get(key) for key in columns.samples]
    sid = np.array([-1 if s is None else s.id for s in infos], dtype=np.int64)
    size = np.array(
        [
            (np.nan, np.nan) if s is None or s.width is None or s.height is None else (s.width, s.height)
            for s in infos
        ],
        dtype=np.float64,
    ).reshape(-1, 2)

    # The fast path's checks (_struct_objects), per box; NaN compares False, so "not ok" catches it.
    x0, y0, x1, y1 = boxes.T
    w, h = size[label_of, 0], size[label_of, 1]
    mx, my = OUTSIDE_MARGIN * w, OUTSIDE_MARGIN * h
    ok = box_class[classes] & (x1 >= x0) & (y1 >= y0) & (conf >= 0.0) & (conf <= 1.0)
    ok &= np.isfinite(boxes).all(axis=1) & np.isfinite(conf)
    ok &= np.isnan(w) | ((x0 >= -mx) & (x1 <= w + mx) & (y0 >= -my) & (y1 <= h + my))
    bad_label = (np.bincount(label_of[~ok], minlength=n_labels) > 0) | (sid < 0)
    if columns.scores is not None:
        score = np.array([np.nan if v is None else v for v in columns.scores], dtype=np.float64)
        bad_label |= np.isinf(score)

    good = np.zeros(n_labels, dtype=bool)
    sids = sid.tolist()
    for i in range(n_labels):
        if bad_label[i]:
            _take(out, i, columns.record(i), target, seen)
        elif sids[i] in seen:
            out.errors.append(Detail(i, "sample", f"repeats the sample of record {seen[sids[i]]}"))
        else:
            seen[sids[i]] = i
            good[i] = True
    labels = np.flatnonzero(good)
    keep = good[label_of]
    owner = np.cumsum(good)[label_of[keep]] - 1  # a kept box's label, counted among the good ones
    scores = None if columns.scores is None else [columns.scores[i] for i in labels.tolist()]
    _add_box_rows(
        out,
        label_set_id,
        _LabelColumns(sid[labels], counts[labels], labels, scores, columns.status),
        _BoxArrays(
            owner, np.flatnonzero(keep) - starts[label_of[keep]], boxes[keep], conf[keep], classes[keep]
        ),
        columns.classes,
    )
    return out


def add_box_arrays(
    out: Prepared,
    ls_id: int,
    sample_ids: npt.NDArray[np.int64],
    classes: Sequence[str],
    class_index: npt.NDArray[np.intp],
    xyxy: npt.NDArray[np.float64],
    confidence: npt.NDArray[np.float64],
    ids: Sequence[str | None] | None = None,
    records: npt.NDArray[np.intp] | None = None,
) -> None:
    """Labels of plain boxes, given box by box, to ``out``'s label, box and class-stats rows.

    The boxes of one label are consecutive (a label per run of one sample id), in position order;
    ``xyxy`` is ``(n, 4)``, ``class_index`` indexes ``classes``; ``ids`` are the object ids (``out``
    must then have been made with :data:`BOX_ID_COLUMNS`); ``records[i]`` is box ``i``'s record
    index (its label's is its first box's). The boxes must already be valid.
    """
    n = len(sample_ids)
    if not n:
        return
    starts = np.flatnonzero(np.r_[True, sample_ids[1:] != sample_ids[:-1]])
    counts = np.diff(np.r_[starts, n])
    owner = np.repeat(np.arange(len(starts)), counts)
    first = starts if records is None else records[starts]
    _add_box_rows(
        out,
        ls_id,
        _LabelColumns(sample_ids[starts], counts, first, None, "labeled"),
        _BoxArrays(owner, np.arange(n) - starts[owner], xyxy, confidence, class_index, ids),
        classes,
    )


@dataclass(frozen=True, slots=True)
class _LabelColumns:
    """Per label: sample id, box count, record index, score (or all None), and the batch's status."""

    sample_id: npt.NDArray[np.int64]
    count: npt.NDArray[np.int64]
    record: npt.NDArray[np.intp]
    scores: list[float | None] | None
    status: str


@dataclass(frozen=True, slots=True)
class _BoxArrays:
    """Per box: its label (an index into :class:`_LabelColumns`), position, xyxy, confidence, class."""

    owner: npt.NDArray[np.intp]
    position: npt.NDArray[np.intp]
    xyxy: npt.NDArray[np.float64]
    confidence: npt.NDArray[np.float64]
    class_index: npt.NDArray[np.intp]
    ids: Sequence[str | None] | None = None


def _add_box_rows(
    out: Prepared, ls_id: int, labels: _LabelColumns, boxes: _BoxArrays, classes: Sequence[str]
) -> None:
    """The label, box and class-stats rows of plain-box labels, built column by column."""
    owner, confidence, cls = boxes.owner, boxes.confidence, boxes.class_index
    names = np.array(classes, dtype=object)
    sid = labels.sample_id
    n, n_labels, n_classes = len(owner), len(sid), max(len(names), 1)
    box = boxes.xyxy
    with np.errstate(over="ignore"):  # a huge box's area is inf, as in Python arithmetic
        area = (box[:, 2] - box[:, 0]) * (box[:, 3] - box[:, 1])
    columns: list[list[Any]] = [
        [ls_id] * n,
        sid[owner].tolist(),
        boxes.position.tolist(),
        names[cls].tolist(),
        *box.T.tolist(),
        confidence.tolist(),
        area.tolist(),
    ]
    if boxes.ids is not None:
        columns.append(list(boxes.ids))
    assert len(columns) == out.boxes.width, "ids need a Prepared made with BOX_ID_COLUMNS"
    out.boxes.absorb(Rows.from_columns(columns))

    # Class stats: group the boxes by (label, class), confidence ascending, and read each group's end.
    key = owner * n_classes + cls
    order = np.lexsort((confidence, key))
    sorted_key = key[order]
    ends = np.flatnonzero(np.r_[sorted_key[1:] != sorted_key[:-1], True]) if n else np.zeros(0, np.intp)
    group_key = sorted_key[ends]
    top = confidence[order][ends]
    group_label, group_class = np.divmod(group_key, n_classes)
    out.stats.absorb(
        Rows.from_columns(
            [
                [ls_id] * len(ends),
                sid[group_label].tolist(),
                names[group_class].tolist(),
                np.diff(np.r_[-1, ends]).tolist(),
                top.tolist(),
            ]
        )
    )

    best = np.full(n_labels, -np.inf)
    np.maximum.at(best, group_label, top)
    counts = labels.count.tolist()
    out.labels.absorb(
        Rows.from_columns(
            [
                [ls_id] * n_labels,
                sid.tolist(),
                [labels.status] * n_labels,
                [None] * n_labels if labels.scores is None else labels.scores,
                [None] * n_labels,
                counts,
                [None if c == 0 else b for c, b in zip(counts, best.tolist(), strict=True)],
            ]
        )
    )
    out.records.extend(labels.record.tolist())
    out.object_counts.extend(counts)
