"""Supervisely geometries beyond the basic five (formats.md §5): ``oriented_bbox``, ``graph``
(keypoints) and ``alpha_mask``, and the bitmap payload they share with ``bitmap``.

- ``oriented_bbox``: ``{"points": [[left, top], [right, bottom]], "angle": radians}`` (the SDK's
  ``OrientedBBox.to_json``; a ``{"exterior": ...}`` dict is read too), inclusive pixels like a
  rectangle, rotated clockwise about its centre -> a rotated :class:`~predhub.core.Box`.
- ``graph``: ``{"nodes": {node_id: {"loc": [x, y], "disabled"?: true}}}`` -> one point per node (see
  :mod:`predhub.formats._keypoints`); a disabled (hidden) node is ``visibility`` 1, as COCO's v=1.
- ``alpha_mask``: a bitmap of alpha levels 0..255 -> the binary mask of alpha > 0, with a warning
  when levels between 0 and 255 are lost.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.core import Box, FieldError, Object, Point
from predhub.formats import raster
from predhub.formats._common import number, points_array
from predhub.formats._keypoints import INSTANCE, KEYPOINT, VISIBILITY, differs, shared_attributes
from predhub.formats.base import ExportReport

__all__ = [
    "export_graph",
    "export_oriented_bbox",
    "graph_points",
    "oriented_bbox",
    "place",
    "png_bytes",
    "soft_mask",
]


def oriented_bbox(obj: dict[str, Any], path: str) -> Box:
    points = obj.get("points")
    ppath = f"{path}.points"
    if isinstance(points, dict):
        points, ppath = points.get("exterior"), f"{path}.points.exterior"
    ext = points_array(points, ppath)
    if len(ext) != 2:
        raise FieldError(ppath, "an oriented bbox is two corners [[left, top], [right, bottom]]")
    angle = number(obj.get("angle", 0.0), f"{path}.angle")
    lo, hi = ext.min(axis=0), ext.max(axis=0)
    # Inclusive pixel indices, as a rectangle's: the right edge of column r is r + 1.
    return Box(float(lo[0]), float(lo[1]), float(hi[0]) + 1, float(hi[1]) + 1, math.degrees(angle))


def export_oriented_bbox(box: Box) -> dict[str, Any]:
    return {
        "geometryType": "oriented_bbox",
        "points": [[box.x0, box.y0], [box.x1 - 1, box.y1 - 1]],
        "angle": math.radians(box.rotation),
    }


def graph_points(obj: dict[str, Any], path: str, instance: str) -> list[tuple[str, Object]]:
    """The nodes of a graph as point objects (class and tags still to be set), with their paths."""
    nodes = obj.get("nodes")
    if not isinstance(nodes, dict):
        raise FieldError(f"{path}.nodes", 'must be {node_id: {"loc": [x, y]}}')
    out = []
    for node_id, node in nodes.items():
        npath = f"{path}.nodes.{node_id}"
        loc = node.get("loc") if isinstance(node, dict) else None
        if not isinstance(loc, list) or len(loc) != 2:
            raise FieldError(f"{npath}.loc", "must be [x, y]")
        point = Point(number(loc[0], f"{npath}.loc[0]"), number(loc[1], f"{npath}.loc[1]"))
        attributes: dict[str, Any] = {INSTANCE: instance, KEYPOINT: str(node_id)}
        if node.get("disabled"):
            attributes[VISIBILITY] = 1
        out.append((npath, Object("", point, attributes=attributes)))
    return out


def export_graph(points: list[Object], report: ExportReport) -> tuple[dict[str, Any], Object]:
    """A keypoint set as a graph entry, and the point whose confidence and tags the graph carries."""
    if differs(points):
        report.drop("keypoint confidence or tags differing within a set (a graph has one)")
    nodes: dict[str, dict[str, Any]] = {}
    for j, p in enumerate(points):
        assert isinstance(p.geometry, Point)
        node_id = str(p.attributes.get(KEYPOINT, j))
        if node_id in nodes:
            report.drop("keypoint (the same node twice in one set)")
            continue
        node: dict[str, Any] = {"loc": [p.geometry.x, p.geometry.y]}
        visibility = p.attributes.get(VISIBILITY)
        if visibility == 1:
            node["disabled"] = True
        elif visibility not in (None, 2):
            report.drop("keypoint visibility (a graph node is shown or hidden)")
        nodes[node_id] = node
    first = points[0]
    carrier = Object(first.class_name, first.geometry, first.confidence, first.classifications)
    carrier.attributes = shared_attributes(points)
    return {"geometryType": "graph", "nodes": nodes}, carrier


def png_bytes(data: Any, path: str, max_pixels: int) -> bytes:
    """Bitmap data: base64 of a zlib-compressed PNG (or of a plain PNG) -> the PNG bytes."""
    if not isinstance(data, str):
        raise FieldError(path, "must be a base64 string")
    try:
        raw = base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise FieldError(path, "must be base64") from exc
    if raw.startswith(b"\x89PNG"):
        return raw
    try:
        # A bounded decompressor: the PNG inside may not exceed what its pixel limit allows.
        d = zlib.decompressobj()
        raw = d.decompress(raw, max_pixels * 4 + 65536)
    except zlib.error as exc:
        raise FieldError(path, "is neither a PNG nor zlib-compressed PNG") from exc
    if d.unconsumed_tail:
        raise FieldError(path, "decompresses beyond the size limit")
    return raw


def soft_mask(
    data: Any, path: str, max_pixels: int, warnings: list[tuple[str, str]]
) -> npt.NDArray[np.bool_]:
    """An alpha_mask crop: alpha > 0 is the mask; levels strictly between 0 and 255 are reported."""
    arr = raster.decode_png(png_bytes(data, path, max_pixels), path, max_pixels)
    alpha = arr if arr.ndim == 2 else arr[..., -1] if arr.shape[2] in (2, 4) else arr.max(axis=-1)
    if ((alpha > 0) & (alpha < 255)).any():
        warnings.append((path, "alpha levels are not kept: pixels with alpha > 0 are read as the mask"))
    return np.asarray(alpha > 0)


def place(
    crop: npt.NDArray[np.bool_], origin: Any, width: int, height: int, path: str
) -> npt.NDArray[np.bool_]:
    """A bitmap crop put at its ``origin`` in a full-size (height, width) mask."""
    if not isinstance(origin, list) or len(origin) != 2 or not all(isinstance(v, int) for v in origin):
        raise FieldError(f"{path}.origin", "must be [x, y] integers")
    x, y = origin
    h, w = crop.shape
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise FieldError(f"{path}.origin", f"puts the {w}x{h} crop outside the {width}x{height} image")
    full = np.zeros((height, width), bool)
    full[y : y + h, x : x + w] = crop
    return full
