"""COCO: ground truth (``images``, ``categories``, ``annotations``) and results (a bare list).

A record is one annotation or one result: ``image_id``, ``category_id``, ``bbox`` ``[x, y, w, h]``,
``segmentation`` (polygons as flat lists, or RLE with ``counts`` a string or a list), ``score``
(results), ``iscrowd`` and ``id`` (ground truth). Category ids are arbitrary integers: they map to
class names through ``ImportOptions.categories`` (the dataset's ``categories``, or the ontology's
classes numbered from 1). Image ids map to sample keys through ``ImportOptions.image_ids``.

Which geometry a record becomes follows the class's kind in the ontology when there is one (a box
class reads ``bbox``, a polygon class the polygon, a mask class the RLE or the rasterised polygon),
otherwise the segmentation when present, else the box — as pycocotools' ``loadRes`` looks at a result.
A point class (or, with no ontology, a record with ``keypoints``) reads the keypoints instead: one
point per labelled keypoint (:mod:`predhub.formats._coco_keypoints`); a category with ``keypoints``
names becomes such a class in :func:`ontology_from_coco`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
from PIL import Image, ImageDraw

from predhub.core import (
    Box,
    FieldError,
    GeometryKind,
    Label,
    Mask,
    Object,
    ObjectClass,
    Point,
    Polygon,
    Polyline,
)
from predhub.core.box_run import BoxRun
from predhub.core.geometry import Geometry
from predhub.formats._coco_keypoints import keypoint_bounds, keypoint_item, keypoint_objects
from predhub.formats._coco_ontology import ontology_from_coco
from predhub.formats._common import default_categories, number, points_array
from predhub.formats._keypoints import regroup
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.json_rows import number_tokens, per_row, write_rows
from predhub.formats.registry import Converter

__all__ = [
    "CONVERTER",
    "categories_for",
    "export_boxes",
    "export_label",
    "ontology_from_coco",
    "parse_record",
]


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    data = record.data
    if not isinstance(data, dict):
        raise FieldError("", "an annotation must be a JSON object")
    if "image_id" not in data:
        raise FieldError("image_id", "is required")
    image_id = data["image_id"]
    if options.image_ids is not None:
        key = options.image_ids.get(image_id)
        if key is None:
            raise FieldError("image_id", f"image {image_id!r} is not among the file's or dataset's images")
    else:
        key = str(image_id)
    categories = options.categories or default_categories(options.ontology, 1)
    cid = data.get("category_id")
    if isinstance(cid, bool) or not isinstance(cid, int | float) or cid != int(cid):
        raise FieldError("category_id", "must be an integer")
    name = categories.get(int(cid))
    if name is None:
        raise FieldError("category_id", f"unknown category id {int(cid)}")
    cls = options.ontology.object_class(name) if options.ontology else None
    warnings: list[tuple[str, str]] = []
    size = options.size_of(key)
    score = data.get("score")
    if score is None:
        score = 1.0
    elif type(score) is not float or score - score != 0:
        score = number(score, "score")
    keypoints = data.get("keypoints")
    if cls is not None and cls.kind is GeometryKind.POINT and not keypoints:
        raise FieldError("keypoints", f"is required: class {name!r} is drawn as points")
    if keypoints and (cls is None or cls.kind is GeometryKind.POINT):
        instance = str(data["id"]) if data.get("id") is not None else f"r{record.index}"
        objects, paths = keypoint_objects(data, name, cls, instance, score, warnings)
        if data.get("iscrowd"):
            for o in objects:
                o.attributes["iscrowd"] = 1
        label = Label(key, objects=objects)
        return [_parsed(label, paths, size, warnings)]
    geometry = _geometry(data, cls, size, warnings)
    obj = Object(name, geometry, score)
    if data.get("iscrowd"):
        obj.attributes["iscrowd"] = 1
    if data.get("id") is not None:
        obj.id = str(data["id"])
    if keypoints:
        warnings.append(
            ("keypoints", f"not kept: class {name!r} is drawn as {cls.kind.value if cls else ''}")
        )
    return [_parsed(Label(key, objects=[obj]), [""], size, warnings)]


def _parsed(
    label: Label, paths: list[str], size: tuple[int, int] | None, warnings: list[tuple[str, str]]
) -> Parsed:
    return Parsed(
        label,
        object_paths=paths,
        width=size[0] if size else None,
        height=size[1] if size else None,
        warnings=warnings,
    )


_NUMBER = (int, float)


def _geometry(
    data: dict[str, Any],
    cls: ObjectClass | None,
    size: tuple[int, int] | None,
    warnings: list[tuple[str, str]],
) -> Geometry:
    bbox = data.get("bbox")
    seg = data.get("segmentation")
    if not seg and type(bbox) is list and len(bbox) == 4 and (cls is None or cls.kind is GeometryKind.BOX):
        # The hot path of detection results: four plain finite numbers (x - x is 0 only when finite).
        x, y, w, h = bbox
        if (
            type(x) in _NUMBER
            and type(y) in _NUMBER
            and type(w) in _NUMBER
            and type(h) in _NUMBER
            and (x - x) + (y - y) + (w - w) + (h - h) == 0
        ):
            return Box(float(x), float(y), float(x + w), float(y + h))
    has_seg = bool(seg)
    kind = cls.kind if cls else None
    if kind is GeometryKind.BOX or (kind is None and not has_seg):
        if "bbox" not in data:
            raise FieldError(
                "bbox", "is required" + (" for a box class" if kind else " without a segmentation")
            )
        return _box(data["bbox"])
    if not has_seg:
        raise FieldError("segmentation", f"is required for a {kind} class")
    if isinstance(seg, dict):
        mask = _rle(seg)
        if kind is GeometryKind.POLYGON:
            raise FieldError("segmentation", "is an RLE mask, the class is drawn as polygon")
        return mask
    if not isinstance(seg, list) or not all(isinstance(part, list) for part in seg):
        raise FieldError("segmentation", "must be a list of polygons or an RLE {size, counts}")
    parts = [points_array(part, f"segmentation[{i}]", flat=True) for i, part in enumerate(seg)]
    if len(parts) == 1 and kind is not GeometryKind.MASK:
        return Polygon(parts[0])
    if kind is GeometryKind.POLYGON:
        raise FieldError("segmentation", f"has {len(parts)} parts; a polygon class takes one")
    if size is None:
        raise FieldError("segmentation", "a polygon read as a mask needs the image size")
    warnings.append(
        ("segmentation", "polygon rasterised to a mask (pixel edges may differ from pycocotools)")
    )
    return Mask.from_array(rasterize(parts, size[0], size[1]))


def _box(value: Any) -> Box:
    if not isinstance(value, list) or len(value) != 4:
        raise FieldError("bbox", "must be [x, y, width, height]")
    x, y, w, h = (number(v, f"bbox[{i}]") for i, v in enumerate(value))
    return Box.from_xywh(x, y, w, h)


def _rle(seg: dict[str, Any]) -> Mask:
    size = seg.get("size")
    if not isinstance(size, list) or len(size) != 2 or not all(isinstance(v, int) and v >= 0 for v in size):
        raise FieldError("segmentation.size", "must be [height, width]")
    counts = seg.get("counts")
    if isinstance(counts, list) and not all(isinstance(c, int) and c >= 0 for c in counts):
        raise FieldError("segmentation.counts", "must be non-negative integers")
    if not isinstance(counts, str | list):
        raise FieldError("segmentation.counts", "must be an RLE string or a list of run lengths")
    try:
        return Mask.from_coco(seg)
    except ValueError as exc:
        raise FieldError("segmentation.counts", str(exc)) from exc


def rasterize(parts: Iterable[npt.NDArray[np.float64]], width: int, height: int) -> npt.NDArray[np.bool_]:
    """Fill polygons (pixel-edge coordinates) into a (height, width) mask, even-odd per part."""
    canvas = Image.new("1", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    for part in parts:
        if len(part) >= 3:
            # PIL fills pixel centres; COCO coordinates are pixel edges, hence the half-pixel shift.
            draw.polygon([(float(x) - 0.5, float(y) - 0.5) for x, y in part], fill=1)
    return np.asarray(canvas, dtype=bool)


# --- export -------------------------------------------------------------------------------------


def categories_for(options: ExportOptions) -> list[dict[str, Any]]:
    """The ``categories`` of an export: the given ids, else the ontology's classes numbered from 1."""
    categories = options.categories or default_categories(options.ontology, 1)
    out = []
    for cid, name in sorted(categories.items()):
        category: dict[str, Any] = {"id": cid, "name": name}
        cls = options.ontology.object_class(name) if options.ontology else None
        if cls is not None and cls.keypoints:
            # COCO's skeleton joins keypoints by 1-based index.
            category["keypoints"] = list(cls.keypoints)
            index = {k: n + 1 for n, k in enumerate(cls.keypoints)}
            category["skeleton"] = [[index[a], index[b]] for a, b in cls.skeleton]
        out.append(category)
    return out


