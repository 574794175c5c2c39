"""The ontology a Label Studio file implies (``predhub import --create-dataset``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from predhub.core import ClassificationKind, ClassificationSpec, GeometryKind, ObjectClass, Ontology, Option

__all__ = ["ontology_from_tasks"]

# Region result types and the kind of class each draws (a closed ``vectorlabels`` is a polygon).
REGION_KINDS = {
    "rectanglelabels": GeometryKind.BOX,
    "polygonlabels": GeometryKind.POLYGON,
    "keypointlabels": GeometryKind.POINT,
    "brushlabels": GeometryKind.MASK,
    "vectorlabels": GeometryKind.POLYLINE,
    "bitmasklabels": GeometryKind.MASK,
}


def ontology_from_tasks(tasks: Iterable[dict[str, Any]]) -> Ontology:
    """An ontology covering what a Label Studio file uses: a class per region label (its kind from
    the region type), a classification per ``choices``/``textarea`` control, per-region ones under
    the class of their region."""
    classes: dict[str, GeometryKind] = {}
    per_class: dict[str, dict[str, tuple[bool, list[str]]]] = {}
    image: dict[str, tuple[bool, list[str]]] = {}
    for task in tasks:
        groups = (task.get("predictions") or []) + (task.get("annotations") or [])
        if "result" in task:
            groups = [task]
        for group in groups:
            results = group.get("result", []) if isinstance(group, dict) else []
            region_class: dict[Any, str] = {}
            for item in results:
                rtype = item.get("type")
                if rtype in REGION_KINDS:
                    names = item.get("value", {}).get(rtype) or []
                    kind = REGION_KINDS[rtype]
                    if rtype == "vectorlabels" and item.get("value", {}).get("closed"):
                        kind = GeometryKind.POLYGON
                    for name in names:
                        classes.setdefault(name, kind)
                    if names:
                        region_class[item.get("id")] = names[0]
            for item in results:
                rtype = item.get("type")
                if rtype not in ("choices", "textarea"):
                    continue
                owner = region_class.get(item.get("id"))
                table = per_class.setdefault(owner, {}) if owner else image
                name = item.get("from_name", "")
                value = item.get("value", {})
                multi, options = table.get(name, (False, []))
                if rtype == "textarea":
                    table[name] = (False, [])  # empty options mark free text
                    continue
                choices = value.get("choices") or []
                options = options + [c for c in choices if c not in options]
                table[name] = (multi or len(choices) > 1, options)

    def specs(table: dict[str, tuple[bool, list[str]]]) -> tuple[ClassificationSpec, ...]:
        return tuple(
            ClassificationSpec(name, ClassificationKind.TEXT)
            if not opts
            else ClassificationSpec(
                name,
                ClassificationKind.MULTI if multi else ClassificationKind.SINGLE,
                tuple(Option(o) for o in opts),
            )
            for name, (multi, opts) in table.items()
        )

    return Ontology(
        objects=tuple(ObjectClass(n, k, specs(per_class.get(n, {}))) for n, k in classes.items()),
        classifications=specs(image),
    )
