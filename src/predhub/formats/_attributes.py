"""Flat attribute values <-> classifications, for formats without nesting (OpenLABEL, Segments,
Supervisely): a string is a single choice or free text (the ontology says which; single choice when
it does not), a list of strings a multiple choice, numbers and booleans stay object attributes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from predhub.core import Classification, ClassificationKind, ClassificationSpec
from predhub.formats._common import classification_kind
from predhub.formats.base import ExportReport

__all__ = ["classification_from_value", "value_from_classification"]


def classification_from_value(
    name: str, value: Any, specs: Sequence[ClassificationSpec]
) -> Classification | None:
    """The classification a flat value stands for, or None for values that are plain attributes."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return Classification.multi(name, list(value))
    if not isinstance(value, str):
        return None
    kind = classification_kind(name, value, specs, ClassificationKind.SINGLE)
    if kind is ClassificationKind.TEXT:
        return Classification.free_text(name, value)
    if kind is ClassificationKind.MULTI:
        return Classification.multi(name, [value])
    return Classification.single(name, value)


def value_from_classification(c: Classification, report: ExportReport) -> str | list[str]:
    """The flat value of a classification; nesting and confidences cannot be carried."""
    if c.confidence is not None:
        report.drop("classification.confidence")
    if c.kind is ClassificationKind.TEXT:
        return c.text or ""
    for a in c.answers:
        if a.confidence is not None:
            report.drop("answer.confidence")
        if a.classifications:
            report.drop("nested classification", len(a.classifications))
    names = [a.name for a in c.answers]
    return names if c.kind is ClassificationKind.MULTI else (names[0] if names else "")
