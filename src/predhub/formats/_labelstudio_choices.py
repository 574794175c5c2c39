"""Label Studio ``choices`` and ``textarea`` results <-> classifications (formats.md §2): one level,
single vs multiple choice told by the ontology (or by the number of choices), no confidences."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from predhub.core import Classification, ClassificationKind, ClassificationSpec, FieldError
from predhub.formats._common import string
from predhub.formats.base import ExportReport

__all__ = ["classification", "export_classification"]


def classification(item: dict[str, Any], path: str, specs: Sequence[ClassificationSpec]) -> Classification:
    name = string(item.get("from_name"), f"{path}.from_name")
    value = item.get("value")
    if not isinstance(value, dict):
        raise FieldError(f"{path}.value", "must be a JSON object")
    if item["type"] == "textarea":
        texts = value.get("text")
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise FieldError(f"{path}.value.text", "must be a list of strings")
        return Classification.free_text(name, "\n".join(texts))
    choices = value.get("choices")
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise FieldError(f"{path}.value.choices", "must be a list of strings")
    spec = next((s for s in specs if s.name == name), None)
    multi = spec.kind is ClassificationKind.MULTI if spec else len(choices) != 1
    if multi:
        return Classification.multi(name, list(choices))
    return Classification.single(name, choices[0] if choices else "")


def export_classification(c: Classification, rid: str, report: ExportReport) -> dict[str, Any]:
    item: dict[str, Any] = {"id": rid, "from_name": c.name, "to_name": "image"}
    if c.confidence is not None:
        report.drop("classification.confidence")
    if c.kind is ClassificationKind.TEXT:
        item.update(type="textarea", value={"text": [c.text or ""]})
        return item
    for a in c.answers:
        if a.confidence is not None:
            report.drop("answer.confidence")
        if a.classifications:
            report.drop("nested classification", len(a.classifications))
    item.update(type="choices", value={"choices": [a.name for a in c.answers]})
    return item
