"""COCO ground truth and results as numpy columns, read as pycocotools' ``COCO`` reads them.

The rules that decide numbers are pycocotools': ground-truth ``area`` comes from the file (never
recomputed); a results file is typed by its *first* item (``COCO.loadRes``): if it has a non-empty
``bbox`` every result's area is ``w*h`` (even for segm) and a missing segmentation becomes the box's
polygon; otherwise the segmentation is the shape, its area the mask area and its box ``toBbox``.
Result ids are 1-based positions in the file. Polygons are rasterised by ``annToRLE``'s rules.

Where pycocotools would crash (no ``iscrowd``, no ``area``, an empty results list) we take the obvious
meaning instead (0, ``w*h`` or the mask area, nothing detected); malformed records raise
:class:`~predhub.core.errors.FieldError` naming the record and field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from predhub.core.errors import FieldError
from predhub.eval._fast_results import scan_box_results
from predhub.eval._rle import RleColumn, decode_strings, rle_area, rle_to_bbox
from predhub.eval._rle_poly import polygons_to_rle

__all__ = ["CocoGroundTruth", "CocoObjects", "load_coco_gt", "load_coco_results", "read_json"]

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bool = npt.NDArray[np.bool_]


@dataclass(slots=True)
class CocoObjects:
    """N objects (ground truth or detections) as columns; ``bbox`` is COCO ``[x, y, w, h]``, (N, 4)."""

    image_id: I64
    category_id: I64
    bbox: F64
    area: F64
    iscrowd: Bool
    score: F64
    id: I64
    masks: RleColumn | None = None

    def __len__(self) -> int:
        return len(self.id)


@dataclass(slots=True)
class CocoGroundTruth:
    image_ids: I64
    heights: I64
    widths: I64
    category_ids: I64
    category_names: list[str]
    objects: CocoObjects
    raw_annotations: list[dict[str, Any]]

    def image_size(self, image_id: I64) -> tuple[I64, I64]:
        order = np.argsort(self.image_ids, kind="stable")
        pos = np.searchsorted(self.image_ids[order], image_id)
        pos = np.clip(pos, 0, max(len(order) - 1, 0))
        idx = order[pos] if len(order) else pos
        return self.heights[idx], self.widths[idx]


def read_json(source: str | Path | bytes | Any) -> Any:
    """Parse a path, bytes, or pass through an already-parsed object."""
    if isinstance(source, (str, Path)):
        return orjson.loads(Path(source).read_bytes())
    if isinstance(source, (bytes, bytearray, memoryview)):
        return orjson.loads(source)
    return source


def _find_bad(records: list[dict[str, Any]], key: str, where: str, check: Any) -> FieldError:
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            return FieldError(f"{where}[{i}]", "must be an object")
        if key not in rec:
            return FieldError(f"{where}[{i}].{key}", "is required")
        try:
            check(rec[key])
        except (TypeError, ValueError) as exc:
            return FieldError(f"{where}[{i}].{key}", f"has a bad value {rec[key]!r}: {exc}")
    return FieldError(where, f"bad {key} values")


def _ints(records: list[dict[str, Any]], key: str, where: str) -> I64:
    try:
        return np.fromiter((r[key] for r in records), dtype=np.int64, count=len(records))
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        raise _find_bad(
            records, key, where, lambda v: np.int64(v) if not isinstance(v, bool) else 1 / 0
        ) from exc


def _floats(records: list[dict[str, Any]], key: str, where: str) -> F64:
    try:
        return np.fromiter((r[key] for r in records), dtype=np.float64, count=len(records))
    except (KeyError, TypeError, ValueError) as exc:
        raise _find_bad(records, key, where, float) from exc


def _boxes(records: list[dict[str, Any]], where: str) -> F64:
    if not records:
        return np.zeros((0, 4), dtype=np.float64)
    try:
        arr = np.array([r["bbox"] for r in records], dtype=np.float64)
        if arr.shape == (len(records), 4):
            return arr
    except (KeyError, TypeError, ValueError):
        pass

    def check(v: Any) -> None:
        if len(np.asarray(v, dtype=np.float64).reshape(-1)) != 4 or not isinstance(v, list):
            raise ValueError("must be [x, y, width, height]")

    raise _find_bad(records, "bbox", where, check)


def _optional_flags(records: list[dict[str, Any]], key: str) -> Bool:
    return np.fromiter((bool(r.get(key, 0)) for r in records), dtype=np.bool_, count=len(records))


def masks_from_segmentations(
    segs: list[Any], heights: I64, widths: I64, where: str, positions: list[int] | None = None
) -> RleColumn:
    """COCO ``segmentation`` values → one RLE column, following ``COCO.annToRLE`` and
    ``mask.frPyObjects``: a list is polygons (or boxes when its first part has exactly 4 numbers),
    unioned with ``rleMerge``; a dict is RLE with string (compressed) or list (uncompressed) counts,
    of its own ``size``."""
    n = len(segs)
    poly_idx: list[int] = []
    coords: list[F64] = []
    part_lengths: list[int] = []
    parts_per_object: list[int] = []
    as_boxes: list[bool] = []
    str_idx: list[int] = []
    strings: list[bytes] = []
    str_h: list[int] = []
    str_w: list[int] = []
    raw_idx: list[int] = []
    raw_cols: list[RleColumn] = []
    for i, seg in enumerate(segs):
        pos = positions[i] if positions is not None else i
        field = f"{where}[{pos}].segmentation"
        if isinstance(seg, list):
            if seg and not isinstance(seg[0], list):
                raise FieldError(field, "polygons must be a list of [x0, y0, x1, y1, ...] lists")
            boxes = bool(seg) and len(seg[0]) == 4
            if seg and len(seg[0]) < 4:
                raise FieldError(field, "a polygon needs at least 3 points")
            for j, part in enumerate(seg):
                try:
                    arr = np.asarray(part, dtype=np.float64).reshape(-1)
                except (TypeError, ValueError) as exc:
                    raise FieldError(f"{field}[{j}]", "must be a list of numbers") from exc
                if boxes and len(arr) != 4:
                    raise FieldError(f"{field}[{j}]", "must have 4 numbers like the first part (boxes)")
                coords.append(arr)
                part_lengths.append(len(arr))
            poly_idx.append(i)
            parts_per_object.append(len(seg))
            as_boxes.append(boxes)
        elif isinstance(seg, dict) and "counts" in seg and "size" in seg:
            try:
                h, w = (int(v) for v in seg["size"])
            except (TypeError, ValueError) as exc:
                raise FieldError(f"{field}.size", "must be [height, width]") from exc
            counts = seg["counts"]
            if isinstance(counts, str):
                counts = counts.encode("ascii")
            if isinstance(counts, bytes):
                str_idx.append(i)
                strings.append(counts)
                str_h.append(h)
                str_w.append(w)
            elif isinstance(counts, list):
                try:
                    # frUncompressedRLE casts to uint32, as we do.
                    c = np.asarray(counts, dtype=np.int64).astype(np.uint32)
                except (TypeError, ValueError) as exc:
                    raise FieldError(f"{field}.counts", "must be a list of integers or a string") from exc
                raw_idx.append(i)
                raw_cols.append(
                    RleColumn(
                        c, np.array([0, len(c)], np.int64), np.array([h], np.int64), np.array([w], np.int64)
                    )
                )
            else:
                raise FieldError(f"{field}.counts", "must be a string or a list of integers")
        else:
            raise FieldError(field, "must be polygons or an RLE object with size and counts")
    cols: list[RleColumn] = []
    order: list[int] = []
    if poly_idx:
        part_offsets = np.zeros(len(part_lengths) + 1, dtype=np.int64)
        np.cumsum(part_lengths, out=part_offsets[1:])
        object_parts = np.zeros(len(poly_idx) + 1, dtype=np.int64)
        np.cumsum(parts_per_object, out=object_parts[1:])
        idx = np.asarray(poly_idx, dtype=np.int64)
        flat = np.concatenate(coords) if coords else np.zeros(0, np.float64)
        cols.append(
            polygons_to_rle(flat, part_offsets, object_parts, heights[idx], widths[idx], np.asarray(as_boxes))
        )
        order.extend(poly_idx)
    if str_idx:
        cols.append(decode_strings(strings, np.asarray(str_h, np.int64), np.asarray(str_w, np.int64)))
        order.extend(str_idx)
    if raw_idx:
        cols.extend(raw_cols)
        order.extend(raw_idx)
    merged = RleColumn.concat(cols)
    inverse = np.empty(n, dtype=np.int64)
    inverse[np.asarray(order, dtype=np.int64)] = np.arange(n, dtype=np.int64)
    return merged.take(inverse)


def load_coco_gt(source: str | Path | bytes | dict[str, Any], with_masks: bool = False) -> CocoGroundTruth:
    """Read a COCO ground-truth file (or its parsed dict); masks only when ``with_masks``."""
    data = read_json(source)
    if not isinstance(data, dict):
        raise FieldError("", "a COCO ground-truth file must be a JSON object")
    images = data.get("images") or []
    anns = data.get("annotations") or []
    cats = data.get("categories") or []
    image_ids = _ints(images, "id", "images")
    if len(np.unique(image_ids)) != len(image_ids):
        dup = int(
            image_ids[np.argsort(image_ids, kind="stable")][
                np.flatnonzero(np.diff(np.sort(image_ids)) == 0)[0]
            ]
        )
        raise FieldError("images", f"image id {dup} appears more than once")
    category_ids = _ints(cats, "id", "categories")
    names = [str(c.get("name", c["id"])) for c in cats]
    ids = _ints(anns, "id", "annotations")
    if len(np.unique(ids)) != len(ids):
        # pycocotools indexes annotations by id and would silently evaluate one twice.
        s = np.sort(ids)
        dup = int(s[np.flatnonzero(np.diff(s) == 0)[0]])
        raise FieldError("annotations", f"annotation id {dup} appears more than once")
    image_id = _ints(anns, "image_id", "annotations")
    category_id = _ints(anns, "category_id", "annotations")
    has_box = all("bbox" in a for a in anns)
    bbox = _boxes(anns, "annotations") if has_box else np.full((len(anns), 4), np.nan)
    if all("area" in a for a in anns):
        area = _floats(anns, "area", "annotations")
    else:
        area = np.fromiter(
            (
                a["area"] if "area" in a else (a["bbox"][2] * a["bbox"][3] if "bbox" in a else np.nan)
                for a in anns
            ),
            dtype=np.float64,
            count=len(anns),
        )
    objects = CocoObjects(
        image_id=image_id,
        category_id=category_id,
        bbox=bbox,
        area=area,
        iscrowd=_optional_flags(anns, "iscrowd"),
        score=np.ones(len(anns), dtype=np.float64),
        id=ids,
        masks=None,
    )
    gt = CocoGroundTruth(
        image_ids=image_ids,
        heights=np.fromiter((int(i.get("height", 0)) for i in images), np.int64, len(images)),
        widths=np.fromiter((int(i.get("width", 0)) for i in images), np.int64, len(images)),
        category_ids=category_ids,
        category_names=names,
        objects=objects,
        raw_annotations=anns,
    )
    if with_masks:
        attach_gt_masks(gt)
    return gt


def attach_gt_masks(gt: CocoGroundTruth) -> None:
    """Rasterise the ground truth's segmentations (segm evaluation), for objects on known images."""
    anns = gt.raw_annotations
    known = np.isin(gt.objects.image_id, gt.image_ids)
    h, w = gt.image_size(gt.objects.image_id)
    segs: list[Any] = []
    for i, a in enumerate(anns):
        if "segmentation" not in a and known[i]:
            raise FieldError(f"annotations[{i}].segmentation", "is required for segm evaluation")
        segs.append(a.get("segmentation", []) if known[i] else [])
    gt.objects.masks = masks_from_segmentations(segs, h, w, "annotations")


