"""Supervisely annotation JSON, one per image (formats.md §5).

``{"size": {"height", "width"}, "tags": [...], "objects": [...]}``; an object has ``classTitle``,
``geometryType`` and ``points: {"exterior", "interior"}`` (``[x, y]`` pairs) or ``bitmap: {"data",
"origin"}``. Rectangles are *inclusive* integer pixels (width = right - left + 1). A bitmap is the
mask cropped to its bounding box, as base64 of a zlib-compressed PNG, placed at ``origin``. Tags are
``{"name", "value"?}``: a ``confidence`` (or ``conf``/``score``) number is the object's confidence;
strings are choices or free text; several tags of one name are a multiple choice.

``oriented_bbox`` (rotated box), ``graph`` (keypoints, one point per node) and ``alpha_mask`` (read
as a binary mask) are in :mod:`predhub.formats._supervisely_shapes`; ``cuboid_2d`` and other types
are reported as not kept.

The record's key is the image name (``ann/<image>.json``); a wrapper ``{"image", "annotation"}`` is
read too.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np

from predhub.core import (
    Box,
    Classification,
    ClassificationKind,
    FieldError,
    Label,
    Mask,
    Object,
    Point,
    Polygon,
    Polyline,
)
from predhub.core.geometry import Geometry
from predhub.formats import _supervisely_shapes as shapes
from predhub.formats import raster
from predhub.formats._attributes import classification_from_value, value_from_classification
from predhub.formats._common import class_specs, number, points_array
from predhub.formats._keypoints import regroup
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "decode_bitmap", "encode_bitmap", "export_label", "parse_record"]

_CONFIDENCE_TAGS = ("confidence", "conf", "score")
_GEOMETRY_TYPES = ("rectangle", "oriented_bbox", "polygon", "line", "point", "bitmap", "alpha_mask")
_NOT_KEPT = {
    "cuboid_2d": "cuboid_2d objects are not kept (predhub holds no 2D cuboid; its 8 vertices and 3D "
    "position would be lost as loose points)",
}


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    data = record.data
    key = record.key
    if isinstance(data, dict) and "annotation" in data and "image" in data:
        key, data = str(data["image"]), data["annotation"]
    if not isinstance(data, dict):
        raise FieldError("", "must be a JSON object")
    if not key:
        raise FieldError("image", "the annotation's image name is unknown")
    size = data.get("size") or {}
    width, height = size.get("width"), size.get("height")
    if width is not None and (not isinstance(width, int) or not isinstance(height, int)):
        raise FieldError("size", "must be {height, width} integers")
    parsed = Parsed(Label(key), width=width, height=height)
    for i, obj in enumerate(data.get("objects") or []):
        path = f"objects[{i}]"
        if not isinstance(obj, dict) or not isinstance(obj.get("classTitle"), str):
            raise FieldError(f"{path}.classTitle", "is required")
        gtype = obj.get("geometryType")
        if gtype == "graph":
            # A keypoint set: one point per node, each with the graph's tags (see _keypoints).
            for npath, point in shapes.graph_points(obj, path, str(i)):
                point.class_name = obj["classTitle"]
                _tags(obj.get("tags") or [], f"{path}.tags", point, options, parsed)
                parsed.label.objects.append(point)
                parsed.object_paths.append(npath)
            continue
        if gtype not in _GEOMETRY_TYPES:
            parsed.warnings.append(
                (f"{path}.geometryType", _NOT_KEPT.get(str(gtype), f"{gtype!r} objects are not kept"))
            )
            continue
        geometry = _geometry(obj, gtype, path, width, height, options, parsed.warnings)
        o = Object(obj["classTitle"], geometry)
        _tags(obj.get("tags") or [], f"{path}.tags", o, options, parsed)
        parsed.label.objects.append(o)
        parsed.object_paths.append(path)
    holder = Object("", Point(0, 0))
    _tags(data.get("tags") or [], "tags", holder, options, parsed, image_level=True)
    parsed.label.classifications = holder.classifications
    parsed.classification_paths = ["tags"] * len(holder.classifications)
    return [parsed]


def _tags(
    tags: list[Any], path: str, obj: Object, options: ImportOptions, parsed: Parsed, image_level: bool = False
) -> None:
    specs = class_specs(options.ontology, None if image_level else obj.class_name)
    by_name: dict[str, Classification] = {}
    for j, tag in enumerate(tags):
        if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
            raise FieldError(f"{path}[{j}].name", "is required")
        name, value = tag["name"], tag.get("value")
        if not image_level and name in _CONFIDENCE_TAGS and isinstance(value, int | float):
            obj.confidence = number(value, f"{path}[{j}].value")
            continue
        c = classification_from_value(name, value, specs)
        if c is None:
            if image_level:
                parsed.warnings.append((f"{path}[{j}]", "only text and choice image tags are kept"))
            else:
                obj.attributes[name] = True if value is None else value
            continue
        # Supervisely writes a multiple choice as several tags of one name.
        if name in by_name:
            first = by_name[name]
            first.kind = ClassificationKind.MULTI
            first.answers.extend(c.answers)
            continue
        by_name[name] = c
        obj.classifications.append(c)


def _geometry(
    obj: dict[str, Any],
    gtype: str,
    path: str,
    width: int | None,
    height: int | None,
    options: ImportOptions,
    warnings: list[tuple[str, str]],
) -> Geometry:
    if gtype in ("bitmap", "alpha_mask"):
        bitmap = obj.get("bitmap")
        if not isinstance(bitmap, dict):
            raise FieldError(f"{path}.bitmap", 'must be {"data", "origin"}')
        if width is None or height is None:
            raise FieldError("size", "is required to place a bitmap")
        dpath = f"{path}.bitmap.data"
        if gtype == "bitmap":
            crop = decode_bitmap(bitmap.get("data"), dpath, options.max_mask_pixels)
        else:
            crop = shapes.soft_mask(bitmap.get("data"), dpath, options.max_mask_pixels, warnings)
        return Mask.from_array(shapes.place(crop, bitmap.get("origin"), width, height, f"{path}.bitmap"))
    if gtype == "oriented_bbox":
        return shapes.oriented_bbox(obj, path)
    points = obj.get("points")
    if not isinstance(points, dict):
        raise FieldError(f"{path}.points", 'must be {"exterior", "interior"}')
    ext = points_array(points.get("exterior"), f"{path}.points.exterior")
    if gtype == "rectangle":
        if len(ext) != 2:
            raise FieldError(f"{path}.points.exterior", "a rectangle is two corners")
        lo, hi = ext.min(axis=0), ext.max(axis=0)
        # Inclusive pixel indices: the right edge of pixel column r is r + 1.
        return Box(float(lo[0]), float(lo[1]), float(hi[0]) + 1, float(hi[1]) + 1)
    if gtype == "polygon":
        holes = points.get("interior") or []
        return Polygon(
            ext, tuple(points_array(h, f"{path}.points.interior[{k}]") for k, h in enumerate(holes))
        )
    if gtype == "line":
        return Polyline(ext)
    if len(ext) != 1:
        raise FieldError(f"{path}.points.exterior", "a point is one [x, y]")
    return Point(float(ext[0, 0]), float(ext[0, 1]))


def decode_bitmap(data: Any, path: str, max_pixels: int = raster.DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Supervisely bitmap data: base64 of a zlib-compressed PNG (or of a plain PNG) -> bool crop."""
    return raster.mask_from_png(shapes.png_bytes(data, path, max_pixels), path, None, max_pixels)


