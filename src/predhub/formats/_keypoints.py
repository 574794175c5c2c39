"""Keypoint sets as neutral points: one point object per keypoint, grouped by attributes.

The neutral model has no keypoint-set geometry; a set (a COCO ``keypoints`` annotation, a Supervisely
``graph``) becomes one :class:`~predhub.core.Point` object per labelled keypoint, each with

- ``instance``: the set's id (string), shared by its points;
- ``keypoint``: the keypoint's name (the class's ``keypoints`` in the ontology, a Supervisely node
  id), or its 0-based index when the names are unknown;
- ``visibility``: COCO's ``v`` (1 labelled but occluded, 2 visible; a score in some results files),
  absent when the source does not say.

Formats that write keypoint sets regroup the points with :func:`regroup`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from predhub.core import Object, Point

__all__ = ["INSTANCE", "KEYPOINT", "VISIBILITY", "differs", "is_keypoint", "regroup", "shared_attributes"]

INSTANCE = "instance"
KEYPOINT = "keypoint"
VISIBILITY = "visibility"
_OWN = frozenset({INSTANCE, KEYPOINT, VISIBILITY})


def is_keypoint(obj: Object) -> bool:
    return isinstance(obj.geometry, Point) and INSTANCE in obj.attributes


def regroup(objects: list[Object]) -> Iterator[Object | list[Object]]:
    """The objects in order, the points of one keypoint set (class, instance) gathered into a list at
    the place of its first point."""
    groups: dict[tuple[str, Any], list[Object]] = {}
    order: list[Object | tuple[str, Any]] = []
    for obj in objects:
        if not is_keypoint(obj):
            order.append(obj)
            continue
        key = (obj.class_name, obj.attributes[INSTANCE])
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(obj)
    for item in order:
        yield groups[item] if isinstance(item, tuple) else item


def shared_attributes(points: list[Object]) -> dict[str, Any]:
    """The attributes of a set's first point other than the keypoint's own (what a set carries once)."""
    return {k: v for k, v in points[0].attributes.items() if k not in _OWN}


def differs(points: list[Object]) -> bool:
    """True when the points of one set disagree on what a set carries once (confidence, tags)."""
    first = points[0]
    common = shared_attributes(points)
    return any(
        p.confidence != first.confidence
        or p.classifications != first.classifications
        or shared_attributes([p]) != common
        for p in points[1:]
    )
