"""Detection evaluation of predhub labels: the neutral core's Label lists in, a DetectionEvaluation out.

Labels become the same columns a COCO file gives (:class:`~predhub.eval.coco_data.CocoObjects`) and go
through the very same evaluation. Choices at this edge:

- a sample is an image; images are numbered in the order the ground truth lists them, then samples
  only the predictions know (that order breaks score ties, as image ids do in pycocotools);
- classes: ``classes`` if given, else every class name either side uses, sorted — a class on one side
  only then shows (AP -1 without ground truth, 0 without predictions);
- boxes are ``[x0, y0, x1, y1]`` in the core and become COCO ``[x, y, w, h]``; a rotated box counts
  as its axis-aligned bounds (for masks, its exact polygon);
- area: for boxes ``w*h``, polygons their shoelace area, masks the pixel count (segm: always the
  rasterised mask's area, like COCO's annotation tools);
- ``attributes["iscrowd"]`` truthy marks a crowd region; points and polylines have no area and are
  left out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from predhub.core.geometry import Box, Polygon
from predhub.core.label import Label, Object
from predhub.core.mask import Mask
from predhub.eval._rle import RleColumn, rle_area, rle_to_bbox
from predhub.eval._rle_poly import polygons_to_rle
from predhub.eval.coco_data import CocoGroundTruth, CocoObjects
from predhub.eval.coco_eval import evaluate_coco
from predhub.eval.coco_params import CocoParams, IouType
from predhub.eval.detection_results import DetectionEvaluation

__all__ = ["evaluate_detections", "labels_to_coco"]

F64 = npt.NDArray[np.float64]


def _evaluable(obj: Object) -> bool:
    return isinstance(obj.geometry, Box | Polygon | Mask)


def _box_xywh(obj: Object) -> tuple[float, float, float, float]:
    g = obj.geometry
    if isinstance(g, Box):
        if g.rotation:
            c = g.corners()
            lo, hi = c.min(axis=0), c.max(axis=0)
            return (float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1]))
        return g.xywh
    if isinstance(g, Polygon):
        return g.bounds().xywh
    assert isinstance(g, Mask)
    return g.bounds().xywh


def _area(obj: Object) -> float:
    g = obj.geometry
    if isinstance(g, Box):
        return g.area
    if isinstance(g, Polygon):
        return g.area
    assert isinstance(g, Mask)
    return float(g.area)


def _ring_rle(points: F64, h: int, w: int) -> npt.NDArray[np.bool_]:
    flat = np.ascontiguousarray(points, dtype=np.float64).reshape(-1)
    col = polygons_to_rle(
        flat,
        np.array([0, len(flat)], np.int64),
        np.array([0, 1], np.int64),
        np.array([h], np.int64),
        np.array([w], np.int64),
        np.zeros(1, np.bool_),
    )
    return Mask(h, w, col.counts).to_array()


def _object_mask(obj: Object, h: int, w: int, where: str) -> Mask:
    g = obj.geometry
    if isinstance(g, Mask):
        return g
    if h <= 0 or w <= 0:
        raise ValueError(f"{where}: segm evaluation of a {type(g).__name__.lower()} needs the image size")
    if isinstance(g, Box):
        return Mask.from_array(_ring_rle(g.corners(), h, w))
    assert isinstance(g, Polygon)
    # pycocotools has no holes; outer ring minus hole rings, each rasterised by rleFrPoly
    arr = _ring_rle(g.points, h, w)
    for hole in g.holes:
        arr &= ~_ring_rle(hole, h, w)
    return Mask.from_array(arr)


def labels_to_coco(
    gt: Sequence[Label],
    predictions: Sequence[Label],
    classes: Sequence[str] | None = None,
    iou_type: IouType = IouType.BBOX,
    image_sizes: dict[str, tuple[int, int]] | None = None,
) -> tuple[CocoGroundTruth, CocoObjects, list[str], list[str | None], list[str | None]]:
    """Columns for :func:`evaluate_coco`, plus the sample keys and object ids behind the rows.

    ``image_sizes`` maps sample key → (height, width), needed only to rasterise boxes and polygons
    for segm evaluation (masks carry their own size).
    """
    keys: list[str] = []
    index: dict[str, int] = {}
    for label in [*gt, *predictions]:
        if label.sample_key not in index:
            index[label.sample_key] = len(keys)
            keys.append(label.sample_key)
    names = (
        list(classes)
        if classes is not None
        else sorted({o.class_name for lab in [*gt, *predictions] for o in lab.objects if _evaluable(o)})
    )
    class_id = {n: i for i, n in enumerate(names)}
    sizes = image_sizes or {}
    segm = IouType(iou_type) is IouType.SEGM

    def columns(labels: Sequence[Label], side: str) -> tuple[CocoObjects, list[str | None]]:
        rows: list[tuple[int, int, tuple[float, float, float, float], float, bool, float]] = []
        ids: list[str | None] = []
        masks: list[Mask] = []
        for li, label in enumerate(labels):
            h, w = sizes.get(label.sample_key, (0, 0))
            for oi, obj in enumerate(label.objects):
                if not _evaluable(obj):
                    continue
                where = f"{side}[{li}].objects[{oi}]"
                if obj.class_name not in class_id:
                    if classes is not None:
                        continue  # a class outside the evaluated ones, as pycocotools' catIds filter
                    raise ValueError(f"{where}.class: unknown class {obj.class_name!r}")
                crowd = bool(obj.attributes.get("iscrowd", False))
                rows.append(
                    (index[label.sample_key], class_id[obj.class_name], _box_xywh(obj), _area(obj), crowd,
                     float(obj.confidence))
                )  # fmt: skip
                ids.append(obj.id if obj.id is not None else f"{label.sample_key}/{oi}")
                if segm:
                    mh, mw = (h, w)
                    if isinstance(obj.geometry, Mask):
                        mh, mw = obj.geometry.height, obj.geometry.width
                    masks.append(_object_mask(obj, mh, mw, where))
        n = len(rows)
        col: RleColumn | None = None
        bbox = np.array([r[2] for r in rows], dtype=np.float64).reshape(n, 4)
        area = np.array([r[3] for r in rows], dtype=np.float64)
        if segm:
            lengths = np.array([len(m.counts) for m in masks], dtype=np.int64)
            offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(lengths, out=offsets[1:])
            col = RleColumn(
                np.concatenate([m.counts for m in masks]).astype(np.uint32)
                if masks
                else np.zeros(0, np.uint32),
                offsets,
                np.array([m.height for m in masks], dtype=np.int64),
                np.array([m.width for m in masks], dtype=np.int64),
            )
            area = rle_area(col)
            if side == "predictions":
                bbox = rle_to_bbox(col)
        objs = CocoObjects(
            image_id=np.array([r[0] for r in rows], dtype=np.int64),
            category_id=np.array([r[1] for r in rows], dtype=np.int64),
            bbox=bbox,
            area=area if side == "gt" or segm else bbox[:, 2] * bbox[:, 3],
            iscrowd=np.array([r[4] for r in rows], dtype=np.bool_),
            score=np.array([r[5] for r in rows], dtype=np.float64),
            id=np.arange(1, n + 1, dtype=np.int64),
            masks=col,
        )
        return objs, ids

    gt_objs, gt_ids = columns(gt, "gt")
    dt_objs, dt_ids = columns(predictions, "predictions")
    heights = np.array([sizes.get(k, (0, 0))[0] for k in keys], dtype=np.int64)
    widths = np.array([sizes.get(k, (0, 0))[1] for k in keys], dtype=np.int64)
    ground_truth = CocoGroundTruth(
        image_ids=np.arange(len(keys), dtype=np.int64),
        heights=heights,
        widths=widths,
        category_ids=np.arange(len(names), dtype=np.int64),
        category_names=names,
        objects=gt_objs,
        raw_annotations=[],
    )
    return ground_truth, dt_objs, keys, gt_ids, dt_ids


def evaluate_detections(
    gt: Sequence[Label],
    predictions: Sequence[Label],
    *,
    classes: Sequence[str] | None = None,
    params: CocoParams | None = None,
    image_sizes: dict[str, tuple[int, int]] | None = None,
) -> DetectionEvaluation:
    """COCO evaluation of one label set (predictions) against another (ground truth).

    Either side may be a model: model-vs-model works the same, the "ground truth" side is the reference.
    """
    params = params or CocoParams()
    ground_truth, dets, keys, gt_ids, dt_ids = labels_to_coco(
        gt, predictions, classes, params.iou_type, image_sizes
    )
    ev = evaluate_coco(ground_truth, dets, params)
    ev.sample_keys = keys
    ev.gt_object_ids = gt_ids
    ev.dt_object_ids = dt_ids
    return ev