def encode_bitmap(crop: np.ndarray) -> str:
    """Inverse of :func:`decode_bitmap` as the Supervisely SDK writes it (palette PNG, zlib, base64)."""
    return base64.b64encode(zlib.compress(raster.encode_png(crop, palette=True))).decode("ascii")


# --- export -------------------------------------------------------------------------------------


def export_label(
    label: Label, options: ExportOptions, report: ExportReport
) -> list[tuple[str, dict[str, Any]]]:
    size = options.size_of(label.sample_key)
    if size is None:
        size = next(
            ((o.geometry.width, o.geometry.height) for o in label.objects if isinstance(o.geometry, Mask)),
            None,
        )
    objects = []
    for item in regroup(label.objects):
        if isinstance(item, list):
            entry, obj = shapes.export_graph(item, report)
        else:
            obj = item
            maybe = _export_geometry(obj.geometry, report)
            if maybe is None:
                continue
            entry = maybe
        tags: list[dict[str, Any]] = []
        if obj.confidence != 1.0:
            tags.append({"name": "confidence", "value": obj.confidence})
        tags += _export_tags(obj.classifications, report)
        for name, value in obj.attributes.items():
            if value is True:
                tags.append({"name": name})
            elif isinstance(value, int | float) and not isinstance(value, bool):
                tags.append({"name": name, "value": value})
            else:
                report.drop("object.attributes (not a number or a flag)")
        objects.append({"classTitle": obj.class_name, "description": "", "tags": tags, **entry})
    ann: dict[str, Any] = {
        "description": "",
        "tags": _export_tags(label.classifications, report),
        "objects": objects,
    }
    if size is not None:
        ann["size"] = {"height": size[1], "width": size[0]}
    if label.score is not None:
        report.drop("label.score")
    return [(f"{label.sample_key}.json", ann)]


