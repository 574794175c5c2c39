"""``upload="iou_merge"``: keep a new object only if no existing object of its class overlaps it
at IoU ≥ a threshold (0.9 by default, the ``iou_merge_threshold`` setting).

IoU is exact for box pairs (axis-aligned) and computed on pixels when a mask or polygon is involved,
on the smallest canvas that holds both shapes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from predhub.core import Box, Geometry, Mask, Object, Point, Polygon, Polyline

__all__ = ["box_iou_matrix", "geometry_iou", "iou_merge"]


def box_iou_matrix(a: npt.ArrayLike, b: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """IoU of every box in ``a`` (N, 4) against every box in ``b`` (M, 4), xyxy → (N, M)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(rb - lt, 0, None), axis=2)
    area_a = np.prod(np.clip(a[:, 2:] - a[:, :2], 0, None), axis=1)
    area_b = np.prod(np.clip(b[:, 2:] - b[:, :2], 0, None), axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _bounds(g: Geometry) -> Box:
    if isinstance(g, Box):
        return g if g.rotation == 0 else Polygon(g.corners()).bounds()
    if isinstance(g, Mask | Polygon | Polyline):
        return g.bounds()
    return Box(g.x, g.y, g.x, g.y)


def _raster(g: Geometry, height: int, width: int) -> npt.NDArray[np.bool_]:
    from PIL import Image, ImageDraw

    if isinstance(g, Mask):
        out = np.zeros((height, width), bool)
        arr = g.to_array()
        h, w = min(height, arr.shape[0]), min(width, arr.shape[1])
        out[:h, :w] = arr[:h, :w]
        return out
    points = g.corners() if isinstance(g, Box) else g.points if isinstance(g, Polygon) else None
    canvas = Image.new("1", (width, height), 0)
    if points is not None and len(points) >= 3:
        # Pixel (x, y) covers [x, x+1) × [y, y+1); PIL fills by pixel centres, so shift by half.
        ImageDraw.Draw(canvas).polygon([(float(x) - 0.5, float(y) - 0.5) for x, y in points], fill=1)
    out = np.asarray(canvas, dtype=bool)
    if isinstance(g, Polygon):
        for hole in g.holes:
            hole_canvas = Image.new("1", (width, height), 0)
            ImageDraw.Draw(hole_canvas).polygon([(float(x) - 0.5, float(y) - 0.5) for x, y in hole], fill=1)
            out = out & ~np.asarray(hole_canvas, dtype=bool)
    return out


def geometry_iou(a: Geometry, b: Geometry) -> float:
    """IoU of two geometries; 0 for points and polylines, which have no area."""
    if isinstance(a, Point | Polyline) or isinstance(b, Point | Polyline):
        return 0.0
    if isinstance(a, Box) and isinstance(b, Box) and a.rotation == 0 and b.rotation == 0:
        return float(box_iou_matrix([a.xyxy], [b.xyxy])[0, 0])
    ba, bb = _bounds(a), _bounds(b)
    if min(ba.x1, bb.x1) <= max(ba.x0, bb.x0) or min(ba.y1, bb.y1) <= max(ba.y0, bb.y0):
        return 0.0
    width = int(np.ceil(max(ba.x1, bb.x1)))
    height = int(np.ceil(max(ba.y1, bb.y1)))
    ra, rb = _raster(a, height, width), _raster(b, height, width)
    union = int((ra | rb).sum())
    return float((ra & rb).sum()) / union if union else 0.0


def iou_merge(existing: Sequence[Object], new: Sequence[Object], threshold: float = 0.9) -> list[Object]:
    """The objects of ``new`` to add: those overlapping no ``existing`` object of the same class at
    IoU ≥ ``threshold``. New objects are compared with the existing ones only, not with each other.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"iou_merge threshold must be between 0 and 1, got {threshold}")
    by_class: dict[str, list[Object]] = {}
    for obj in existing:
        by_class.setdefault(obj.class_name, []).append(obj)
    kept = []
    for obj in new:
        same = by_class.get(obj.class_name, [])
        if not any(geometry_iou(obj.geometry, old.geometry) >= threshold for old in same):
            kept.append(obj)
    return kept
