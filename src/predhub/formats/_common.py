"""Small parsing helpers the converters share: typed field reads that raise errors naming the field."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from predhub.core import ClassificationKind, ClassificationSpec, FieldError, Ontology

__all__ = [
    "class_specs",
    "classification_kind",
    "default_categories",
    "dump_records",
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


# Records serialised per orjson call by dump_records: enough to amortise the call, few enough that
# the records die young (a page of tens of thousands alive at once sends them to the collector's
# oldest generation, and it then walks the whole heap over and over).
_DUMP_CHUNK = 256


def dump_records(records: Iterable[dict[str, Any]], first_key: str, separator: bytes) -> tuple[int, bytes]:
    """``(count, separator.join(orjson.dumps(r) for r in records))``, every record a dict whose first
    key is ``first_key``, serialised a chunk at a time.

    One ``orjson.dumps`` of a list writes ``},{"<first_key>":`` between its items, and nowhere else:
    inside a string the ``"`` would be escaped. So the separator goes in by one ``replace``; should
    the count of boundaries ever disagree, the chunk is dumped record by record. Either way the bytes
    are those of dumping each record alone.
    """
    boundary = b'},{"' + first_key.encode() + b'":'
    joined = b"}" + separator + b'{"' + first_key.encode() + b'":'
    dumps = orjson.dumps
    count = 0
    parts: list[bytes] = []
    it = iter(records)
    while chunk := list(islice(it, _DUMP_CHUNK)):
        count += len(chunk)
        body = dumps(chunk)[1:-1]
        if body.count(boundary) == len(chunk) - 1:
            parts.append(body.replace(boundary, joined))
        else:
            parts.append(separator.join(map(dumps, chunk)))
    return count, separator.join(parts)
