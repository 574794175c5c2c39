"""Plain-box labels in columns: the bulk shape of a detector's output.

A prediction set is mostly labels made of plain boxes (class, box, confidence). Sent as one record per
label, every box is a small JSON object that the hub decodes into a Python object and checks one at a
time; sent as columns, a batch of labels is a handful of flat arrays that decode in one pass and are
checked with numpy. :class:`BoxColumns` is that shape; its wire form (``application/vnd.predhub.box-
columns+json``, see docs/api.md) is the same fields as JSON:

``samples``     one sample key per label (label ``i`` is record ``i`` in error reports)
``counts``      the number of boxes of each label
``classes``     the class names that ``class`` indexes
``class``       per box, an index into ``classes``
``boxes``       per box ``x0, y0, x1, y1`` in pixels, flattened
``confidence``  per box (optional: 1 for every box)
``scores``      per label, a number or null (optional)
``status``      of every label in the batch (optional: ``labeled``)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from predhub.core.errors import FieldError

__all__ = [
    "BOX_COLUMNS_MEDIA_TYPE",
    "BoxColumns",
    "box_columns_from_records",
    "decode_box_columns",
    "encode_box_columns",
]

BOX_COLUMNS_MEDIA_TYPE = "application/vnd.predhub.box-columns+json"

_PLAIN_BOX_KEYS = frozenset({"class", "box", "confidence"})
_LABEL_KEYS = frozenset({"sample", "objects", "score", "status"})
_NUMBER = (int, float)  # not bool: type() is exact


class BoxColumns(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """Labels of plain boxes as columns (the fields are described in the module docstring)."""

    samples: list[str]
    counts: list[int]
    classes: list[str]
    class_index: list[int] = msgspec.field(name="class")
    boxes: list[float]
    confidence: list[float] | None = None
    scores: list[float | None] | None = None
    status: str = "labeled"

    def __len__(self) -> int:
        return len(self.samples)

    def check_shape(self) -> None:
        """Raise :class:`FieldError` unless the columns' lengths agree with each other."""
        labels, boxes = len(self.samples), len(self.class_index)
        if len(self.counts) != labels:
            raise FieldError("counts", f"has {len(self.counts)} entries for {labels} samples")
        if any(n < 0 for n in self.counts):
            raise FieldError("counts", "must be >= 0")
        if sum(self.counts) != boxes:
            raise FieldError("class", f"has {boxes} entries; counts add up to {sum(self.counts)}")
        if len(self.boxes) != 4 * boxes:
            raise FieldError("boxes", f"has {len(self.boxes)} numbers for {boxes} boxes (4 each)")
        if self.confidence is not None and len(self.confidence) != boxes:
            raise FieldError("confidence", f"has {len(self.confidence)} entries for {boxes} boxes")
        if self.scores is not None and len(self.scores) != labels:
            raise FieldError("scores", f"has {len(self.scores)} entries for {labels} samples")
        if boxes and not 0 <= min(self.class_index) <= max(self.class_index) < len(self.classes):
            raise FieldError("class", f"indexes must be between 0 and {len(self.classes) - 1}")

    def record(self, index: int) -> dict[str, Any]:
        """Label ``index`` as a record in predhub's JSON shape (to validate it the general way)."""
        start = sum(self.counts[:index])
        objects = []
        for i in range(start, start + self.counts[index]):
            obj: dict[str, Any] = {
                "class": self.classes[self.class_index[i]],
                "box": self.boxes[4 * i : 4 * i + 4],
            }
            if self.confidence is not None:
                obj["confidence"] = self.confidence[i]
            objects.append(obj)
        out: dict[str, Any] = {"sample": self.samples[index], "objects": objects, "status": self.status}
        if self.scores is not None and self.scores[index] is not None:
            out["score"] = self.scores[index]
        return out


_decode = msgspec.json.Decoder(BoxColumns).decode
_encode = msgspec.json.Encoder().encode


def decode_box_columns(body: bytes) -> BoxColumns:
    """The wire form to columns; :class:`FieldError` naming the field when it is malformed."""
    try:
        columns = _decode(body)
    except msgspec.ValidationError as exc:
        # msgspec says "Expected `int`, got `str` - at `$.class[3]`": keep the path as the field.
        message, _, path = str(exc).partition(" - at `$.")
        raise FieldError(path.rstrip("`"), message) from None
    except msgspec.DecodeError as exc:
        raise FieldError("", f"not valid JSON: {exc}") from None
    columns.check_shape()
    return columns


def box_columns_from_records(records: Iterable[Mapping[str, Any]]) -> BoxColumns | None:
    """Wire records to columns when every one is plain boxes with one status; None otherwise.

    Only what the record form would carry the same way is taken: any other key, geometry, or a
    value of an unexpected type leaves the batch to the record form (and its per-record errors).
    """
    samples: list[str] = []
    counts: list[int] = []
    class_ids: dict[str, int] = {}
    class_index: list[int] = []
    boxes: list[float] = []
    confidence: list[float] = []
    scores: list[float | None] = []
    status: str | None = None
    any_score = False
    for record in records:
        if type(record) is not dict or not _LABEL_KEYS.issuperset(record):
            return None
        key, objects = record.get("sample"), record.get("objects", [])
        this_status = record.get("status", "labeled")
        if (
            type(key) is not str
            or type(objects) is not list
            or (status is not None and this_status != status)
        ):
            return None
        status = this_status
        score = record.get("score")
        if score is not None:
            if type(score) not in _NUMBER or score - score != 0:
                return None
            any_score = True
        for obj in objects:
            if type(obj) is not dict or not _PLAIN_BOX_KEYS.issuperset(obj):
                return None
            name, conf = obj.get("class"), obj.get("confidence", 1.0)
            box: Any = obj.get("box")
            if type(name) is not str or type(box) not in (list, tuple) or len(box) != 4:
                return None
            x0, y0, x1, y1 = box
            if not (
                type(conf) in _NUMBER
                and type(x0) in _NUMBER
                and type(y0) in _NUMBER
                and type(x1) in _NUMBER
                and type(y1) in _NUMBER
                # NaN and infinity have no JSON form (they would arrive as null): records report them.
                and (conf - conf) + (x0 - x0) + (y0 - y0) + (x1 - x1) + (y1 - y1) == 0
            ):
                return None
            index = class_ids.get(name)
            if index is None:
                index = class_ids[name] = len(class_ids)
            class_index.append(index)
            boxes += box
            confidence.append(conf)
        samples.append(key)
        counts.append(len(objects))
        scores.append(score)
    if status is not None and type(status) is not str:
        return None
    return BoxColumns(
        samples=samples,
        counts=counts,
        classes=list(class_ids),
        class_index=class_index,
        boxes=boxes,
        confidence=confidence,
        scores=scores if any_score else None,
        status=status or "labeled",
    )


def encode_box_columns(columns: BoxColumns) -> bytes:
    return _encode(columns)