def _export_tags(classifications: list[Classification], report: ExportReport) -> list[dict[str, Any]]:
    tags = []
    for c in classifications:
        value = value_from_classification(c, report)
        for v in value if isinstance(value, list) else [value]:
            tags.append({"name": c.name, "value": v})
    return tags


def _export_geometry(g: Geometry, report: ExportReport) -> dict[str, Any] | None:
    if isinstance(g, Box):
        if g.rotation:
            return shapes.export_oriented_bbox(g)
        values = np.array(g.xyxy)
        if not np.array_equal(values, np.round(values)):
            report.convert("box rounded to whole pixels")
        x0, y0, x1, y1 = (int(np.rint(v)) for v in values)
        return {
            "geometryType": "rectangle",
            "points": {"exterior": [[x0, y0], [x1 - 1, y1 - 1]], "interior": []},
        }
    if isinstance(g, Polygon):
        return {
            "geometryType": "polygon",
            "points": {"exterior": g.points.tolist(), "interior": [h.tolist() for h in g.holes]},
        }
    if isinstance(g, Polyline):
        return {"geometryType": "line", "points": {"exterior": g.points.tolist(), "interior": []}}
    if isinstance(g, Point):
        return {"geometryType": "point", "points": {"exterior": [[g.x, g.y]], "interior": []}}
    arr = g.to_array()
    ys, xs = np.nonzero(arr)
    if len(xs) == 0:
        report.drop("empty mask")
        return None
    x0, y0 = int(xs.min()), int(ys.min())
    crop = arr[y0 : int(ys.max()) + 1, x0 : int(xs.max()) + 1]
    return {"geometryType": "bitmap", "bitmap": {"data": encode_bitmap(crop), "origin": [x0, y0]}}


CONVERTER = Converter(
    name="supervisely",
    framing=Framing.PER_SAMPLE,
    sample_field="image",
    parse_fn=parse_record,
    export_fn=export_label,
    renames=(
        (".class", ".classTitle"),
        (".box", ".points.exterior"),
        (".polygon", ".points.exterior"),
        (".polyline", ".points.exterior"),
        (".point", ".points.exterior"),
        (".holes", ".points.interior"),
        (".mask", ".bitmap"),
        (".confidence", ".tags.confidence"),
        (".classifications", ".tags"),
    ),
    description="Supervisely annotation JSON (one file per image, ann/<image>.json)",
)
