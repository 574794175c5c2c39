"""Label records (predhub's JSON shape, :mod:`predhub.core.serde`) to table rows, validated.

This is the hot path of the hub: predictions arrive by the million. A record whose objects are all
plain boxes (``class``, ``box``, optional ``confidence``) of box classes takes a fast path of a few
comparisons per object with lookups precomputed from the ontology. Anything else, and any fast-path
record that fails a check, goes through the core (``label_from_dict`` + ``validate_label``), so the
errors a client sees are always the core's, field for field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from predhub.core.errors import FieldError
from predhub.core.geometry import Box, GeometryKind, Point, Polygon, Polyline
from predhub.core.label import Label, LabelStatus
from predhub.core.mask import Mask
from predhub.core.ontology import Ontology
from predhub.core.serde import classification_to_dict, label_from_dict
from predhub.core.validation import OUTSIDE_MARGIN, validate_label
from predhub.services.errors import Detail

__all__ = ["OBJECT_COLUMNS", "Prepared", "SampleInfo", "Unparseable", "prepare"]

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
LABEL_COLUMNS = ("label_set_id", "sample_id", "status", "score", "classifications", "object_count")

_FAST_OBJECT_KEYS = frozenset({"class", "box", "confidence"})
_FAST_RECORD_KEYS = frozenset({"sample", "objects", "score", "status"})
_STATUSES = frozenset(s.value for s in LabelStatus)
_NUMBER = (int, float)


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
    """Rows ready for the database, and what was rejected. ``sample_ids[i]`` is record ``records[i]``'s."""

    labels: list[tuple[Any, ...]] = field(default_factory=list)
    objects: list[tuple[Any, ...]] = field(default_factory=list)
    records: list[int] = field(default_factory=list)  # indices of the accepted records
    object_counts: list[int] = field(default_factory=list)
    errors: list[Detail] = field(default_factory=list)
    total: int = 0

    @property
    def rejected(self) -> int:
        return len({d.record for d in self.errors})


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _fast_objects(
    objects: list[Any], box_classes: frozenset[str], ls_id: int, sample: SampleInfo
) -> list[tuple[Any, ...]] | None:
    """Rows for a list of plain boxes, or None to send the record down the core's path."""
    sid = sample.id
    w, h = sample.width, sample.height
    bounded = w is not None and h is not None
    if bounded:
        assert w is not None and h is not None
        mx, my = OUTSIDE_MARGIN * w, OUTSIDE_MARGIN * h
        lo_x, hi_x, lo_y, hi_y = -mx, w + mx, -my, h + my
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for position, obj in enumerate(objects):
        if type(obj) is not dict or not _FAST_OBJECT_KEYS.issuperset(obj):
            return None
        cls = obj.get("class")
        box = obj.get("box")
        if type(cls) is not str or cls not in box_classes or type(box) is not list or len(box) != 4:
            return None
        x0, y0, x1, y1 = box
        if not (type(x0) in _NUMBER and type(y0) in _NUMBER and type(x1) in _NUMBER and type(y1) in _NUMBER):
            return None
        # x - x is 0 for finite numbers and NaN for inf/NaN, so this rejects every non-finite value.
        if (x0 - x0) + (y0 - y0) + (x1 - x1) + (y1 - y1) != 0:
            return None
        bw, bh = x1 - x0, y1 - y0
        if bw < 0 or bh < 0:
            return None
        if bounded and (x0 < lo_x or x1 > hi_x or y0 < lo_y or y1 > hi_y):
            return None
        conf = obj.get("confidence", 1.0)
        if conf is None:
            conf = 1.0
        elif type(conf) not in _NUMBER or not 0.0 <= conf <= 1.0:
            return None
        append(
            (ls_id, sid, position, cls, "box", float(x0), float(y0), float(x1), float(y1), 0.0, float(conf),
             float(bw * bh), None, None, None, None, None, None)
        )  # fmt: skip
    return rows


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


def _core_path(
    record: Any, ontology: Ontology, sample: SampleInfo | None, index: int, ls_id: int
) -> tuple[Label | None, list[tuple[Any, ...]], list[Detail]]:
    try:
        label = label_from_dict(record)
    except FieldError as exc:
        errors = [Detail(index, exc.field or None, exc.message)]
        if sample is None and isinstance(record, dict) and isinstance(record.get("sample"), str):
            errors.insert(0, Detail(index, "sample", f"unknown sample key {record['sample']!r}"))
        return None, [], errors
    errors = []
    if sample is None:
        errors.append(Detail(index, "sample", f"unknown sample key {label.sample_key!r}"))
    w, h = (sample.width, sample.height) if sample is not None else (None, None)
    errors.extend(Detail(index, e.field, e.message) for e in validate_label(label, ontology, w, h))
    if errors or sample is None:
        return None, [], errors
    return label, _object_rows(label, ls_id, sample.id), []


def prepare(
    records: list[Any],
    ontology: Ontology,
    samples: Mapping[str, SampleInfo],
    label_set_id: int,
) -> Prepared:
    """Validate every record (collecting every error) and build the rows of the valid ones."""
    box_classes = frozenset(o.name for o in ontology.objects if o.kind is GeometryKind.BOX)
    out = Prepared(total=len(records))
    seen: dict[int, int] = {}
    for i, record in enumerate(records):
        if isinstance(record, Unparseable):
            out.errors.append(Detail(i, None, record.message))
            continue
        sample: SampleInfo | None = None
        rows: list[tuple[Any, ...]] | None = None
        label_row: tuple[Any, ...] = ()
        key = record.get("sample") if type(record) is dict else None
        if type(key) is str:
            sample = samples.get(key)
        if sample is not None and _FAST_RECORD_KEYS.issuperset(record):
            objects = record.get("objects", [])
            score = record.get("score")
            status = record.get("status", "labeled")
            if (
                type(objects) is list
                and (score is None or (type(score) in _NUMBER and math.isfinite(score)))
                and type(status) is str
                and status in _STATUSES
            ):
                rows = _fast_objects(objects, box_classes, label_set_id, sample)
                if rows is not None:
                    label_row = (label_set_id, sample.id, status, score, None, len(rows))
        if rows is None:
            label, rows, errors = _core_path(record, ontology, sample, i, label_set_id)
            if errors:
                out.errors.extend(errors)
                continue
            assert label is not None and sample is not None
            classifications = (
                _dumps([classification_to_dict(c) for c in label.classifications])
                if label.classifications
                else None
            )
            label_row = (label_set_id, sample.id, label.status.value, label.score, classifications, len(rows))
        assert sample is not None
        if sample.id in seen:
            out.errors.append(Detail(i, "sample", f"repeats the sample of record {seen[sample.id]}"))
            continue
        seen[sample.id] = i
        out.labels.append(label_row)
        out.objects.extend(rows)
        out.records.append(i)
        out.object_counts.append(len(rows))
    return out
