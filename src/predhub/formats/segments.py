"""Segments.ai label attributes (``format_version`` "0.1"), one label per sample (formats.md §4).

A record is what ``client.add_label`` takes: ``{"sample_uuid", "attributes": {...}, "score"?,
"label_status"?}`` (seed 003). An *image vector* label lists ``annotations`` with ``type`` ``bbox``
(two corners, any order), ``polygon``, ``polyline`` or ``point``; an *image segmentation* label lists
``{"id", "category_id"}`` and a ``segmentation_bitmap`` URL to an RGBA PNG whose pixel value
R + 256·G + 65536·B is the instance ``id`` (the caller passes the PNG bytes in
``ImportOptions.masks``). Object attributes and ``image_attributes`` are flat; ``score`` is per label.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from predhub.core import Box, FieldError, Label, LabelStatus, Mask, Object, Point, Polygon, Polyline
from predhub.core.geometry import Geometry
from predhub.formats import raster
from predhub.formats._attributes import classification_from_value, value_from_classification
from predhub.formats._common import class_specs, default_categories, number, points_array
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "export_label", "parse_record"]


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    data = record.data
    if not isinstance(data, dict):
        raise FieldError("", "must be a JSON object")
    key = data.get("sample_uuid", data.get("sample", record.key))
    if not isinstance(key, str) or not key:
        raise FieldError("sample_uuid", "is required")
    attrs = data.get("attributes")
    if not isinstance(attrs, dict):
        raise FieldError("attributes", "must be the label attributes object")
    version = attrs.get("format_version")
    if version != "0.1":
        raise FieldError("attributes.format_version", f'must be "0.1" (image labels), got {version!r}')
    score = data.get("score")
    status = (
        LabelStatus.PRELABEL
        if str(data.get("label_status", "")).upper() == "PRELABELED"
        else LabelStatus.LABELED
    )
    parsed = Parsed(Label(key, score=None if score is None else number(score, "score"), status=status))
    categories = options.categories or default_categories(options.ontology, 1)
    annotations = attrs.get("annotations", [])
    if not isinstance(annotations, list):
        raise FieldError("attributes.annotations", "must be a list")
    ids = _bitmap_ids(attrs, options)
    for i, ann in enumerate(annotations):
        path = f"attributes.annotations[{i}]"
        if not isinstance(ann, dict):
            raise FieldError(path, "must be a JSON object")
        cid = ann.get("category_id")
        if not isinstance(cid, int) or isinstance(cid, bool):
            raise FieldError(f"{path}.category_id", "must be an integer")
        name = categories.get(cid)
        if name is None:
            raise FieldError(f"{path}.category_id", f"unknown category id {cid}")
        oid = ann.get("id")
        if not isinstance(oid, int) or isinstance(oid, bool) or oid <= 0:
            raise FieldError(f"{path}.id", "must be an integer > 0")
        geometry = _geometry(ann, path, ids)
        obj = Object(name, geometry, id=str(oid))
        for attr, value in (ann.get("attributes") or {}).items():
            c = classification_from_value(attr, value, class_specs(options.ontology, name))
            if c is not None:
                obj.classifications.append(c)
            else:
                obj.attributes[attr] = value
        parsed.label.objects.append(obj)
        parsed.object_paths.append(path)
    for attr, value in (attrs.get("image_attributes") or {}).items():
        c = classification_from_value(attr, value, class_specs(options.ontology, None))
        if c is None:
            parsed.warnings.append(
                (f"attributes.image_attributes.{attr}", "only text and choice values are kept")
            )
            continue
        parsed.label.classifications.append(c)
        parsed.classification_paths.append(f"attributes.image_attributes.{attr}")
    if ids is not None:
        parsed.height, parsed.width = ids.shape
    return [parsed]


def _bitmap_ids(attrs: dict[str, Any], options: ImportOptions) -> np.ndarray | None:
    bitmap = attrs.get("segmentation_bitmap")
    if bitmap is None:
        return None
    url = bitmap.get("url") if isinstance(bitmap, dict) else None
    if not isinstance(url, str):
        raise FieldError("attributes.segmentation_bitmap.url", "is required")
    try:
        png = None if options.masks is None else options.masks.get(url)
    except ValueError as exc:  # a fetcher's refusal (host not allowed, too large, ...)
        raise FieldError("attributes.segmentation_bitmap.url", str(exc)) from exc
    if png is None:
        raise FieldError(
            "attributes.segmentation_bitmap.url", f"the PNG at {url!r} was not provided (fetch masks first)"
        )
    return raster.id_bitmap_from_png(png, "attributes.segmentation_bitmap.url", options.max_mask_pixels)


def _geometry(ann: dict[str, Any], path: str, ids: np.ndarray | None) -> Geometry:
    kind = ann.get("type")
    if kind is None:
        if ids is None:
            raise FieldError(f"{path}.type", "is required in a vector label")
        return Mask.from_array(ids == ann["id"])
    pts = points_array(ann.get("points"), f"{path}.points")
    if kind == "bbox":
        if len(pts) != 2:
            raise FieldError(f"{path}.points", "a bbox is two corners [[x0, y0], [x1, y1]]")
        lo, hi = pts.min(axis=0), pts.max(axis=0)  # corner order is not to be trusted
        return Box(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
    if kind == "polygon":
        return Polygon(pts)
    if kind == "polyline":
        return Polyline(pts)
    if kind == "point":
        if len(pts) != 1:
            raise FieldError(f"{path}.points", "a point is [[x, y]]")
        return Point(float(pts[0, 0]), float(pts[0, 1]))
    raise FieldError(f"{path}.type", f"{kind!r} is not an image vector type (bbox, polygon, polyline, point)")


# --- export -------------------------------------------------------------------------------------


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[dict[str, Any]]:
    categories = options.categories or default_categories(options.ontology, 1)
    ids = {name: cid for cid, name in categories.items()}
    masks = [o for o in label.objects if isinstance(o.geometry, Mask)]
    segmentation = bool(masks)
    annotations: list[dict[str, Any]] = []
    used: set[int] = set()
    bitmap: np.ndarray | None = None
    for i, obj in enumerate(label.objects):
        cid = ids.get(obj.class_name)
        if cid is None:
            report.drop(f"object of class {obj.class_name!r} (no category id)")
            continue
        if segmentation != isinstance(obj.geometry, Mask):
            report.drop("vector object in a segmentation label")
            continue
        oid = int(obj.id) if obj.id and obj.id.isdigit() and int(obj.id) > 0 else i + 1
        while oid in used:
            oid += len(label.objects)
        used.add(oid)
        ann: dict[str, Any] = {"id": oid, "category_id": cid}
        if isinstance(obj.geometry, Mask):
            arr = obj.geometry.to_array()
            bitmap = np.zeros(arr.shape, np.uint32) if bitmap is None else bitmap
            if bitmap.shape != arr.shape:
                report.drop("mask (size differs from the label's other masks)")
                continue
            if (bitmap[arr] != 0).any():
                report.drop("mask overlap (a pixel holds one instance)")
            bitmap[arr] = oid
        else:
            ann.update(_export_geometry(obj.geometry, report))
        attributes: dict[str, Any] = {
            c.name: value_from_classification(c, report) for c in obj.classifications
        }
        attributes.update(obj.attributes)
        if attributes:
            ann["attributes"] = attributes
        if obj.confidence != 1.0:
            report.drop("object.confidence (Segments keeps one score per label)")
        annotations.append(ann)
    attrs: dict[str, Any] = {"format_version": "0.1", "annotations": annotations}
    if label.classifications:
        attrs["image_attributes"] = {
            c.name: value_from_classification(c, report) for c in label.classifications
        }
    if bitmap is not None:
        name = f"{options.mask_prefix}{label.sample_key}.png"
        report.assets[name] = raster.id_bitmap_to_png(bitmap)
        attrs["segmentation_bitmap"] = {"url": name}
    out: dict[str, Any] = {"sample_uuid": label.sample_key, "attributes": attrs}
    if label.score is not None:
        out["score"] = label.score
    if label.status is LabelStatus.PRELABEL:
        out["label_status"] = "PRELABELED"
    return [out]


def _export_geometry(g: Geometry, report: ExportReport) -> dict[str, Any]:
    if isinstance(g, Box):
        if g.rotation:
            report.convert("rotated box as polygon")
            return {"type": "polygon", "points": g.corners().tolist()}
        return {"type": "bbox", "points": [[g.x0, g.y0], [g.x1, g.y1]]}
    if isinstance(g, Polygon):
        if g.holes:
            report.drop("polygon.holes")
        return {"type": "polygon", "points": g.points.tolist()}
    if isinstance(g, Polyline):
        return {"type": "polyline", "points": g.points.tolist()}
    assert isinstance(g, Point)
    return {"type": "point", "points": [[g.x, g.y]]}


CONVERTER = Converter(
    name="segments",
    framing=Framing.JSON,
    sample_field="sample_uuid",
    parse_fn=parse_record,
    export_fn=export_label,
    renames=(
        (".class", ".category_id"),
        (".box", ".points"),
        (".polygon", ".points"),
        (".polyline", ".points"),
        (".point", ".points"),
        (".mask", ".id"),
        (".classifications", ".attributes"),
    ),
    description="Segments.ai image labels (add_label attributes, format_version 0.1)",
)