def load_coco_results(
    source: str | Path | bytes | list[dict[str, Any]], gt: CocoGroundTruth, with_masks: bool = False
) -> CocoObjects:
    """Read a COCO results file as ``COCO.loadRes`` would, against ``gt``'s images."""
    raw = Path(source).read_bytes() if isinstance(source, (str, Path)) else source
    if isinstance(raw, (bytes, bytearray, memoryview)):
        fast = scan_box_results(bytes(raw))
        if fast is not None:
            return _box_results(*fast, gt=gt, with_masks=with_masks)
    anns = read_json(raw)
    if not isinstance(anns, list):
        raise FieldError("", "a COCO results file must be a JSON array of detections")
    n = len(anns)
    image_id = _ints(anns, "image_id", "results")
    unknown = ~np.isin(image_id, gt.image_ids)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise FieldError(f"results[{i}].image_id", f"image {int(image_id[i])} is not in the ground truth")
    category_id = _ints(anns, "category_id", "results")
    score = _floats(anns, "score", "results")
    ids = np.arange(1, n + 1, dtype=np.int64)
    box_typed = n > 0 and isinstance(anns[0], dict) and "bbox" in anns[0] and anns[0]["bbox"] != []
    masks: RleColumn | None = None
    if box_typed:
        bbox = _boxes(anns, "results")
        area = bbox[:, 2] * bbox[:, 3]
        if with_masks:
            x1, y1 = bbox[:, 0], bbox[:, 1]
            x2, y2 = x1 + bbox[:, 2], y1 + bbox[:, 3]
            box_polys = np.stack([x1, y1, x1, y2, x2, y2, x2, y1], axis=1)
            segs = [
                a["segmentation"] if "segmentation" in a else [box_polys[i].tolist()]
                for i, a in enumerate(anns)
            ]
            h, w = gt.image_size(image_id)
            masks = masks_from_segmentations(segs, h, w, "results")
    elif n:
        missing = [i for i, a in enumerate(anns) if "segmentation" not in a]
        if missing:
            raise FieldError(f"results[{missing[0]}]", "needs a bbox or a segmentation")
        h, w = gt.image_size(image_id)
        masks = masks_from_segmentations([a["segmentation"] for a in anns], h, w, "results")
        area = rle_area(masks)
        bbox = rle_to_bbox(masks)
        given = [i for i, a in enumerate(anns) if "bbox" in a]
        if given:
            bbox[given] = _boxes([anns[i] for i in given], "results")
    else:
        bbox = np.zeros((0, 4), dtype=np.float64)
        area = np.zeros(0, dtype=np.float64)
    return CocoObjects(
        image_id=image_id,
        category_id=category_id,
        bbox=bbox,
        area=area,
        iscrowd=np.zeros(n, dtype=np.bool_),
        score=score,
        id=ids,
        masks=masks,
    )


