"""Vector geometry in absolute pixels.

Frame: origin at the top-left corner of the top-left pixel, x right, y down, float coordinates
(../shared/formats.md §0). A box covering pixel columns 10..49 has x0=10, x1=50. Converters translate
each format's convention (percent, normalised, inclusive, 1-based) at the edge.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from predhub.core.mask import Mask

__all__ = ["Box", "Geometry", "GeometryKind", "Point", "Polygon", "Polyline", "geometry_kind"]

FloatArray = npt.NDArray[np.float64]


class GeometryKind(enum.StrEnum):
    """What shape an object class is drawn with; an ontology fixes one per class."""

    BOX = "box"
    POLYGON = "polygon"
    POLYLINE = "polyline"
    POINT = "point"
    MASK = "mask"


@dataclass(frozen=True, slots=True)
class Box:
    """Axis-aligned box, corners (x0, y0) top-left and (x1, y1) bottom-right.

    ``rotation`` is in degrees, clockwise, about the box centre (Label Studio and Supervisely carry
    rotated boxes); 0 for the axis-aligned boxes most formats know.
    """

    x0: float
    y0: float
    x1: float
    y1: float
    rotation: float = 0.0

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float) -> Box:
        return cls(x, y, x + w, y + h)

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(self.width, 0.0) * max(self.height, 0.0)

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    @property
    def xywh(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.width, self.height)

    def corners(self) -> FloatArray:
        """The four corners, clockwise from top-left, rotation applied; shape (4, 2)."""
        pts = np.array([[self.x0, self.y0], [self.x1, self.y0], [self.x1, self.y1], [self.x0, self.y1]])
        if self.rotation == 0.0:
            return pts
        theta = np.deg2rad(self.rotation)
        c, s = np.cos(theta), np.sin(theta)
        centre = pts.mean(axis=0)
        rot = np.array([[c, -s], [s, c]])
        out: FloatArray = (pts - centre) @ rot.T + centre
        return out


def _points(values: object) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {arr.shape}")
    return arr


def _strip_closing_vertex(points: FloatArray) -> FloatArray:
    # Formats disagree on repeating the first vertex at the end; we never store it (formats.md §9.2).
    if len(points) > 1 and np.array_equal(points[0], points[-1]):
        return points[:-1]
    return points


@dataclass(frozen=True, slots=True, eq=False)
class Polygon:
    """Closed ring of vertices, shape (N, 2), without a repeated closing vertex, plus optional holes."""

    points: FloatArray
    holes: tuple[FloatArray, ...] = field(default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", _strip_closing_vertex(_points(self.points)))
        object.__setattr__(self, "holes", tuple(_strip_closing_vertex(_points(h)) for h in self.holes))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Polygon):
            return NotImplemented
        return (
            np.array_equal(self.points, other.points)
            and len(self.holes) == len(other.holes)
            and all(np.array_equal(a, b) for a, b in zip(self.holes, other.holes, strict=True))
        )

    @property
    def area(self) -> float:
        return _ring_area(self.points) - sum(_ring_area(h) for h in self.holes)

    def bounds(self) -> Box:
        return _bounds(self.points)


@dataclass(frozen=True, slots=True, eq=False)
class Polyline:
    """Open chain of vertices, shape (N, 2)."""

    points: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "points", _points(self.points))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Polyline):
            return NotImplemented
        return np.array_equal(self.points, other.points)

    def bounds(self) -> Box:
        return _bounds(self.points)


@dataclass(frozen=True, slots=True)
class Point:
    x: float
    y: float


def _ring_area(points: FloatArray) -> float:
    # Shoelace formula.
    if len(points) < 3:
        return 0.0
    x, y = points[:, 0], points[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)


def _bounds(points: FloatArray) -> Box:
    if len(points) == 0:
        return Box(0.0, 0.0, 0.0, 0.0)
    lo, hi = points.min(axis=0), points.max(axis=0)
    return Box(float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


Geometry = Union[Box, "Polygon", "Polyline", "Point", "Mask"]


def geometry_kind(geometry: Geometry) -> GeometryKind:
    """The ontology kind a geometry instance belongs to."""
    from predhub.core.mask import Mask

    kinds: dict[type, GeometryKind] = {
        Box: GeometryKind.BOX,
        Polygon: GeometryKind.POLYGON,
        Polyline: GeometryKind.POLYLINE,
        Point: GeometryKind.POINT,
        Mask: GeometryKind.MASK,
    }
    return kinds[type(geometry)]