def _image_id(key: str, options: ExportOptions) -> Any:
    if options.image_ids is not None and key in options.image_ids:
        return options.image_ids[key]
    # pycocotools keys images by any hashable id; numeric keys become ints as COCO files have them.
    return int(key) if key.isdigit() else key


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[dict[str, Any]]:
    ids = {c["name"]: c["id"] for c in categories_for(options)}
    if not ids:
        raise ValueError("a COCO export needs the ontology or the category ids")
    image_id = _image_id(label.sample_key, options)
    size = options.size_of(label.sample_key)
    out: list[dict[str, Any]] = []
    if options.ground_truth:
        image: dict[str, Any] = {"id": image_id, "file_name": label.sample_key}
        mask = next((o.geometry for o in label.objects if isinstance(o.geometry, Mask)), None)
        if size is None and mask is not None:
            size = (mask.width, mask.height)
        if size is not None:
            image["width"], image["height"] = size
        out.append(image)
    for i, item in enumerate(regroup(label.objects)):
        first = item[0] if isinstance(item, list) else item
        cid = ids.get(first.class_name)
        if cid is None:
            report.drop(f"object of class {first.class_name!r} (no category id)")
            continue
        entry: dict[str, Any] = {"image_id": image_id, "category_id": cid}
        if isinstance(item, list) or isinstance(item.geometry, Point):
            cls = options.ontology.object_class(first.class_name) if options.ontology else None
            made = keypoint_item(item if isinstance(item, list) else [item], cls, report)
            if made is None:
                continue
            geometry, obj = made
            if options.ground_truth:
                box = keypoint_bounds(item if isinstance(item, list) else [item])
                geometry.update(bbox=list(box.xywh), area=box.area)
        else:
            obj = item
            maybe = _export_geometry(obj.geometry, size, report)
            if maybe is None:
                continue
            geometry = maybe
        entry.update(geometry)
        if options.ground_truth:
            entry["id"] = int(obj.id) if obj.id and obj.id.isdigit() else _annotation_id(label.sample_key, i)
            entry["iscrowd"] = 1 if obj.attributes.get("iscrowd") else 0
            if entry["iscrowd"] and isinstance(obj.geometry, Mask):
                entry["segmentation"] = obj.geometry.to_coco(compressed=False)
            entry.setdefault("segmentation", [])
        else:
            if "keypoints" in entry and obj.id and obj.id.isdigit():
                entry["id"] = int(obj.id)  # the set's instance; pycocotools' loadRes renumbers anyway
            # A result has no area (loadRes computes it): without one it reads back on the bulk path.
            entry.pop("area", None)
            entry["score"] = obj.confidence
        if obj.classifications:
            report.drop("object.classifications")
        if set(obj.attributes) - {"iscrowd"}:
            report.drop("object.attributes")
        out.append(entry)
    if label.classifications:
        report.drop("classification", len(label.classifications))
    if label.score is not None:
        report.drop("label.score")
    return out