def _box_results(
    image_id: I64, category_id: I64, bbox: F64, score: F64, gt: CocoGroundTruth, with_masks: bool
) -> CocoObjects:
    # The fast path's columns: a box-typed file without segmentations (loadRes' bbox branch).
    n = len(image_id)
    unknown = ~np.isin(image_id, gt.image_ids)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise FieldError(f"results[{i}].image_id", f"image {int(image_id[i])} is not in the ground truth")
    masks = None
    if with_masks and n:
        x1, y1 = bbox[:, 0], bbox[:, 1]
        x2, y2 = x1 + bbox[:, 2], y1 + bbox[:, 3]
        polys = np.stack([x1, y1, x1, y2, x2, y2, x2, y1], axis=1)
        h, w = gt.image_size(image_id)
        masks = polygons_to_rle(
            polys.reshape(-1), np.arange(0, 8 * n + 1, 8, dtype=np.int64), np.arange(n + 1, dtype=np.int64),
            h, w, np.zeros(n, dtype=np.bool_),
        )  # fmt: skip
    return CocoObjects(
        image_id=image_id,
        category_id=category_id,
        bbox=bbox,
        area=bbox[:, 2] * bbox[:, 3],
        iscrowd=np.zeros(n, dtype=np.bool_),
        score=score,
        id=np.arange(1, n + 1, dtype=np.int64),
        masks=masks,
    )
