"""Label Studio's newer region types (formats.md §2): ``vectorlabels`` and ``bitmasklabels``.

- ``vectorlabels``: ``{"vertices": [{"id", "x", "y", "prevPointId", "isBezier", "controlPoint1"?,
  "controlPoint2"?}], "closed": bool}`` in percent; open -> polyline, closed -> polygon. Bézier control
  points are not kept (the curve is read as straight segments between its vertices), with a warning.
- ``bitmasklabels``: ``{"imageDataURL": "data:image/png;base64,..."}``, a PNG the image's size.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import numpy as np

from predhub.core import FieldError, Mask, Polygon, Polyline
from predhub.core.geometry import Geometry
from predhub.formats import raster
from predhub.formats._common import number

__all__ = ["export_vector", "region_geometry"]

_DATA_URL = "data:image/png;base64,"


def region_geometry(
    rtype: str, value: dict[str, Any], path: str, width: int, height: int, warnings: list[tuple[str, str]]
) -> Geometry:
    if rtype == "bitmasklabels":
        url = value.get("imageDataURL")
        if not isinstance(url, str) or not url.startswith(_DATA_URL):
            raise FieldError(f"{path}.imageDataURL", f"must be a PNG data URL ({_DATA_URL}...)")
        try:
            png = base64.b64decode(url[len(_DATA_URL) :], validate=True)
        except binascii.Error as exc:
            raise FieldError(f"{path}.imageDataURL", "must be base64") from exc
        arr = raster.mask_from_png(png, f"{path}.imageDataURL", None, width * height)
        if arr.shape != (height, width):
            raise FieldError(
                f"{path}.imageDataURL", f"is {arr.shape[1]}x{arr.shape[0]}, not {width}x{height}"
            )
        return Mask.from_array(arr)
    vertices = value.get("vertices")
    if not isinstance(vertices, list) or not all(isinstance(v, dict) for v in vertices):
        raise FieldError(f"{path}.vertices", 'must be a list of {"x", "y"} vertices')
    pts = np.array(
        [
            [number(v.get("x"), f"{path}.vertices[{i}].x"), number(v.get("y"), f"{path}.vertices[{i}].y")]
            for i, v in enumerate(vertices)
        ],
        dtype=np.float64,
    ).reshape(-1, 2) * np.array([width / 100.0, height / 100.0])
    if any(v.get("isBezier") for v in vertices):
        warnings.append((f"{path}.vertices", "Bézier control points are not kept: read as straight segments"))
    return Polygon(pts) if value.get("closed") is True else Polyline(pts)


def export_vector(g: Polyline, px: float, py: float) -> dict[str, Any]:
    """An open ``vectorlabels`` value: vertices in percent, each linked to the one before."""
    vertices = []
    for j, (x, y) in enumerate(g.points.tolist()):
        vertices.append(
            {
                "id": f"p{j}",
                "x": x * px,
                "y": y * py,
                "prevPointId": f"p{j - 1}" if j else None,
                "isBezier": False,
            }
        )
    return {"vertices": vertices, "closed": False}
