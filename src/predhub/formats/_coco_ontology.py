"""The ontology a COCO dataset's categories imply (``predhub import --create-dataset``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from predhub.core import GeometryKind, ObjectClass, Ontology

__all__ = ["ontology_from_coco"]


def ontology_from_coco(
    categories: Iterable[Mapping[str, Any]], annotations: Iterable[Mapping[str, Any]] = ()
) -> Ontology:
    """An ontology with one class per category; each class's kind from the first of ``annotations``
    (a sample of the file) with that category: keypoints -> point, RLE -> mask, polygon -> polygon,
    else box. A category naming ``keypoints`` is a point class with those keypoints and skeleton."""
    kinds: dict[int, GeometryKind] = {}
    for ann in annotations:
        cid = ann.get("category_id")
        if not isinstance(cid, int) or cid in kinds:
            continue
        seg = ann.get("segmentation")
        kinds[cid] = (
            GeometryKind.POINT
            if ann.get("keypoints")
            else GeometryKind.MASK
            if isinstance(seg, dict)
            else GeometryKind.POLYGON
            if seg
            else GeometryKind.BOX
        )
    objects = []
    seen: set[str] = set()
    for cat in categories:
        name = str(cat["name"])
        if name in seen:
            continue
        seen.add(name)
        names = cat.get("keypoints")
        if isinstance(names, list) and names and all(isinstance(k, str) for k in names):
            objects.append(_point_class(name, names, cat.get("skeleton")))
            continue
        objects.append(ObjectClass(name, kinds.get(int(cat["id"]), GeometryKind.BOX)))
    return Ontology(objects=tuple(objects))


def _point_class(name: str, names: list[str], skeleton: Any) -> ObjectClass:
    """A keypoint category: a point class naming its keypoints; skeleton edges (1-based) by name."""
    edges = []
    for edge in skeleton if isinstance(skeleton, list) else []:
        if (
            isinstance(edge, list)
            and len(edge) == 2
            and all(isinstance(e, int) and 1 <= e <= len(names) for e in edge)
        ):
            edges.append((names[edge[0] - 1], names[edge[1] - 1]))
    if len(set(names)) != len(names):  # names that cannot tell keypoints apart: read them by index
        return ObjectClass(name, GeometryKind.POINT)
    return ObjectClass(name, GeometryKind.POINT, keypoints=tuple(names), skeleton=tuple(edges))
