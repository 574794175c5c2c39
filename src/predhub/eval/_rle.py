"""COCO run-length masks in bulk, compiled with numba, bit-for-bit as pycocotools' ``maskApi.c``.

Many masks travel as one :class:`RleColumn`: every mask's runs concatenated in one ``uint32`` array
with offsets, so the kernels never touch a Python object per mask. Each kernel mirrors the C function
named in its docstring (pycocotools 2.0.x, the ppwwyyxx/cocoapi tree that PyPI ships), including the
places where that code's choices show in the numbers: polygon rasterisation at 5× supersampling,
``rleToBbox`` giving the box that pre-filters mask IoU, and ``-1`` for masks of different sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "RleColumn",
    "decode_strings",
    "polygons_to_rle",
    "rle_area",
    "rle_iou",
    "rle_to_bbox",
]

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RleColumn:
    """N masks: ``counts[offsets[i]:offsets[i+1]]`` are mask i's runs over an ``heights[i]`` ×
    ``widths[i]`` grid (column-major, first run background)."""

    counts: U32  # (total_runs,)
    offsets: I64  # (N + 1,)
    heights: I64  # (N,)
    widths: I64  # (N,)

    def __len__(self) -> int:
        return len(self.heights)

    def take(self, index: I64) -> RleColumn:
        """The masks at ``index``, in that order."""
        starts, stops = self.offsets[index], self.offsets[index + 1]
        lengths = stops - starts
        offsets = np.zeros(len(index) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        counts = _gather(self.counts, starts, lengths, offsets)
        return RleColumn(counts, offsets, self.heights[index], self.widths[index])

    @classmethod
    def concat(cls, parts: list[RleColumn]) -> RleColumn:
        if not parts:
            return cls(
                np.zeros(0, np.uint32), np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64)
            )
        counts = np.concatenate([p.counts for p in parts])
        sizes = np.concatenate([np.diff(p.offsets) for p in parts])
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        return cls(
            counts,
            offsets,
            np.concatenate([p.heights for p in parts]),
            np.concatenate([p.widths for p in parts]),
        )


@numba.njit(cache=True, nogil=True)
def _gather(counts: U32, starts: I64, lengths: I64, offsets: I64) -> U32:  # pragma: no cover - jitted
    out = np.empty(offsets[-1], dtype=np.uint32)
    for i in range(len(starts)):
        out[offsets[i] : offsets[i] + lengths[i]] = counts[starts[i] : starts[i] + lengths[i]]
    return out


@numba.njit(cache=True, nogil=True)
def _decode_strings(buf: npt.NDArray[np.uint8], offsets: I64) -> tuple[U32, I64]:  # pragma: no cover
    # maskApi.c rleFrString: 6-bit chars from '0', 5 payload bits, bit 0x20 "more", sign from bit 0x10
    # of the last char, each value after the second delta-coded against the one two back.
    n = len(offsets) - 1
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    total = 0
    for i in range(n):
        for p in range(offsets[i], offsets[i + 1]):
            if not ((buf[p] - 48) & 0x20):
                total += 1
        out_offsets[i + 1] = total
    counts = np.empty(total, dtype=np.uint32)
    for i in range(n):
        m = out_offsets[i]
        first = m
        p = offsets[i]
        end = offsets[i + 1]
        while p < end:
            x = np.int64(0)
            k = 0
            more = True
            while more:
                c = np.int64(buf[p]) - 48
                x |= (c & 0x1F) << (5 * k)
                more = (c & 0x20) != 0
                p += 1
                k += 1
                if not more and (c & 0x10):
                    x |= np.int64(-1) << (5 * k)
                if more and p >= end:  # truncated string: stop as the C loop would at the NUL
                    more = False
            if m - first > 2:
                x += np.int64(counts[m - 2])
            counts[m] = np.uint32(x & 0xFFFFFFFF)
            m += 1
    return counts, out_offsets


def decode_strings(strings: list[bytes], heights: I64, widths: I64) -> RleColumn:
    """Compressed COCO ``counts`` strings → one column (pycocotools ``_frString``)."""
    lengths = np.fromiter((len(s) for s in strings), dtype=np.int64, count=len(strings))
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    buf = np.frombuffer(b"".join(strings), dtype=np.uint8)
    counts, out_offsets = _decode_strings(buf, offsets)
    return RleColumn(counts, out_offsets, heights.astype(np.int64), widths.astype(np.int64))


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


@numba.njit(cache=True, nogil=True)
def _rle_to_bbox(counts: U32, offsets: I64, heights: I64, widths: I64) -> F64:  # pragma: no cover
    # maskApi.c rleToBbox (pycocotools >= 2.0.7): foreground runs only, a run spanning columns
    # widens the box to the full height.
    n = len(heights)
    out = np.zeros((n, 4), dtype=np.float64)
    for i in range(n):
        h = heights[i]
        w = widths[i]
        start_i = offsets[i]
        m = ((offsets[i + 1] - start_i) // 2) * 2
        if m == 0:
            continue
        xs = w
        ys = h
        xe = 0
        ye = 0
        cc = np.int64(0)
        for j in range(m):
            start = cc
            cc += np.int64(counts[start_i + j])
            if j % 2 == 0:
                continue
            if counts[start_i + j] == 0:
                continue
            y_start = start % h
            x_start = (start - y_start) // h
            y_end = (cc - 1) % h
            x_end = (cc - 1 - y_end) // h
            xs = min(xs, x_start)
            xe = max(xe, x_end)
            if x_start < x_end:
                ys = 0
                ye = h - 1
            else:
                ys = min(ys, y_start)
                ye = max(ye, y_end)
        out[i, 0] = xs
        out[i, 2] = xe - xs + 1
        out[i, 1] = ys
        out[i, 3] = ye - ys + 1
    return out


def rle_to_bbox(column: RleColumn) -> F64:
    """(N, 4) boxes ``[x, y, w, h]`` as pycocotools ``toBbox`` gives them."""
    return _rle_to_bbox(column.counts, column.offsets, column.heights, column.widths)


@numba.njit(cache=True, nogil=True)
def _rle_area(counts: U32, offsets: I64) -> F64:  # pragma: no cover - jitted
    # maskApi.c rleArea: the sum of the odd (foreground) runs, in uint32 as the C code keeps it.
    n = len(offsets) - 1
    out = np.zeros(n, dtype=np.float64)
    for i in range(n):
        a = np.uint32(0)
        for j in range(offsets[i] + 1, offsets[i + 1], 2):
            a += counts[j]
        out[i] = a
    return out


def rle_area(column: RleColumn) -> F64:
    """Foreground pixels per mask (pycocotools ``area``)."""
    return _rle_area(column.counts, column.offsets)


@numba.njit(cache=True, nogil=True, inline="always")
def rle_iou(
    dc: U32, d_start: int, d_stop: int, gc: U32, g_start: int, g_stop: int, crowd: bool
) -> float:  # pragma: no cover - jitted
    """maskApi.c rleIou's inner loop for one (detection, ground truth) pair of equal size; the caller
    applies the bounding-box pre-filter and the size check first, as rleIou does."""
    ca = np.int64(dc[d_start])
    cb = np.int64(gc[g_start])
    va = False
    vb = False
    a = d_start + 1
    b = g_start + 1
    inter = np.int64(0)
    union = np.int64(0)
    ct = np.int64(1)
    while ct > 0:
        c = min(ca, cb)
        if va or vb:
            union += c
            if va and vb:
                inter += c
        ct = np.int64(0)
        ca -= c
        if ca == 0 and a < d_stop:
            ca = np.int64(dc[a])
            a += 1
            va = not va
        ct += ca
        cb -= c
        if cb == 0 and b < g_stop:
            cb = np.int64(gc[b])
            b += 1
            vb = not vb
        ct += cb
    if inter == 0:
        union = np.int64(1)
    elif crowd:
        union = np.int64(0)
        for j in range(d_start + 1, d_stop, 2):
            union += np.int64(dc[j])
    return inter / union
