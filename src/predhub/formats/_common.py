"""Small parsing helpers the converters share: typed field reads that raise errors naming the field."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.core import ClassificationKind, ClassificationSpec, FieldError, Ontology

__all__ = [
    "class_specs",
    "classification_kind",
    "default_categories",
    "join",
    "number",
    "points_array",
    "require",
    "string",
]


def join(prefix: str, name: str) -> str:
    """Dotted path join that keeps ``[i]`` indices glued to their list."""
    if not prefix:
        return name
    return prefix + name if name.startswith("[") else f"{prefix}.{name}"


def require(data: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in data:
        raise FieldError(join(path, key), "is required")
    return data[key]


def number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(path, f"must be a number, got {type(value).__name__}")
    f = float(value)
    if not math.isfinite(f):
        raise FieldError(path, "must be finite")
    return f


def string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise FieldError(path, f"must be a string, got {type(value).__name__}")
    return value


def points_array(value: Any, path: str, *, flat: bool = False) -> npt.NDArray[np.float64]:
    """``[[x, y], ...]`` (or flat ``[x1, y1, x2, y2, ...]``) as an (N, 2) float array, finite."""
    if not isinstance(value, list):
        raise FieldError(path, "must be a list of points")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FieldError(path, "must hold numbers only") from exc
    if flat:
        if arr.ndim != 1 or len(arr) % 2:
            raise FieldError(path, "must be a flat list [x1, y1, x2, y2, ...] of even length")
        arr = arr.reshape(-1, 2)
    elif arr.size == 0:
        arr = arr.reshape(0, 2)
    elif arr.ndim != 2 or arr.shape[1] != 2:
        raise FieldError(path, "must be a list of [x, y] pairs")
    if not np.isfinite(arr).all():
        raise FieldError(path, "must be finite")
    return arr


def class_specs(ontology: Ontology | None, class_name: str | None) -> Sequence[ClassificationSpec]:
    """The classifications an object class (or the image, when ``class_name`` is None) asks."""
    if ontology is None:
        return ()
    if class_name is None:
        return ontology.classifications
    cls = ontology.object_class(class_name)
    return cls.classifications if cls else ()


def classification_kind(
    name: str, value: Any, specs: Sequence[ClassificationSpec], default: ClassificationKind
) -> ClassificationKind:
    """How to read a flat attribute value: the ontology decides between single choice and free text
    (both are strings in OpenLABEL, Segments and Supervisely); lists are always multiple choice."""
    if isinstance(value, list):
        return ClassificationKind.MULTI
    for spec in specs:
        if spec.name == name:
            return spec.kind
    return default


def default_categories(ontology: Ontology | None, start: int) -> dict[int, str]:
    """Class ids numbered in ontology order (COCO/Segments count from 1, YOLO from 0)."""
    if ontology is None:
        return {}
    return {i + start: name for i, name in enumerate(ontology.class_names)}