def export_boxes(run: BoxRun, options: ExportOptions, report: ExportReport) -> tuple[int, bytes]:
    """The results records of a run of plain-box labels, in bulk: their number, and their JSON joined
    by ``",\\n"``. The same records, in the same order and with the same report, as
    :func:`export_label` gives label by label (ground truth goes label by label: its ``images``
    entries and annotation ids are per label)."""
    if options.ground_truth:
        raise ValueError("export_boxes writes COCO results; ground truth goes through export_label")
    ids = {c["name"]: c["id"] for c in categories_for(options)}
    if not ids:
        raise ValueError("a COCO export needs the ontology or the category ids")
    category = {name: orjson.dumps(cid) for name, cid in ids.items()}
    images = [orjson.dumps(_image_id(key, options)) for key in run.keys]
    keep = [name in category for name in run.classes]
    image_of = per_row(images, run.counts)
    classes = run.classes
    x0, y0, x1, y1, score = run.x0, run.y0, run.x1, run.y1, run.confidence
    if not all(keep):
        for name in (n for n, k in zip(classes, keep, strict=True) if not k):
            report.drop(f"object of class {name!r} (no category id)")
        image_of = [i for i, k in zip(image_of, keep, strict=True) if k]
        classes = [n for n, k in zip(classes, keep, strict=True) if k]
        x0, y0, x1, y1, score = (a[np.asarray(keep, dtype=bool)] for a in (x0, y0, x1, y1, score))
    count = len(classes)
    body = write_rows(
        [
            b'{"image_id":',
            image_of,
            b',"category_id":',
            [category[name] for name in classes],
            b',"bbox":[',
            number_tokens([x0, y0, x1 - x0, y1 - y0]),
            b'],"score":',
            number_tokens([score]),
            b"}",
        ],
        count,
        b",\n",
    )
    return count, body


