"""The hot path of bulk imports: a detector's plain boxes read straight to tuples, no neutral objects.

Millions of COCO results or Labelbox ``bbox`` lines are the common case of an import. For a record
that is *only* a plain box (the usual keys, four finite numbers, a confidence in [0, 1]) these return
``(sample key, class, x0, y0, x1, y1, confidence, id)``; for anything else — another geometry,
classifications, a negative size, a missing field — they return None and the caller sends the
record through the format's converter and the core's validation, which name the error. So the fast
path can only accept what the slow path would accept; it never reports an error itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FastBox", "coco_result_box", "labelbox_box"]

FastBox = tuple[str, str, float, float, float, float, float, str | None]

_COCO_KEYS = frozenset({"image_id", "category_id", "bbox", "score"})
_LABELBOX_KEYS = frozenset({"uuid", "dataRow", "name", "confidence", "bbox"})
_NUMBER = (int, float)


def coco_result_box(
    data: Any, categories: Mapping[int, str], image_ids: Mapping[Any, str] | None
) -> FastBox | None:
    """``{"image_id", "category_id", "bbox": [x, y, w, h], "score"}`` -> a FastBox, else None."""
    if type(data) is not dict or not _COCO_KEYS.issuperset(data):
        return None
    bbox = data.get("bbox")
    cid = data.get("category_id")
    if type(bbox) is not list or len(bbox) != 4 or type(cid) is not int:
        return None
    x, y, w, h = bbox
    if not (type(x) in _NUMBER and type(y) in _NUMBER and type(w) in _NUMBER and type(h) in _NUMBER):
        return None
    # x - x is 0 for finite numbers and NaN otherwise; a comparison with NaN is False.
    if (x - x) + (y - y) + (w - w) + (h - h) != 0 or not (w >= 0 and h >= 0):
        return None
    score = data.get("score", 1.0)
    if type(score) not in _NUMBER or not 0.0 <= score <= 1.0:
        return None
    name = categories.get(cid)
    iid = data.get("image_id")
    key = (image_ids.get(iid) if image_ids is not None else str(iid)) if iid is not None else None
    if name is None or key is None:
        return None
    return (key, name, float(x), float(y), float(x + w), float(y + h), float(score), None)


def labelbox_box(data: Any) -> FastBox | None:
    """A Labelbox line holding one ``bbox`` and nothing else -> a FastBox, else None."""
    if type(data) is not dict or not _LABELBOX_KEYS.issuperset(data):
        return None
    row = data.get("dataRow")
    box = data.get("bbox")
    name = data.get("name")
    if (
        type(row) is not dict
        or len(row) != 1
        or type(box) is not dict
        or len(box) != 4
        or type(name) is not str
    ):
        return None
    key = row.get("globalKey")
    top: Any = box.get("top")
    left: Any = box.get("left")
    h: Any = box.get("height")
    w: Any = box.get("width")
    if type(key) is not str or not (
        type(top) in _NUMBER and type(left) in _NUMBER and type(h) in _NUMBER and type(w) in _NUMBER
    ):
        return None
    if (top - top) + (left - left) + (h - h) + (w - w) != 0 or not (w >= 0 and h >= 0):
        return None
    conf = data.get("confidence", 1.0)
    if type(conf) not in _NUMBER or not 0.0 <= conf <= 1.0:
        return None
    uid = data.get("uuid")
    return (
        key,
        name,
        float(left),
        float(top),
        float(left + w),
        float(top + h),
        float(conf),
        None if uid is None else str(uid),
    )
