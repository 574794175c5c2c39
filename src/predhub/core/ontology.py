"""A dataset's ontology: the object classes it may hold and the classifications it asks.

Classifications nest to any depth, under an object class or under an answer option, as Labelbox's
ontology does (seed 001).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from predhub.core.geometry import GeometryKind
from predhub.core.label import ClassificationKind

__all__ = ["ClassificationSpec", "ObjectClass", "Ontology", "Option"]


@dataclass(frozen=True, slots=True)
class Option:
    """One answer a single- or multiple-choice classification offers, with follow-up questions."""

    name: str
    classifications: tuple[ClassificationSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class ClassificationSpec:
    name: str
    kind: ClassificationKind
    options: tuple[Option, ...] = ()
    required: bool = False

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass(frozen=True, slots=True)
class ObjectClass:
    """An object class. A point class may name its ``keypoints`` (in order, as a COCO category does)
    and a ``skeleton`` of pairs of those names; its objects are then the points of keypoint sets."""

    name: str
    kind: GeometryKind
    classifications: tuple[ClassificationSpec, ...] = ()
    color: str | None = None
    keypoints: tuple[str, ...] = ()
    skeleton: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Ontology:
    objects: tuple[ObjectClass, ...] = ()
    classifications: tuple[ClassificationSpec, ...] = ()
    _by_name: dict[str, ObjectClass] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [o.name for o in self.objects]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"duplicate object class names: {sorted(dupes)}")
        self._by_name.update({o.name: o for o in self.objects})

    def object_class(self, name: str) -> ObjectClass | None:
        return self._by_name.get(name)

    def classification(self, name: str) -> ClassificationSpec | None:
        return next((c for c in self.classifications if c.name == name), None)

    @property
    def class_names(self) -> list[str]:
        return [o.name for o in self.objects]

    def to_dict(self) -> dict[str, Any]:
        return {
            "objects": [
                {
                    "name": o.name,
                    "kind": o.kind.value,
                    **({"color": o.color} if o.color else {}),
                    **({"keypoints": list(o.keypoints)} if o.keypoints else {}),
                    **({"skeleton": [list(e) for e in o.skeleton]} if o.skeleton else {}),
                    **(
                        {"classifications": [_spec_to_dict(c) for c in o.classifications]}
                        if o.classifications
                        else {}
                    ),
                }
                for o in self.objects
            ],
            "classifications": [_spec_to_dict(c) for c in self.classifications],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Ontology:
        """Build from the JSON shape :meth:`to_dict` writes; raises ``ValueError`` naming the field."""
        objects = []
        for i, o in enumerate(data.get("objects", [])):
            try:
                kind = GeometryKind(o["kind"])
            except (KeyError, ValueError) as exc:
                raise ValueError(
                    f"objects[{i}].kind: must be one of {[k.value for k in GeometryKind]}"
                ) from exc
            keypoints = _keypoints(o.get("keypoints", []), kind, f"objects[{i}].keypoints")
            objects.append(
                ObjectClass(
                    name=_name(o, f"objects[{i}]"),
                    kind=kind,
                    classifications=tuple(
                        _spec_from_dict(c, f"objects[{i}].classifications[{j}]")
                        for j, c in enumerate(o.get("classifications", []))
                    ),
                    color=o.get("color"),
                    keypoints=keypoints,
                    skeleton=_skeleton(o.get("skeleton", []), keypoints, f"objects[{i}].skeleton"),
                )
            )
        return cls(
            objects=tuple(objects),
            classifications=tuple(
                _spec_from_dict(c, f"classifications[{j}]")
                for j, c in enumerate(data.get("classifications", []))
            ),
        )


def _name(data: dict[str, Any], path: str) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{path}.name: must be a non-empty string")
    return name


def _keypoints(data: Any, kind: GeometryKind, path: str) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(k, str) and k for k in data):
        raise ValueError(f"{path}: must be a list of keypoint names")
    if data and kind is not GeometryKind.POINT:
        raise ValueError(f"{path}: only a point class names keypoints")
    if len(set(data)) != len(data):
        raise ValueError(f"{path}: keypoint names must be unique")
    return tuple(data)


def _skeleton(data: Any, keypoints: tuple[str, ...], path: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(data, list):
        raise ValueError(f"{path}: must be a list of [keypoint, keypoint] pairs")
    edges = []
    for j, edge in enumerate(data):
        if not isinstance(edge, list) or len(edge) != 2 or not all(e in keypoints for e in edge):
            raise ValueError(f"{path}[{j}]: must be a pair of the class's keypoint names")
        edges.append((edge[0], edge[1]))
    return tuple(edges)


def _spec_to_dict(spec: ClassificationSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": spec.name, "kind": spec.kind.value}
    if spec.required:
        out["required"] = True
    if spec.options:
        out["options"] = [
            {
                "name": o.name,
                **(
                    {"classifications": [_spec_to_dict(c) for c in o.classifications]}
                    if o.classifications
                    else {}
                ),
            }
            for o in spec.options
        ]
    return out


def _spec_from_dict(data: dict[str, Any], path: str) -> ClassificationSpec:
    try:
        kind = ClassificationKind(data["kind"])
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}.kind: must be one of {[k.value for k in ClassificationKind]}") from exc
    options = tuple(
        Option(
            name=_name(o, f"{path}.options[{i}]"),
            classifications=tuple(
                _spec_from_dict(c, f"{path}.options[{i}].classifications[{j}]")
                for j, c in enumerate(o.get("classifications", []))
            ),
        )
        for i, o in enumerate(data.get("options", []))
    )
    if kind is not ClassificationKind.TEXT and not options:
        raise ValueError(f"{path}.options: a {kind.value} classification needs options")
    return ClassificationSpec(_name(data, path), kind, options, bool(data.get("required", False)))
