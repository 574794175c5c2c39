"""The neutral core: the label model and its geometry. Imports nothing else of predhub's."""

from predhub.core.geometry import Box, Geometry, GeometryKind, Point, Polygon, Polyline, geometry_kind
from predhub.core.label import (
    Answer,
    Classification,
    ClassificationKind,
    Label,
    LabelStatus,
    Object,
)
from predhub.core.mask import Mask
from predhub.core.ontology import ClassificationSpec, ObjectClass, Ontology, Option
from predhub.core.validation import FieldError, validate_label

__all__ = [
    "Answer",
    "Box",
    "Classification",
    "ClassificationKind",
    "ClassificationSpec",
    "FieldError",
    "Geometry",
    "GeometryKind",
    "Label",
    "LabelStatus",
    "Mask",
    "Object",
    "ObjectClass",
    "Ontology",
    "Option",
    "Point",
    "Polygon",
    "Polyline",
    "geometry_kind",
    "validate_label",
]
