"""Polygons to COCO run-length masks, bit-for-bit as pycocotools' ``rleFrPoly`` and ``rleMerge``.

pycocotools rasterises a polygon by walking its edges at 5× supersampling and keeping the points where
the boundary crosses a pixel column, with C's truncating integer casts; a multi-part polygon is the
union of its parts. Any other rasteriser differs on edge pixels, and so in IoU, so these kernels follow
``maskApi.c`` statement for statement.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

from predhub.eval._rle import RleColumn

__all__ = ["polygons_to_rle"]

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@numba.njit(cache=True, nogil=True)
def _fr_poly(xy: F64, h: int, w: int) -> U32:  # pragma: no cover - jitted
    # maskApi.c rleFrPoly, statement for statement: C's (int) casts truncate toward zero.
    k = len(xy) // 2
    scale = 5.0
    x = np.empty(k + 1, dtype=np.int64)
    y = np.empty(k + 1, dtype=np.int64)
    for j in range(k):
        x[j] = np.int64(np.int32(scale * xy[j * 2] + 0.5))
        y[j] = np.int64(np.int32(scale * xy[j * 2 + 1] + 0.5))
    if k == 0:
        out0 = np.empty(1, dtype=np.uint32)
        out0[0] = np.uint32(h * w)
        return out0
    x[k] = x[0]
    y[k] = y[0]
    m = 0
    for j in range(k):
        m += max(abs(x[j] - x[j + 1]), abs(y[j] - y[j + 1])) + 1
    u = np.empty(m, dtype=np.int64)
    v = np.empty(m, dtype=np.int64)
    m = 0
    for j in range(k):
        xs = x[j]
        xe = x[j + 1]
        ys = y[j]
        ye = y[j + 1]
        dx = abs(xe - xs)
        dy = abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe = xe, xs
            ys, ye = ye, ys
        if dx >= dy:
            s = (ye - ys) / dx if dx != 0 else 0.0
            for d in range(dx + 1):
                t = dx - d if flip else d
                u[m] = t + xs
                v[m] = np.int64(np.int32(ys + s * t + 0.5))
                m += 1
        else:
            s = (xe - xs) / dy
            for d in range(dy + 1):
                t = dy - d if flip else d
                v[m] = t + ys
                u[m] = np.int64(np.int32(xs + s * t + 0.5))
                m += 1
    k = m
    m = 0
    bx = np.empty(k, dtype=np.int64)
    by = np.empty(k, dtype=np.int64)
    for j in range(1, k):
        if u[j] != u[j - 1]:
            xd = float(u[j] if u[j] < u[j - 1] else u[j] - 1)
            xd = (xd + 0.5) / scale - 0.5
            if np.floor(xd) != xd or xd < 0 or xd > w - 1:
                continue
            yd = float(v[j] if v[j] < v[j - 1] else v[j - 1])
            yd = (yd + 0.5) / scale - 0.5
            if yd < 0:
                yd = 0.0
            elif yd > h:
                yd = float(h)
            yd = np.ceil(yd)
            bx[m] = np.int64(xd)
            by[m] = np.int64(yd)
            m += 1
    k = m
    a = np.empty(k + 1, dtype=np.int64)
    for j in range(k):
        a[j] = (bx[j] * h + by[j]) & 0xFFFFFFFF
    a[k] = (h * w) & 0xFFFFFFFF
    k += 1
    a = np.sort(a)
    p = np.int64(0)
    for j in range(k):
        t2 = a[j]
        a[j] = (a[j] - p) & 0xFFFFFFFF
        p = t2
    b = np.empty(k, dtype=np.uint32)
    j = 0
    m = 0
    b[m] = np.uint32(a[j])
    m += 1
    j += 1
    while j < k:
        if a[j] > 0:
            b[m] = np.uint32(a[j])
            m += 1
            j += 1
        else:
            j += 1
            if j < k:
                b[m - 1] = np.uint32((np.int64(b[m - 1]) + a[j]) & 0xFFFFFFFF)
                j += 1
    return b[:m].copy()


@numba.njit(cache=True, nogil=True)
def _merge_union(a_cnts: U32, b_cnts: U32, h: int, w: int) -> U32:  # pragma: no cover - jitted
    # maskApi.c rleMerge with intersect=0, for two masks of the same size.
    cnts = np.empty(len(a_cnts) + len(b_cnts) + 1, dtype=np.uint32)
    ca = np.int64(a_cnts[0])
    cb = np.int64(b_cnts[0])
    v = False
    va = False
    vb = False
    m = 0
    ai = 1
    bi = 1
    cc = np.int64(0)
    ct = np.int64(1)
    while ct > 0:
        c = min(ca, cb)
        cc += c
        ct = np.int64(0)
        ca -= c
        if ca == 0 and ai < len(a_cnts):
            ca = np.int64(a_cnts[ai])
            ai += 1
            va = not va
        ct += ca
        cb -= c
        if cb == 0 and bi < len(b_cnts):
            cb = np.int64(b_cnts[bi])
            bi += 1
            vb = not vb
        ct += cb
        vp = v
        v = va or vb
        if v != vp or ct == 0:
            cnts[m] = np.uint32(cc & 0xFFFFFFFF)
            m += 1
            cc = np.int64(0)
    return cnts[:m].copy()


@numba.njit(cache=True, nogil=True)
def _polygons_to_rle(
    coords: F64,
    part_offsets: I64,
    object_parts: I64,
    heights: I64,
    widths: I64,
    as_boxes: npt.NDArray[np.bool_],
) -> tuple[U32, I64]:  # pragma: no cover - jitted
    # COCO.annToRLE for polygon segmentations: frPyObjects (rleFrPoly per part, or rleFrBbox when the
    # first part has exactly 4 numbers) then rleMerge of the parts.
    n = len(heights)
    pieces = []
    sizes = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        h = heights[i]
        w = widths[i]
        merged = np.empty(0, dtype=np.uint32)
        first = True
        for part in range(object_parts[i], object_parts[i + 1]):
            xy = coords[part_offsets[part] : part_offsets[part + 1]]
            if as_boxes[i]:
                xs = xy[0]
                ys = xy[1]
                xe = xs + xy[2]
                ye = ys + xy[3]
                xy = np.array([xs, ys, xs, ye, xe, ye, xe, ys])
            r = _fr_poly(xy, h, w)
            if first:
                merged = r
                first = False
            else:
                merged = _merge_union(merged, r, h, w)
        if first:  # no part at all: an empty mask
            merged = np.empty(1, dtype=np.uint32)
            merged[0] = np.uint32(h * w)
        pieces.append(merged)
        sizes[i + 1] = sizes[i] + len(merged)
    counts = np.empty(sizes[n], dtype=np.uint32)
    for i in range(n):
        counts[sizes[i] : sizes[i + 1]] = pieces[i]
    return counts, sizes


def polygons_to_rle(
    coords: F64,
    part_offsets: I64,
    object_parts: I64,
    heights: I64,
    widths: I64,
    as_boxes: npt.NDArray[np.bool_],
) -> RleColumn:
    """Rasterise polygon objects: object i has parts ``object_parts[i]:object_parts[i+1]``, part j the
    flat ``[x0, y0, x1, y1, ...]`` ``coords[part_offsets[j]:part_offsets[j+1]]``."""
    counts, offsets = _polygons_to_rle(coords, part_offsets, object_parts, heights, widths, as_boxes)
    return RleColumn(counts, offsets, heights.astype(np.int64), widths.astype(np.int64))
