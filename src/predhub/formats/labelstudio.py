"""Label Studio tasks with ``predictions`` (or ``annotations``), and create-prediction bodies.

Regions are in percent of ``original_width``/``original_height``. A rectangle's ``x, y`` is its
top-left corner *after* rotation (degrees, clockwise, about that corner), so the centre is found in
pixel space before un-rotating (percent axes are anisotropic). Masks are brush RLE
(:mod:`predhub.formats.brush`). Newer Label Studio's ``vectorlabels`` (polylines, or polygons when
``closed``) and ``bitmasklabels`` (PNG data URL) are read, and polylines written as ``vectorlabels``
(:mod:`predhub.formats._labelstudio_vectors`). Per-region classifications are separate
``choices``/``textarea`` result items carrying the region's ``id``. ``score`` of a prediction is the
label score, a region's ``score`` its confidence; ``model_version`` is reported back to the caller
(formats.md §2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from predhub.core import (
    Box,
    FieldError,
    GeometryKind,
    Label,
    Mask,
    Object,
    Point,
    Polygon,
    Polyline,
)
from predhub.core.geometry import Geometry
from predhub.formats import _labelstudio_choices as choices
from predhub.formats import _labelstudio_vectors as vectors
from predhub.formats import brush
from predhub.formats._common import class_specs, number, points_array
from predhub.formats._labelstudio_ontology import ontology_from_tasks
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "export_label", "ontology_from_tasks", "parse_record"]

_REGION_TYPES = {
    "rectanglelabels": GeometryKind.BOX,
    "polygonlabels": GeometryKind.POLYGON,
    "keypointlabels": GeometryKind.POINT,
    "brushlabels": GeometryKind.MASK,
    "vectorlabels": GeometryKind.POLYLINE,  # newer Label Studio; ``closed: true`` is a polygon
    "bitmasklabels": GeometryKind.MASK,  # newer Label Studio: a PNG data URL
}
_FROM_NAME = {
    "rectanglelabels": "label",
    "polygonlabels": "polygon",
    "keypointlabels": "keypoint",
    "brushlabels": "brush",
    "vectorlabels": "vector",
}
_TYPE_OF = {
    GeometryKind.BOX: "rectanglelabels",
    GeometryKind.POLYGON: "polygonlabels",
    GeometryKind.POLYLINE: "vectorlabels",
    GeometryKind.POINT: "keypointlabels",
    GeometryKind.MASK: "brushlabels",
}


def _sample_key(task: dict[str, Any], options: ImportOptions) -> str:
    data = task.get("data")
    if isinstance(data, dict):
        value = data.get("image")
        if not isinstance(value, str):
            value = next((v for v in data.values() if isinstance(v, str)), None)
        if value is None:
            raise FieldError("data", "needs the image reference (data.image)")
        if options.image_ids is not None and value in options.image_ids:
            return options.image_ids[value]
        # A URL or a path: the sample key is its file name.
        return value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    if "task" in task:  # a create-prediction body refers to the task by id
        tid = task["task"]
        if options.image_ids is not None and tid in options.image_ids:
            return options.image_ids[tid]
        return str(tid)
    raise FieldError("data", "is required")


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    task = record.data
    if not isinstance(task, dict):
        raise FieldError("", "a task must be a JSON object")
    key = _sample_key(task, options)
    if "result" in task and "predictions" not in task:
        return [_parse_prediction(task, "", key, options)]
    predictions = task.get("predictions")
    source = "predictions"
    if not predictions:
        predictions, source = task.get("annotations") or [], "annotations"
    if not isinstance(predictions, list):
        raise FieldError(source, "must be a list")
    if not predictions:
        return [Parsed(Label(key))]
    parsed = [_parse_prediction(p, f"{source}[{i}]", key, options) for i, p in enumerate(predictions)]
    if len(parsed) > 1:
        # One label set holds one label per sample: several predictions of a task are merged into it.
        versions = sorted({p.model_version or "" for p in parsed})
        parsed[0].warnings.append(
            (source, f"{len(parsed)} {source} (model versions {versions}) merged into one label")
        )
    return parsed


def _parse_prediction(pred: Any, path: str, key: str, options: ImportOptions) -> Parsed:
    if not isinstance(pred, dict):
        raise FieldError(path, "must be a JSON object")
    results = pred.get("result", [])
    rpath = f"{path}.result" if path else "result"
    if not isinstance(results, list):
        raise FieldError(rpath, "must be a list")
    score = pred.get("score")
    parsed = Parsed(Label(key, score=None if score is None else number(score, f"{path}.score".lstrip("."))))
    version = pred.get("model_version")
    parsed.model_version = None if version is None else str(version)
    regions: dict[str, Object] = {}
    # Regions first: per-region classifications refer to them by id wherever they sit in the list.
    for r, item in enumerate(results):
        ipath = f"{rpath}[{r}]"
        if not isinstance(item, dict):
            raise FieldError(ipath, "must be a JSON object")
        rtype = item.get("type")
        if rtype in _REGION_TYPES:
            obj = _region(item, ipath, key, options, parsed)
            parsed.label.objects.append(obj)
            parsed.object_paths.append(ipath)
            if obj.id is not None:
                regions[obj.id] = obj
    for r, item in enumerate(results):
        ipath = f"{rpath}[{r}]"
        rtype = item.get("type")
        if rtype in _REGION_TYPES:
            continue
        if rtype not in ("choices", "textarea"):
            parsed.warnings.append((f"{ipath}.type", f"{rtype!r} results are not kept"))
            continue
        owner = regions.get(str(item.get("id")))
        specs = class_specs(options.ontology, owner.class_name if owner else None)
        c = choices.classification(item, ipath, specs)
        if owner is not None:
            owner.classifications.append(c)
        else:
            parsed.label.classifications.append(c)
            parsed.classification_paths.append(ipath)
    return parsed


def _size(item: dict[str, Any], path: str, key: str, options: ImportOptions) -> tuple[int, int]:
    w, h = item.get("original_width"), item.get("original_height")
    if w is None or h is None:
        size = options.size_of(key)
        if size is None:
            raise FieldError(f"{path}.original_width", "is required to turn percent into pixels")
        return size
    for name, v in (("original_width", w), ("original_height", h)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise FieldError(f"{path}.{name}", "must be a positive integer")
    return int(w), int(h)


def _region(item: dict[str, Any], path: str, key: str, options: ImportOptions, parsed: Parsed) -> Object:
    rtype = item["type"]
    value = item.get("value")
    vpath = f"{path}.value"
    if not isinstance(value, dict):
        raise FieldError(vpath, "must be a JSON object")
    names = value.get(rtype)
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise FieldError(f"{vpath}.{rtype}", "must be a non-empty list of label names")
    if len(names) > 1:
        parsed.warnings.append((f"{vpath}.{rtype}", f"several labels {names}; the first is kept"))
    width, height = _size(item, path, key, options)
    parsed.width, parsed.height = width, height
    if item.get("image_rotation", 0):
        parsed.warnings.append((f"{path}.image_rotation", "is not 0; coordinates are read as unrotated"))
    geometry = _region_geometry(rtype, value, vpath, width, height, parsed.warnings)
    score = item.get("score")
    rid = item.get("id")
    return Object(
        names[0],
        geometry,
        1.0 if score is None else number(score, f"{path}.score"),
        id=None if rid is None else str(rid),
    )


def _region_geometry(
    rtype: str, value: dict[str, Any], path: str, width: int, height: int, warnings: list[tuple[str, str]]
) -> Geometry:
    sx, sy = width / 100.0, height / 100.0
    if rtype in ("vectorlabels", "bitmasklabels"):
        return vectors.region_geometry(rtype, value, path, width, height, warnings)
    if rtype == "rectanglelabels":
        x, y, w, h = (number(value.get(k), f"{path}.{k}") for k in ("x", "y", "width", "height"))
        rotation = number(value.get("rotation", 0.0), f"{path}.rotation")
        x, y, w, h = x * sx, y * sy, w * sx, h * sy
        if rotation:
            # (x, y) is the rotated top-left corner; rotation pivots there. Find the centre in pixels.
            t = math.radians(rotation)
            c, s = math.cos(t), math.sin(t)
            cx, cy = x + c * w / 2 - s * h / 2, y + s * w / 2 + c * h / 2
            return Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, rotation)
        return Box(x, y, x + w, y + h)
    if rtype == "polygonlabels":
        pts = points_array(value.get("points"), f"{path}.points")
        return Polygon(pts * np.array([sx, sy]))
    if rtype == "keypointlabels":
        return Point(number(value.get("x"), f"{path}.x") * sx, number(value.get("y"), f"{path}.y") * sy)
    if value.get("format", "rle") != "rle" or not isinstance(value.get("rle"), list):
        raise FieldError(f"{path}.rle", 'brush masks must be {"format": "rle", "rle": [...]}')
    return Mask.from_array(brush.mask_from_rle(value["rle"], width, height, f"{path}.rle"))


# --- export -------------------------------------------------------------------------------------


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[dict[str, Any]]:
    size = options.size_of(label.sample_key)
    if size is None:
        size = next(
            ((o.geometry.width, o.geometry.height) for o in label.objects if isinstance(o.geometry, Mask)),
            None,
        )
    results: list[dict[str, Any]] = []
    for i, obj in enumerate(label.objects):
        if size is None:
            report.drop("object (image size unknown: percent coordinates need it)")
            continue
        region = _export_region(obj, size, i, report)
        if region is None:
            continue
        results.append(region)
        for c in obj.classifications:
            results.append(choices.export_classification(c, region["id"], report))
        if obj.attributes:
            report.drop("object.attributes")
    for j, c in enumerate(label.classifications):
        results.append(choices.export_classification(c, f"c{j}", report))
    image = (
        options.image_ids.get(label.sample_key, label.sample_key) if options.image_ids else label.sample_key
    )
    body: dict[str, Any] = {"result": results}
    if options.ground_truth:
        if label.score is not None:
            report.drop("label.score")
        return [{"data": {"image": image}, "annotations": [body]}]
    if options.model_version is not None:
        body["model_version"] = options.model_version
    if label.score is not None:
        body["score"] = label.score
    return [{"data": {"image": image}, "predictions": [body]}]


def _export_region(
    obj: Object, size: tuple[int, int], index: int, report: ExportReport
) -> dict[str, Any] | None:
    width, height = size
    px, py = 100.0 / width, 100.0 / height
    g = obj.geometry
    value: dict[str, Any]
    if isinstance(g, Box):
        x, y = g.corners()[0] if g.rotation else (g.x0, g.y0)
        value = {"x": float(x) * px, "y": float(y) * py, "width": g.width * px, "height": g.height * py}
        value["rotation"] = g.rotation
    elif isinstance(g, Polygon):
        if g.holes:
            report.drop("polygon.holes")
        value = {"points": (g.points * np.array([px, py])).tolist()}
    elif isinstance(g, Point):
        value = {"x": g.x * px, "y": g.y * py, "width": 1.0}
    elif isinstance(g, Mask):
        if (g.width, g.height) != (width, height):
            report.drop("mask (not the image size)")
            return None
        value = {"format": "rle", "rle": brush.mask_to_rle(g.to_array())}
    else:
        assert isinstance(g, Polyline)
        value = vectors.export_vector(g, px, py)
    rtype = _TYPE_OF[_kind(g)]
    value[rtype] = [obj.class_name]
    return {
        "id": obj.id if obj.id is not None else f"r{index}",
        "type": rtype,
        "from_name": _FROM_NAME[rtype],
        "to_name": "image",
        "original_width": width,
        "original_height": height,
        "image_rotation": 0,
        "value": value,
        "score": obj.confidence,
    }


def _kind(g: Geometry) -> GeometryKind:
    from predhub.core import geometry_kind

    return geometry_kind(g)


CONVERTER = Converter(
    name="labelstudio",
    framing=Framing.JSON,
    sample_field="data.image",
    parse_fn=parse_record,
    export_fn=export_label,
    renames=(
        (".class", ".value.labels"),
        (".box.width", ".value.width"),
        (".box.height", ".value.height"),
        (".box", ".value"),
        (".polygon", ".value.points"),
        (".polyline", ".value.vertices"),
        (".point", ".value"),
        (".mask.size", ".value.rle"),
        (".mask", ".value.rle"),
        (".confidence", ".score"),
        (".answers", ".value.choices"),
        (".answer", ".value.choices"),
        (".name", ".from_name"),
    ),
    description="Label Studio tasks with predictions or annotations (JSON array or NDJSON)",
)
