"""COCO keypoints (formats.md §6): ``keypoints`` ``[x, y, v] * K`` in the category's keypoint order,
v = 0 not labelled (x = y = 0), 1 labelled but occluded, 2 visible (results files may hold a score).

One annotation or result is one keypoint set: its labelled keypoints (v > 0) become point objects
(see :mod:`predhub.formats._keypoints`) named by the class's ``keypoints`` in the ontology, or by
their 0-based index when the ontology names none. On export the points of a set are put back in
that order, unlabelled keypoints written as ``0, 0, 0``.
"""

from __future__ import annotations

from typing import Any

from predhub.core import Box, FieldError, Object, ObjectClass, Point
from predhub.formats._common import number
from predhub.formats._keypoints import INSTANCE, KEYPOINT, VISIBILITY, differs, shared_attributes
from predhub.formats.base import ExportReport

__all__ = ["keypoint_item", "keypoint_objects"]


def keypoint_objects(
    data: dict[str, Any],
    name: str,
    cls: ObjectClass | None,
    instance: str,
    score: float,
    warnings: list[tuple[str, str]],
) -> tuple[list[Object], list[str]]:
    """The labelled keypoints of one annotation as point objects, and their paths in the record."""
    values = data.get("keypoints")
    if not isinstance(values, list) or len(values) % 3:
        raise FieldError("keypoints", "must be a flat list [x1, y1, v1, x2, y2, v2, ...]")
    names = cls.keypoints if cls is not None else ()
    k = len(values) // 3
    if names and k != len(names):
        raise FieldError("keypoints", f"holds {k} keypoints; class {name!r} names {len(names)}")
    lost = [key for key in ("segmentation", "bbox") if data.get(key)]
    if lost:
        warnings.append((lost[0], f"{' and '.join(lost)} not kept: a point class holds the keypoints only"))
    objects: list[Object] = []
    paths: list[str] = []
    for j in range(k):
        x, y, v = (number(values[3 * j + c], f"keypoints[{3 * j + c}]") for c in range(3))
        if v == 0:
            continue  # not labelled: COCO writes 0, 0, 0
        attributes: dict[str, Any] = {
            INSTANCE: instance,
            KEYPOINT: names[j] if names else j,
            VISIBILITY: int(v) if v == int(v) else v,
        }
        objects.append(Object(name, Point(x, y), score, attributes=attributes))
        paths.append(f"keypoints[{3 * j}]")
    if not objects:
        warnings.append(("keypoints", "no keypoint is labelled (v > 0): the set is not kept"))
    return objects, paths


def keypoint_item(
    points: list[Object], cls: ObjectClass | None, report: ExportReport
) -> tuple[dict[str, Any], Object] | None:
    """``keypoints``/``num_keypoints`` of one set, and the point whose confidence the set carries;
    None when no point of it can be placed."""
    names = cls.keypoints if cls is not None else ()
    placed: dict[int, Object] = {}
    for j, p in enumerate(points):
        key = p.attributes.get(KEYPOINT, None if INSTANCE in p.attributes else j)
        if isinstance(key, str) and key in names:
            position = names.index(key)
        elif (
            isinstance(key, int)
            and not isinstance(key, bool)
            and key >= 0
            and (not names or key < len(names))
        ):
            position = key
        else:
            report.drop("keypoint (not among the class's keypoints in the ontology)")
            continue
        if position in placed:
            report.drop("keypoint (the same keypoint twice in one set)")
            continue
        placed[position] = p
    if not placed:
        return None
    if INSTANCE not in points[0].attributes:
        report.convert("point as a one-keypoint set")
    if differs(points):
        report.drop("keypoint confidence or attributes differing within a set (COCO has one per set)")
    values: list[float] = []
    for position in range(len(names) if names else max(placed) + 1):
        point = placed.get(position)
        if point is None:
            values += [0, 0, 0]
            continue
        assert isinstance(point.geometry, Point)
        values += [point.geometry.x, point.geometry.y, point.attributes.get(VISIBILITY, 2)]
    first = points[0]
    carrier = Object(first.class_name, first.geometry, first.confidence, first.classifications)
    carrier.attributes = shared_attributes(points)
    carrier.id = first.attributes.get(INSTANCE)
    return {"keypoints": values, "num_keypoints": len(placed)}, carrier


def keypoint_bounds(points: list[Object]) -> Box:
    """The box around a set's points (COCO ground truth wants a ``bbox`` and an ``area``)."""
    xs = [p.geometry.x for p in points if isinstance(p.geometry, Point)]
    ys = [p.geometry.y for p in points if isinstance(p.geometry, Point)]
    return Box(min(xs), min(ys), max(xs), max(ys))
