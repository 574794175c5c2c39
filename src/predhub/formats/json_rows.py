"""JSON records written a column at a time: what the bulk box exporters use instead of a dict per record.

A million detector boxes are a million records of the same shape (``{"image_id": 7, "bbox": [...],
...}``). Building a dict per record and serialising it costs more than reading the rows from the
store; here each column is serialised once, by one ``orjson.dumps`` of a numpy array (orjson formats
a float64 array exactly as it formats Python floats, without making them), cut into one token per
record, and the records are put together by interleaving the tokens with the constant text between
them (``{"bbox":[``, ``,"score":``, ...) in a single ``bytes.join``.

The bytes are those of ``orjson.dumps`` on each record alone, key order included: the columnar
exporters are tested against their per-label converters byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

__all__ = ["number_tokens", "per_row", "string_tokens", "write_rows"]

_NUMPY = orjson.OPT_SERIALIZE_NUMPY


def number_tokens(columns: Sequence[npt.NDArray[Any]]) -> list[bytes]:
    """One token per row: the row's numbers in JSON, comma-separated (NaN and infinities as
    ``null``, as orjson writes them). Columns are equally long, of one dtype."""
    n = len(columns[0])
    if n == 0:
        return []
    if len(columns) == 1:
        return orjson.dumps(np.ascontiguousarray(columns[0]), option=_NUMPY)[1:-1].split(b",")
    # [[a,b],[c,d]] -> "a,b", "c,d": in an array of numbers "],[" only ends a row.
    return orjson.dumps(np.column_stack(columns), option=_NUMPY)[2:-2].split(b"],[")


def string_tokens(values: Sequence[str]) -> list[bytes]:
    """Each string's JSON text without its quotes (the record's constant text holds them)."""
    if not values:
        return []
    # ["a","b"]: an unescaped quote only delimits strings, so '","' only parts two of them.
    return orjson.dumps(list(values))[2:-2].split(b'","')


def per_row(tokens: Sequence[bytes], counts: Sequence[int]) -> list[bytes]:
    """``tokens[i]`` repeated ``counts[i]`` times, in order: a label's value for each of its objects."""
    return list(chain.from_iterable(map(repeat, tokens, counts)))


def write_rows(parts: Sequence[bytes | Sequence[bytes]], count: int, separator: bytes) -> bytes:
    """``count`` records joined by ``separator``: record ``i`` is the concatenation of each part, a
    constant ``bytes`` or a column's ``i``-th token."""
    if count == 0:
        return b""
    width = len(parts) + 1
    out: list[bytes] = [separator] * (count * width)
    for k, part in enumerate(parts):
        if isinstance(part, bytes):
            out[k::width] = [part] * count
        else:
            if len(part) != count:
                raise ValueError(f"part {k} has {len(part)} tokens for {count} records")
            out[k::width] = part
    out.pop()  # no separator after the last record
    return b"".join(out)
