"""predhub's own JSON shape for labels: what the REST API, the SDK and the store exchange.

An object is ``{"class": name, <kind>: <geometry>, "confidence"?, "classifications"?, "attributes"?,
"id"?}`` with exactly one geometry key:

- ``"box": [x0, y0, x1, y1]`` (optional ``"rotation"`` in degrees)
- ``"polygon": [[x, y], ...]`` (optional ``"holes": [[[x, y], ...], ...]``)
- ``"polyline": [[x, y], ...]``
- ``"point": [x, y]``
- ``"mask": {"size": [h, w], "counts": str | [int]}`` (COCO RLE)

A classification is ``{"name", "answer": str | {"name", "confidence"?, "classifications"?}}`` for
single choice, ``{"name", "answers": [...]}`` for multiple choice, ``{"name", "text": str}`` for text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from predhub.core.errors import FieldError
from predhub.core.geometry import Box, Geometry, Point, Polygon, Polyline
from predhub.core.label import Answer, Classification, ClassificationKind, Label, LabelStatus, Object
from predhub.core.mask import Mask

__all__ = [
    "GEOMETRY_KEYS",
    "classification_from_dict",
    "classification_to_dict",
    "geometry_from_dict",
    "geometry_to_dict",
    "label_from_dict",
    "label_to_dict",
    "object_from_dict",
    "object_to_dict",
]

GEOMETRY_KEYS = ("box", "polygon", "polyline", "point", "mask")


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(field, f"must be a number, got {type(value).__name__}")
    f = float(value)
    if not math.isfinite(f):
        raise FieldError(field, "must be finite")
    return f


def _point_list(value: Any, field: str) -> np.ndarray:
    if not isinstance(value, list):
        raise FieldError(field, "must be a list of [x, y] pairs")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FieldError(field, "must be a list of [x, y] number pairs") from exc
    if arr.size == 0:
        return np.zeros((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise FieldError(field, "must be a list of [x, y] pairs")
    if not np.isfinite(arr).all():
        raise FieldError(field, "must be finite")
    return arr


def geometry_from_dict(data: dict[str, Any], field: str = "") -> Geometry:
    """Read the one geometry key of an object dict."""
    keys = [k for k in GEOMETRY_KEYS if k in data]
    if len(keys) != 1:
        raise FieldError(field or "geometry", f"exactly one of {list(GEOMETRY_KEYS)} is required, got {keys}")
    key = keys[0]
    value = data[key]
    path = f"{field}.{key}" if field else key
    if key == "box":
        if not isinstance(value, list) or len(value) != 4:
            raise FieldError(path, "must be [x0, y0, x1, y1]")
        x0, y0, x1, y1 = (_number(v, f"{path}[{i}]") for i, v in enumerate(value))
        rotation = _number(data.get("rotation", 0.0), f"{field}.rotation" if field else "rotation")
        return Box(x0, y0, x1, y1, rotation)
    if key == "polygon":
        holes = data.get("holes", [])
        if not isinstance(holes, list):
            raise FieldError(f"{field}.holes" if field else "holes", "must be a list of rings")
        return Polygon(
            _point_list(value, path),
            tuple(
                _point_list(h, f"{field}.holes[{i}]" if field else f"holes[{i}]") for i, h in enumerate(holes)
            ),
        )
    if key == "polyline":
        return Polyline(_point_list(value, path))
    if key == "point":
        if not isinstance(value, list) or len(value) != 2:
            raise FieldError(path, "must be [x, y]")
        return Point(_number(value[0], f"{path}[0]"), _number(value[1], f"{path}[1]"))
    if not isinstance(value, dict) or "size" not in value or "counts" not in value:
        raise FieldError(path, 'must be a COCO RLE {"size": [h, w], "counts": ...}')
    try:
        return Mask.from_coco(value)
    except (TypeError, ValueError) as exc:
        raise FieldError(path, str(exc)) from exc


def geometry_to_dict(geometry: Geometry) -> dict[str, Any]:
    if isinstance(geometry, Box):
        out: dict[str, Any] = {"box": [geometry.x0, geometry.y0, geometry.x1, geometry.y1]}
        if geometry.rotation:
            out["rotation"] = geometry.rotation
        return out
    if isinstance(geometry, Polygon):
        out = {"polygon": geometry.points.tolist()}
        if geometry.holes:
            out["holes"] = [h.tolist() for h in geometry.holes]
        return out
    if isinstance(geometry, Polyline):
        return {"polyline": geometry.points.tolist()}
    if isinstance(geometry, Point):
        return {"point": [geometry.x, geometry.y]}
    return {"mask": geometry.to_coco()}


def _answer_from(value: Any, field: str) -> Answer:
    if isinstance(value, str):
        return Answer(value)
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise FieldError(field, 'must be an option name or {"name": ...}')
    conf = value.get("confidence")
    return Answer(
        value["name"],
        None if conf is None else _number(conf, f"{field}.confidence"),
        _classifications_from(value.get("classifications", []), f"{field}.classifications"),
    )


def classification_from_dict(data: Any, field: str = "") -> Classification:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise FieldError(field or "classification", 'must be an object with a "name"')
    conf = data.get("confidence")
    confidence = None if conf is None else _number(conf, f"{field}.confidence")
    name = data["name"]
    if "text" in data:
        if not isinstance(data["text"], str):
            raise FieldError(f"{field}.text", "must be a string")
        return Classification(name, ClassificationKind.TEXT, text=data["text"], confidence=confidence)
    if "answers" in data:
        answers = data["answers"]
        if not isinstance(answers, list):
            raise FieldError(f"{field}.answers", "must be a list")
        return Classification(
            name,
            ClassificationKind.MULTI,
            [_answer_from(a, f"{field}.answers[{i}]") for i, a in enumerate(answers)],
            confidence=confidence,
        )
    if "answer" in data:
        return Classification(
            name,
            ClassificationKind.SINGLE,
            [_answer_from(data["answer"], f"{field}.answer")],
            confidence=confidence,
        )
    raise FieldError(field or "classification", 'needs one of "answer", "answers", "text"')


def _classifications_from(value: Any, field: str) -> list[Classification]:
    if not isinstance(value, list):
        raise FieldError(field, "must be a list")
    return [classification_from_dict(c, f"{field}[{i}]") for i, c in enumerate(value)]


def _answer_to(answer: Answer) -> str | dict[str, Any]:
    if answer.confidence is None and not answer.classifications:
        return answer.name
    out: dict[str, Any] = {"name": answer.name}
    if answer.confidence is not None:
        out["confidence"] = answer.confidence
    if answer.classifications:
        out["classifications"] = [classification_to_dict(c) for c in answer.classifications]
    return out


def classification_to_dict(c: Classification) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name}
    if c.kind is ClassificationKind.TEXT:
        out["text"] = c.text or ""
    elif c.kind is ClassificationKind.MULTI:
        out["answers"] = [_answer_to(a) for a in c.answers]
    else:
        out["answer"] = _answer_to(c.answers[0]) if c.answers else ""
    if c.confidence is not None:
        out["confidence"] = c.confidence
    return out


def object_from_dict(data: Any, field: str = "") -> Object:
    if not isinstance(data, dict):
        raise FieldError(field or "object", "must be a JSON object")
    cls = data.get("class")
    if not isinstance(cls, str) or not cls:
        raise FieldError(f"{field}.class" if field else "class", "must be a non-empty string")
    conf = data.get("confidence", 1.0)
    attributes = data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise FieldError(f"{field}.attributes", "must be an object")
    obj_id = data.get("id")
    return Object(
        class_name=cls,
        geometry=geometry_from_dict(data, field),
        confidence=1.0 if conf is None else _number(conf, f"{field}.confidence" if field else "confidence"),
        classifications=_classifications_from(data.get("classifications", []), f"{field}.classifications"),
        attributes=attributes,
        id=None if obj_id is None else str(obj_id),
    )


def object_to_dict(obj: Object) -> dict[str, Any]:
    out: dict[str, Any] = {"class": obj.class_name, **geometry_to_dict(obj.geometry)}
    if obj.confidence != 1.0:
        out["confidence"] = obj.confidence
    if obj.classifications:
        out["classifications"] = [classification_to_dict(c) for c in obj.classifications]
    if obj.attributes:
        out["attributes"] = obj.attributes
    if obj.id is not None:
        out["id"] = obj.id
    return out


def label_from_dict(data: Any, field: str = "") -> Label:
    """Parse one label record; raises :class:`FieldError` naming the first bad field."""
    if not isinstance(data, dict):
        raise FieldError(field or "label", "must be a JSON object")
    key = data.get("sample")
    if not isinstance(key, str) or not key:
        raise FieldError(
            f"{field}.sample" if field else "sample", "must be the sample key (a non-empty string)"
        )
    objects = data.get("objects", [])
    if not isinstance(objects, list):
        raise FieldError(f"{field}.objects" if field else "objects", "must be a list")
    score = data.get("score")
    status = data.get("status", LabelStatus.LABELED.value)
    try:
        status_enum = LabelStatus(status)
    except ValueError as exc:
        raise FieldError(
            f"{field}.status" if field else "status", f"must be one of {[s.value for s in LabelStatus]}"
        ) from exc
    prefix = f"{field}." if field else ""
    return Label(
        sample_key=key,
        objects=[object_from_dict(o, f"{prefix}objects[{i}]") for i, o in enumerate(objects)],
        classifications=_classifications_from(data.get("classifications", []), f"{prefix}classifications"),
        score=None if score is None else _number(score, f"{prefix}score"),
        status=status_enum,
    )


def label_to_dict(label: Label) -> dict[str, Any]:
    out: dict[str, Any] = {"sample": label.sample_key, "objects": [object_to_dict(o) for o in label.objects]}
    if label.classifications:
        out["classifications"] = [classification_to_dict(c) for c in label.classifications]
    if label.score is not None:
        out["score"] = label.score
    out["status"] = label.status.value
    return out
