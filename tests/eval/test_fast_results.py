"""The compiled scan of plain box results files gives exactly what orjson + float() give, or gives up."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from predhub.eval._fast_results import scan_box_results

number = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**18), 10**18),
    st.sampled_from([0.0, -0.0, 1e-320, 5e-324, 0.1, 1e22, 1e23, 123456789012345.6]),
)
record = st.fixed_dictionaries(
    {
        "image_id": st.integers(-(2**59), 2**59),
        "category_id": st.integers(0, 10**6),
        "bbox": st.lists(number, min_size=4, max_size=4),
        "score": number,
    },
    optional={"id": st.integers(0, 2**62), "area": number, "extra": st.lists(number, max_size=3)},
)


def _dumps(recs: list[dict[str, Any]], style: int) -> bytes:
    if style == 0:
        return json.dumps(recs).encode()
    if style == 1:
        return orjson.dumps(recs)
    return json.dumps(recs, indent=2).encode()


@settings(max_examples=120, deadline=None)
@given(st.lists(record, max_size=8), st.integers(0, 2))
def test_scan_equals_orjson(recs: list[dict[str, Any]], style: int) -> None:
    data = _dumps(recs, style)
    got = scan_box_results(data)
    assert got is not None
    parsed = orjson.loads(data)
    image, cat, box, score = got
    assert image.tolist() == [r["image_id"] for r in parsed]
    assert cat.tolist() == [r["category_id"] for r in parsed]
    want_box = np.array([[float(v) for v in r["bbox"]] for r in parsed], dtype=np.float64).reshape(-1, 4)
    want_score = np.array([float(r["score"]) for r in parsed], dtype=np.float64)
    assert np.array_equal(box, want_box) and np.array_equal(np.signbit(box), np.signbit(want_box))
    assert np.array_equal(score, want_score) and np.array_equal(np.signbit(score), np.signbit(want_score))


def test_other_shapes_fall_back() -> None:
    base = '{"image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 0.5'
    for tail in [
        ', "segmentation": {"size": [1, 1], "counts": "1"}}',
        ', "note": "x"}',
        ', "score": 1}',
        "}x",
    ]:
        assert scan_box_results(f"[{base}{tail}]".encode()) is None
    assert scan_box_results(b'[{"image_id": 1, "category_id": 2, "score": 1}]') is None  # no bbox
    assert (
        scan_box_results(b'[{"image_id": 1.0, "category_id": 2, "bbox": [1, 2, 3, 4], "score": 1}]') is None
    )
    assert scan_box_results(b'[{"image_id": 1, "category_id": 2, "bbox": [01, 2, 3, 4], "score": 1}]') is None
    assert scan_box_results(b"{}") is None
