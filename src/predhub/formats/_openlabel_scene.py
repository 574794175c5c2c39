"""OpenLABEL scenes as one image (formats.md §3): which frame and stream a sample is, what else the
scene holds (reported, not kept), and polygon holes as poly2d ``hierarchy``.

A sample is one camera image: the lowest frame of the scene, and the stream its first geometry names
(the ``stream`` text attribute). poly2d ``hierarchy`` is ``[next, previous, first_child, parent]``
indices into the object's poly2d list, OpenCV's contour hierarchy as VCD writes it: an item at odd
depth is a hole of its parent. predhub writes a polygon with holes as the outer ring (item 0) followed
by its holes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from predhub.core import FieldError, Object, Polygon
from predhub.formats.base import Parsed

__all__ = ["export_holes", "holes", "in_stream", "scene_warnings"]


def scene_warnings(ol: dict[str, Any], base: str, frame_key: str, parsed: Parsed) -> None:
    """What a scene holds beyond one image's geometry, reported rather than dropped silently."""
    frames = ol["frames"]
    if len(frames) > 1:
        others = sorted((k for k in frames if k != frame_key), key=int)
        parsed.warnings.append(
            (f"{base}.frames", f"frames {others} not kept: a sample is one image (frame {frame_key} is read)")
        )
    for oid, declared in (ol.get("objects") or {}).items():
        if isinstance(declared, dict) and declared.get("object_data"):
            parsed.warnings.append(
                (f"{base}.objects.{oid}.object_data", "static object data not kept: it belongs under frames")
            )
    if ol.get("contexts"):
        parsed.warnings.append((f"{base}.contexts", "scene contexts are not kept"))


def in_stream(stream: Any, kept: list[str], path: str, parsed: Parsed) -> bool:
    """Whether a geometry belongs to this sample's image: the stream the first geometry names."""
    if stream is None:
        parsed.warnings.append((f"{path}.attributes.text", 'names no "stream" (Kognic requires one)'))
        return True
    if not kept:
        kept.append(stream)
    if stream != kept[0]:
        parsed.warnings.append(
            (
                f"{path}.attributes.text",
                f"stream {stream!r} not kept: the sample is stream {kept[0]!r}'s image",
            )
        )
        return False
    return True


def holes(items: list[Any], path: str, parsed: Parsed) -> dict[int, list[int] | None]:
    """poly2d ``hierarchy`` ``[next, previous, first_child, parent]`` (OpenCV's contour hierarchy, as
    VCD writes it): an item at odd depth is a hole of its parent. Maps each item to its holes, or to
    None when it is itself a hole."""
    parents: dict[int, int] = {}
    for k, item in enumerate(items):
        h = item.get("hierarchy") if isinstance(item, dict) else None
        if h is None:
            continue
        if not isinstance(h, list) or len(h) != 4 or not all(isinstance(v, int) for v in h):
            raise FieldError(f"{path}[{k}].hierarchy", "must be [next, previous, first_child, parent]")
        if 0 <= h[3] < len(items) and h[3] != k:
            parents[k] = h[3]
    out: dict[int, list[int] | None] = {k: [] for k in range(len(items))}
    for k, parent in parents.items():
        depth, seen, node = 0, {k}, k
        while node in parents and parents[node] not in seen:
            node = parents[node]
            seen.add(node)
            depth += 1
        closed = all(isinstance(items[i], dict) and items[i].get("closed") is True for i in (k, parent))
        if depth % 2 == 1 and closed:
            out[k] = None
            holes = out[parent]
            if holes is not None:
                holes.append(k)
        elif depth % 2 == 1:
            parsed.warnings.append((f"{path}[{k}].hierarchy", "a hole of an open poly2d: read on its own"))
    return out


def export_holes(obj: Object, index: int, stream: str) -> list[dict[str, Any]]:
    g = obj.geometry
    if not isinstance(g, Polygon):
        return []
    n = len(g.holes)
    return [
        {
            "name": f"poly2d-{index}-hole{m}",
            "val": np.asarray(hole).ravel().tolist(),
            "closed": True,
            "mode": "MODE_POLY2D_ABSOLUTE",
            "hierarchy": [m + 1 if m < n else -1, m - 1 if m > 1 else -1, -1, 0],
            "attributes": {"text": [{"name": "stream", "val": stream}]},
        }
        for m, hole in enumerate(g.holes, start=1)
    ]
