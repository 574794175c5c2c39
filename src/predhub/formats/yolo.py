"""Ultralytics YOLO txt: one file per image, one object per line, coordinates normalised 0..1.

- detect ``cls xc yc w h [conf]`` -> box
- segment ``cls x1 y1 ... xn yn [conf]`` -> polygon
- OBB ``cls x1 y1 x2 y2 x3 y3 x4 y4 [conf]`` -> rotated box (``ImportOptions.yolo_task = "obb"``)
- pose ``cls xc yc w h px1 py1 [v1] ... [conf]`` -> a keypoint set, for a point class naming its
  keypoints in the ontology (:mod:`predhub.formats._yolo_pose`)

The trailing confidence is told apart by the token count: a detect line has 5 tokens, 6 with conf; a
segment line ``1 + 2k`` (odd), ``2 + 2k`` (even) with conf. The files do not carry the image size:
it comes from ``ImportOptions.sizes``. Class ids are 0-based indices into the dataset's ``names``
(``ImportOptions.categories``, else the ontology's classes in order).
"""

from __future__ import annotations

import math
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from predhub.core import Box, FieldError, GeometryKind, Label, Object, Point, Polygon
from predhub.formats._common import default_categories
from predhub.formats._keypoints import regroup
from predhub.formats._yolo_pose import pose_objects, pose_values
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "export_label", "parse_record"]


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    text = record.data
    key = record.key
    if isinstance(text, dict):  # {"image": key, "text": "..."} from an API body
        key, text = text.get("image", key), text.get("text")
    if not isinstance(text, str) or not key:
        raise FieldError("", "a YOLO record is the text of one labels file, named after its image")
    size = options.size_of(key)
    if size is None:
        raise FieldError("", f"the size of image {key!r} is needed to read normalised coordinates")
    width, height = size
    names = options.categories or default_categories(options.ontology, 0)
    parsed = Parsed(Label(key), width=width, height=height)
    for n, line in enumerate(text.splitlines()):
        tokens = line.split()
        if not tokens:
            continue
        path = f"lines[{n}]"
        try:
            values = [float(t) for t in tokens]
        except ValueError as exc:
            raise FieldError(path, f"must be numbers: {exc}") from exc
        if not all(math.isfinite(v) for v in values):
            raise FieldError(path, "must be finite")
        cls = values[0]
        if cls != int(cls) or int(cls) not in names:
            raise FieldError(f"{path}.class", f"unknown class id {tokens[0]}")
        point_class = options.ontology.object_class(names[int(cls)]) if options.ontology else None
        if point_class is not None and point_class.kind is GeometryKind.POINT:
            for point in pose_objects(values[1:], point_class, path, width, height, parsed.warnings):
                parsed.label.objects.append(point)
                parsed.object_paths.append(path)
            continue
        obj = _object(values[1:], options.yolo_task, path, width, height)
        obj.class_name = names[int(cls)]
        parsed.label.objects.append(obj)
        parsed.object_paths.append(path)
    return [parsed]


def _object(v: list[float], task: str, path: str, width: int, height: int) -> Object:
    n = len(v)
    scale = np.array([width, height], dtype=np.float64)
    if task == "obb" and n in (8, 9):
        corners = np.asarray(v[:8]).reshape(4, 2) * scale
        conf = v[8] if n == 9 else 1.0
        return Object("", _box_from_corners(corners), conf)
    if n in (4, 5):
        xc, yc, w, h = v[0] * width, v[1] * height, v[2] * width, v[3] * height
        return Object("", Box(xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2), v[4] if n == 5 else 1.0)
    if n >= 6:
        conf = 1.0
        if n % 2:
            conf, v = v[-1], v[:-1]
        return Object("", Polygon(np.asarray(v).reshape(-1, 2) * scale), conf)
    raise FieldError(path, f"{n + 1} values: neither a box (5/6) nor a polygon (7+)")


def _box_from_corners(c: np.ndarray) -> Box:
    # Corners clockwise from the (rotated) top-left: width along c0->c1, height along c1->c2.
    centre = c.mean(axis=0)
    w = float(np.hypot(*(c[1] - c[0])))
    h = float(np.hypot(*(c[2] - c[1])))
    if w >= h:
        angle = math.degrees(math.atan2(c[1][1] - c[0][1], c[1][0] - c[0][0]))
    else:  # the longer side tells the angle: a (near) zero-width box's width side is rounding noise
        angle = math.degrees(math.atan2(c[2][1] - c[1][1], c[2][0] - c[1][0])) - 90.0
    cx, cy = float(centre[0]), float(centre[1])
    return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, angle)


# --- export -------------------------------------------------------------------------------------


def _fmt(values: Any) -> str:
    # repr() is the shortest text that reads back to the same float.
    return " ".join(repr(float(v)) for v in values)


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[tuple[str, str]]:
    size = options.size_of(label.sample_key)
    names = options.categories or default_categories(options.ontology, 0)
    ids = {name: cid for cid, name in names.items()}
    lines = []
    for item in regroup(label.objects):
        obj = item[0] if isinstance(item, list) else item
        cid = ids.get(obj.class_name)
        if cid is None:
            report.drop(f"object of class {obj.class_name!r} (no class id)")
            continue
        if size is None:
            report.drop("object (image size unknown: normalised coordinates need it)")
            continue
        width, height = size
        g = obj.geometry
        cls = options.ontology.object_class(obj.class_name) if options.ontology else None
        if isinstance(g, Point) and cls is not None and cls.kind is GeometryKind.POINT:
            made = pose_values(item if isinstance(item, list) else [item], cls, width, height, report)
            if made is None:
                continue
            values, obj = np.asarray(made[0]), made[1]
        elif isinstance(g, Box) and g.rotation:
            values = (g.corners() / np.array([width, height])).ravel()
        elif isinstance(g, Box):
            values = np.array(
                [(g.x0 + g.x1) / 2 / width, (g.y0 + g.y1) / 2 / height, g.width / width, g.height / height]
            )
        elif isinstance(g, Polygon):
            if g.holes:
                report.drop("polygon.holes")
            values = (g.points / np.array([width, height])).ravel()
        else:
            report.drop(type(g).__name__.lower())
            continue
        line = f"{cid} {_fmt(values)}"
        if obj.confidence != 1.0:
            line += f" {obj.confidence!r}"
        if obj.classifications:
            report.drop("object.classifications")
        if obj.attributes:
            report.drop("object.attributes")
        lines.append(line)
    if label.classifications:
        report.drop("classification", len(label.classifications))
    if label.score is not None:
        report.drop("label.score")
    return [(f"{PurePosixPath(label.sample_key).stem}.txt", "".join(f"{line}\n" for line in lines))]


CONVERTER = Converter(
    name="yolo",
    framing=Framing.PER_SAMPLE,
    sample_field="file",
    parse_fn=parse_record,
    export_fn=export_label,
    renames=((".box", ""), (".polygon", ""), (".point", "")),
    unit="file",
    description="Ultralytics YOLO txt (detect, segment, OBB, pose; optional trailing confidence)",
)
