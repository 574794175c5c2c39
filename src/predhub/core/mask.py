"""Instance masks held as COCO run-length encoding.

Runs alternate background/foreground starting with background, over the pixels in column-major
(Fortran) order, exactly as pycocotools' ``maskApi.c`` defines them, so a mask moves between COCO,
the database and the evaluator without re-encoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.core.geometry import Box

__all__ = ["Mask", "decode_counts_string", "encode_counts_string"]

UIntArray = npt.NDArray[np.uint32]


@dataclass(frozen=True, slots=True, eq=False)
class Mask:
    """A binary mask of ``height`` × ``width`` pixels as uncompressed COCO RLE ``counts``."""

    height: int
    width: int
    counts: UIntArray

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.uint32)
        if int(counts.sum()) != self.height * self.width:
            raise ValueError(f"RLE counts sum to {int(counts.sum())}, expected {self.height}*{self.width}")
        object.__setattr__(self, "counts", counts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mask):
            return NotImplemented
        return (self.height, self.width) == (other.height, other.width) and np.array_equal(
            _canonical(self.counts), _canonical(other.counts)
        )

    @classmethod
    def from_array(cls, array: npt.ArrayLike) -> Mask:
        """Encode an (H, W) array; any non-zero pixel is foreground."""
        arr = np.asarray(array)
        if arr.ndim != 2:
            raise ValueError(f"mask must be 2-D (H, W), got shape {arr.shape}")
        h, w = arr.shape
        flat = np.ravel(arr != 0, order="F").astype(np.int8)
        # Run boundaries are where the value changes; the first run is background by convention.
        change = np.flatnonzero(np.diff(flat)) + 1
        edges = np.concatenate(([0], change, [flat.size]))
        counts = np.diff(edges).astype(np.uint32)
        if flat.size and flat[0] == 1:
            counts = np.concatenate(([0], counts)).astype(np.uint32)
        return cls(h, w, counts)

    def to_array(self) -> npt.NDArray[np.bool_]:
        """Decode to an (H, W) boolean array."""
        values = np.zeros(len(self.counts), dtype=bool)
        values[1::2] = True
        flat = np.repeat(values, self.counts.astype(np.int64))
        return flat.reshape((self.width, self.height)).T

    @classmethod
    def from_coco(cls, rle: dict[str, Any]) -> Mask:
        """Read a COCO RLE dict, ``counts`` either the compressed string or a list of ints."""
        h, w = (int(v) for v in rle["size"])
        counts = rle["counts"]
        if isinstance(counts, bytes):
            counts = counts.decode("ascii")
        if isinstance(counts, str):
            return cls(h, w, decode_counts_string(counts))
        return cls(h, w, np.asarray(counts, dtype=np.uint32))

    def to_coco(self, compressed: bool = True) -> dict[str, Any]:
        counts: str | list[int] = (
            encode_counts_string(self.counts) if compressed else [int(c) for c in self.counts]
        )
        return {"size": [self.height, self.width], "counts": counts}

    @property
    def area(self) -> int:
        return int(self.counts[1::2].sum())

    def bounds(self) -> Box:
        """Tight box around the foreground, pixel edges (a one-pixel mask has width 1)."""
        arr = self.to_array()
        ys = np.flatnonzero(arr.any(axis=1))
        xs = np.flatnonzero(arr.any(axis=0))
        if len(xs) == 0:
            return Box(0.0, 0.0, 0.0, 0.0)
        return Box(float(xs[0]), float(ys[0]), float(xs[-1] + 1), float(ys[-1] + 1))


def _canonical(counts: UIntArray) -> UIntArray:
    # Zero-length runs carry no pixels; drop them and merge neighbours so equal masks compare equal.
    values = np.arange(len(counts)) % 2
    keep = counts > 0
    runs, values = counts[keep], values[keep]
    if len(runs) == 0:
        return runs
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    merged = np.add.reduceat(runs, starts).astype(np.uint32)
    if values[0] == 1:
        merged = np.concatenate(([0], merged)).astype(np.uint32)
    return merged


def encode_counts_string(counts: npt.ArrayLike) -> str:
    """pycocotools ``rleToString``: delta-code runs two back, then 5-bit little-endian groups."""
    cnts = np.asarray(counts, dtype=np.int64)
    out = bytearray()
    for i, c in enumerate(cnts):
        x = int(c) - int(cnts[i - 2]) if i > 2 else int(c)
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = (x != -1) if (ch & 0x10) else (x != 0)
            if more:
                ch |= 0x20
            out.append(ch + 48)
    return out.decode("ascii")


def decode_counts_string(text: str) -> UIntArray:
    """pycocotools ``rleFrString``, the inverse of :func:`encode_counts_string`."""
    data = text.encode("ascii")
    cnts: list[int] = []
    p = 0
    while p < len(data):
        x = 0
        k = 0
        more = True
        while more:
            if p >= len(data):
                raise ValueError("truncated RLE string")
            c = data[p] - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(cnts) > 2:
            x += cnts[-2]
        if x < 0:
            raise ValueError("RLE string decodes to a negative run")
        cnts.append(x)
    return np.asarray(cnts, dtype=np.uint32)