def _annotation_id(key: str, index: int) -> int:
    # Stable and unique enough across one export: a 31-bit hash of (sample, index).
    import zlib

    return zlib.crc32(f"{key}\x00{index}".encode()) & 0x7FFFFFFF


def _export_geometry(
    geometry: Geometry, size: tuple[int, int] | None, report: ExportReport
) -> dict[str, Any] | None:
    if isinstance(geometry, Box):
        if geometry.rotation:
            report.convert("rotated box as polygon")
            return _polygon_item(Polygon(geometry.corners()))
        return {"bbox": list(geometry.xywh), "area": geometry.area}
    if isinstance(geometry, Polygon):
        if geometry.holes:
            if size is None:
                report.drop("polygon.holes")
            else:
                report.convert("polygon with holes as RLE")
                return _mask_item(Mask.from_array(_fill_with_holes(geometry, size)))
        return _polygon_item(geometry)
    if isinstance(geometry, Mask):
        return _mask_item(geometry)
    assert isinstance(geometry, Polyline)
    report.drop("polyline")
    return None


def _polygon_item(polygon: Polygon) -> dict[str, Any]:
    b = polygon.bounds()
    return {"segmentation": [polygon.points.ravel().tolist()], "bbox": list(b.xywh), "area": polygon.area}


def _mask_item(mask: Mask) -> dict[str, Any]:
    return {"segmentation": mask.to_coco(), "bbox": list(mask.bounds().xywh), "area": mask.area}


def _fill_with_holes(polygon: Polygon, size: tuple[int, int]) -> npt.NDArray[np.bool_]:
    outer = rasterize([polygon.points], *size)
    holes = rasterize(polygon.holes, *size)
    return np.asarray(outer & ~holes)


CONVERTER = Converter(
    name="coco",
    framing=Framing.COCO,
    sample_field="image_id",
    parse_fn=parse_record,
    export_fn=export_label,
    export_boxes_fn=export_boxes,
    export_boxes_ids=False,  # a results record has no id
    renames=(
        (".class", ".category_id"),
        (".box.width", ".bbox[2]"),
        (".box.height", ".bbox[3]"),
        (".box", ".bbox"),
        (".polygon", ".segmentation"),
        (".mask.size", ".segmentation.size"),
        (".mask", ".segmentation"),
        (".confidence", ".score"),
        (".point", ""),
    ),
    description="COCO ground truth (dataset JSON) and results (detections list)",
)
