"""Checks a label against its dataset's ontology and its sample's image size.

Returns every problem found (not just the first), each a :class:`FieldError` whose ``field`` is the
dotted path inside the label record, so that an upload can report them all per record.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from predhub.core.errors import FieldError
from predhub.core.geometry import Box, Geometry, Point, Polygon, Polyline, geometry_kind
from predhub.core.label import Classification, ClassificationKind, Label, Object
from predhub.core.mask import Mask
from predhub.core.ontology import ClassificationSpec, Ontology

__all__ = ["OUTSIDE_MARGIN", "FieldError", "check_geometry", "validate_label", "validate_object"]

# Predictions often overhang the image a little; a quarter of the image beyond the edge is "far outside".
OUTSIDE_MARGIN = 0.25


def validate_label(
    label: Label, ontology: Ontology, width: int | None = None, height: int | None = None
) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, obj in enumerate(label.objects):
        errors.extend(e.under(f"objects[{i}]") for e in validate_object(obj, ontology, width, height))
    errors.extend(
        e.under("classifications")
        for e in _check_classifications(label.classifications, ontology.classifications)
    )
    if label.score is not None and not np.isfinite(label.score):
        errors.append(FieldError("score", "must be finite"))
    return errors


def validate_object(
    obj: Object, ontology: Ontology, width: int | None = None, height: int | None = None
) -> list[FieldError]:
    cls = ontology.object_class(obj.class_name)
    if cls is None:
        known = ", ".join(ontology.class_names[:20])
        return [FieldError("class", f"unknown class {obj.class_name!r} (known: {known})")]
    errors: list[FieldError] = []
    kind = geometry_kind(obj.geometry)
    if kind is not cls.kind:
        errors.append(
            FieldError(kind.value, f"class {cls.name!r} is drawn as {cls.kind.value}, not {kind.value}")
        )
    errors.extend(check_geometry(obj.geometry, width, height))
    if not (0.0 <= obj.confidence <= 1.0):
        errors.append(FieldError("confidence", "must be between 0 and 1"))
    errors.extend(
        e.under("classifications") for e in _check_classifications(obj.classifications, cls.classifications)
    )
    return errors


def check_geometry(
    geometry: Geometry, width: int | None = None, height: int | None = None
) -> list[FieldError]:
    """The checks that need no ontology: finite numbers, sizes, point counts, inside the image."""
    errors: list[FieldError] = []
    points: np.ndarray
    if isinstance(geometry, Box):
        values = np.array(geometry.xyxy)
        if not np.isfinite(values).all() or not np.isfinite(geometry.rotation):
            return [FieldError("box", "must be finite")]
        if geometry.width < 0:
            errors.append(FieldError("box.width", "must be >= 0 (x1 < x0)"))
        if geometry.height < 0:
            errors.append(FieldError("box.height", "must be >= 0 (y1 < y0)"))
        points, key = values.reshape(2, 2), "box"
    elif isinstance(geometry, Polygon):
        if len(geometry.points) < 3:
            errors.append(FieldError("polygon", f"needs at least 3 points, got {len(geometry.points)}"))
        for i, hole in enumerate(geometry.holes):
            if len(hole) < 3:
                errors.append(FieldError(f"holes[{i}]", f"needs at least 3 points, got {len(hole)}"))
        points, key = geometry.points, "polygon"
    elif isinstance(geometry, Polyline):
        if len(geometry.points) < 2:
            errors.append(FieldError("polyline", f"needs at least 2 points, got {len(geometry.points)}"))
        points, key = geometry.points, "polyline"
    elif isinstance(geometry, Point):
        points, key = np.array([[geometry.x, geometry.y]]), "point"
    else:
        assert isinstance(geometry, Mask)
        if width is not None and height is not None and (geometry.width, geometry.height) != (width, height):
            errors.append(
                FieldError(
                    "mask.size", f"is {geometry.height}x{geometry.width}, the image is {height}x{width}"
                )
            )
        return errors
    if not np.isfinite(points).all():
        errors.append(FieldError(key, "must be finite"))
    elif width is not None and height is not None and len(points):
        mx, my = OUTSIDE_MARGIN * width, OUTSIDE_MARGIN * height
        xs, ys = points[:, 0], points[:, 1]
        if xs.min() < -mx or xs.max() > width + mx or ys.min() < -my or ys.max() > height + my:
            errors.append(FieldError(key, f"lies far outside the {width}x{height} image"))
    return errors


def _check_classifications(
    given: Sequence[Classification], specs: Sequence[ClassificationSpec]
) -> list[FieldError]:
    errors: list[FieldError] = []
    by_name = {s.name: s for s in specs}
    for i, c in enumerate(given):
        path = f"[{i}]"
        spec = by_name.get(c.name)
        if spec is None:
            errors.append(FieldError(f"{path}.name", f"unknown classification {c.name!r}"))
            continue
        if c.kind is not spec.kind:
            errors.append(FieldError(path, f"{c.name!r} is {spec.kind.value}, not {c.kind.value}"))
            continue
        if c.kind is ClassificationKind.TEXT:
            continue
        if c.kind is ClassificationKind.SINGLE and len(c.answers) != 1:
            errors.append(FieldError(f"{path}.answer", "a single choice takes exactly one answer"))
        key = "answer" if c.kind is ClassificationKind.SINGLE else "answers"
        for j, answer in enumerate(c.answers):
            apath = f"{path}.{key}" if key == "answer" else f"{path}.answers[{j}]"
            option = spec.option(answer.name)
            if option is None:
                allowed = ", ".join(o.name for o in spec.options)
                errors.append(
                    FieldError(apath, f"{answer.name!r} is not an option of {c.name!r} ({allowed})")
                )
                continue
            if answer.confidence is not None and not (0.0 <= answer.confidence <= 1.0):
                errors.append(FieldError(f"{apath}.confidence", "must be between 0 and 1"))
            errors.extend(
                e.under(f"{apath}.classifications")
                for e in _check_classifications(answer.classifications, option.classifications)
            )
    return errors
