"""COCO run-length masks in bulk, compiled with numba, bit-for-bit as pycocotools' ``maskApi.c``.

Many masks travel as one :class:`RleColumn`: every mask's runs concatenated in one ``uint32`` array
with offsets, so the kernels never touch a Python object per mask. Each kernel mirrors the C function
named in its docstring (pycocotools 2.0.x, the ppwwyyxx/cocoapi tree that PyPI ships), including the
places where that code's choices show in the numbers: ``rleToBbox`` giving the box that pre-filters
mask IoU, and ``-1`` for masks of different sizes. Polygons are rasterised in :mod:`._rle_poly`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "RleColumn",
    "decode_strings",
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
