"""Ultralytics YOLO pose lines (formats.md §7): ``cls xc yc w h px1 py1 [v1] ... [conf]``, normalised.

A line of a point class (in the ontology) is a keypoint set: K comes from the class's ``keypoints``,
each keypoint is 2 values (x, y) or 3 (x, y, visibility; Ultralytics' predictions write the keypoint's
confidence there), and a trailing value is the set's confidence. Keypoints at (0, 0) with 2 values, or
with visibility 0, are not labelled. The box is not kept (a point class holds the keypoints only);
on export it is the box around the points, as Ultralytics derives it.
"""

from __future__ import annotations

from predhub.core import FieldError, Object, ObjectClass, Point
from predhub.formats._coco_keypoints import keypoint_bounds, keypoint_item
from predhub.formats._keypoints import INSTANCE, KEYPOINT, VISIBILITY
from predhub.formats.base import ExportReport

__all__ = ["pose_objects", "pose_values"]


def pose_objects(
    v: list[float], cls: ObjectClass, path: str, width: int, height: int, warnings: list[tuple[str, str]]
) -> list[Object]:
    """The labelled keypoints of one pose line (``v`` without the class id) as point objects."""
    k = len(cls.keypoints)
    if not k:
        raise FieldError(path, f"class {cls.name!r} names no keypoints: the pose line cannot be split")
    rest = len(v) - 4
    # (values per keypoint, trailing confidence); 3 per keypoint wins the tie of K = 1.
    layouts = [(d, c) for d in (3, 2) for c in (0, 1) if rest == k * d + c]
    if not layouts:
        raise FieldError(
            path, f"{len(v) + 1} values: not a pose line of {k} keypoints (5 + {k} x 2 or 3, + conf)"
        )
    d, c = layouts[0]
    conf = v[-1] if c else 1.0
    warnings.append((path, "the pose box is not kept: a point class holds the keypoints only"))
    points = []
    for j, name in enumerate(cls.keypoints):
        x, y = v[4 + j * d] * width, v[5 + j * d] * height
        attributes: dict[str, object] = {INSTANCE: path, KEYPOINT: name}
        if d == 3:
            visibility = v[6 + j * d]
            if visibility == 0:
                continue
            attributes[VISIBILITY] = int(visibility) if visibility == int(visibility) else visibility
        elif x == 0 and y == 0:
            continue
        points.append(Object(cls.name, Point(x, y), conf, attributes=attributes))
    return points


def pose_values(
    points: list[Object], cls: ObjectClass | None, width: int, height: int, report: ExportReport
) -> tuple[list[float], Object] | None:
    """The normalised values after the class id of one set's pose line (box around the points, then
    x y v per keypoint), and the point whose confidence the line carries."""
    made = keypoint_item(points, cls, report)
    if made is None:
        return None
    item, carrier = made
    box = keypoint_bounds(points)
    values = [
        (box.x0 + box.x1) / 2 / width,
        (box.y0 + box.y1) / 2 / height,
        box.width / width,
        box.height / height,
    ]
    flat = item["keypoints"]
    for j in range(0, len(flat), 3):
        values += [flat[j] / width, flat[j + 1] / height, flat[j + 2]]
    return values, carrier
