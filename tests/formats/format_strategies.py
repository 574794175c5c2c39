"""Hypothesis strategies for neutral labels restricted to what one format carries, and a comparison
that allows the float error of unit conversions (percent, normalised, centre-based)."""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from predhub.core import (
    Answer,
    Box,
    Classification,
    ClassificationKind,
    ClassificationSpec,
    GeometryKind,
    Label,
    LabelStatus,
    Mask,
    Object,
    ObjectClass,
    Ontology,
    Option,
    Point,
    Polygon,
    Polyline,
)

CLASSES = ("car", "person", "road", "sign")
OPTIONS = ("a", "b", "c")
Q_SINGLE, Q_MULTI, Q_TEXT = "q_single", "q_multi", "q_text"


@dataclass(frozen=True)
class Carries:
    geometries: frozenset[str]  # box, rbox, polygon, holes, polyline, point, mask
    keypoints: str | None = None  # keypoint sets as points: "index" (COCO) or "node" (Supervisely)
    integer_boxes: bool = False
    confidence: bool = True
    ids: str | None = None  # "str", "uuid", "int"
    object_classifications: int = 0  # nesting depth: 0 none, 1 flat, 3 nested
    image_classifications: bool = False
    answer_confidence: bool = False
    text_confidence: bool = False
    multi_min: int = 1  # formats that tell multi from single by count need 2
    attributes: frozenset[str] = field(default_factory=frozenset)  # "number", "flag", "voc"
    score: bool = False
    status: bool = False
    text: bool = True


def ontology() -> Ontology:
    """Every class asks the three questions, so single choice and free text can be told apart."""
    specs = (
        ClassificationSpec(Q_SINGLE, ClassificationKind.SINGLE, tuple(Option(o) for o in OPTIONS)),
        ClassificationSpec(Q_MULTI, ClassificationKind.MULTI, tuple(Option(o) for o in OPTIONS)),
        ClassificationSpec(Q_TEXT, ClassificationKind.TEXT),
    )
    return Ontology(
        objects=tuple(ObjectClass(c, GeometryKind.BOX, specs) for c in CLASSES), classifications=specs
    )


texts = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=12)
unit = st.floats(0, 1, allow_nan=False, allow_infinity=False)


@st.composite
def classifications(draw: st.DrawFn, carries: Carries, depth: int) -> list[Classification]:
    kinds = [Q_SINGLE, Q_MULTI] + ([Q_TEXT] if carries.text else [])
    names = draw(st.lists(st.sampled_from(kinds), unique=True, max_size=3))
    out = []
    for name in names:
        if name == Q_TEXT:
            conf = draw(st.none() | unit) if carries.text_confidence else None
            out.append(Classification.free_text(name, draw(texts), conf))
            continue
        n = 1 if name == Q_SINGLE else draw(st.integers(carries.multi_min, 3))
        answers = []
        for option in draw(st.lists(st.sampled_from(OPTIONS), unique=True, min_size=n, max_size=n)):
            conf = draw(st.none() | unit) if carries.answer_confidence else None
            nested = draw(classifications(carries, depth - 1)) if depth > 1 else []
            answers.append(Answer(option, conf, nested))
        kind = ClassificationKind.SINGLE if name == Q_SINGLE else ClassificationKind.MULTI
        out.append(Classification(name, kind, answers))
    return out


@st.composite
def geometries(draw: st.DrawFn, carries: Carries, width: int, height: int) -> object:
    kind = draw(st.sampled_from(sorted(carries.geometries - {"holes", "rbox"})))
    xs = st.floats(0, width, allow_nan=False)
    ys = st.floats(0, height, allow_nan=False)
    if kind == "box":
        if carries.integer_boxes:
            x0, x1 = sorted(draw(st.lists(st.integers(0, width), min_size=2, max_size=2)))
            y0, y1 = sorted(draw(st.lists(st.integers(0, height), min_size=2, max_size=2)))
            x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
            rotation = draw(st.floats(-170, 170, allow_nan=False)) if "rbox" in carries.geometries else 0.0
            return Box(float(x0), float(y0), float(x1), float(y1), draw(st.sampled_from([0.0, rotation])))
        x0, x1 = sorted((draw(xs), draw(xs)))
        y0, y1 = sorted((draw(ys), draw(ys)))
        rotation = draw(st.floats(-170, 170, allow_nan=False)) if "rbox" in carries.geometries else 0.0
        return Box(x0, y0, x1, y1, draw(st.sampled_from([0.0, rotation])))
    if kind == "point":
        return Point(draw(xs), draw(ys))
    if kind == "mask":
        arr = draw(arrays(np.bool_, (height, width)))
        arr[draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))] = True  # never empty
        return Mask.from_array(arr)
    n = draw(st.integers(3 if kind == "polygon" else 2, 6))
    pts = np.array([[draw(xs), draw(ys)] for _ in range(n)])
    if kind == "polyline":
        return Polyline(pts)
    if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    if len(pts) < 3 or len({tuple(p) for p in pts.tolist()}) != len(pts):
        pts = np.array([[0.0, 0.0], [float(width), 0.0], [float(width), float(height)]])
    holes: tuple[np.ndarray, ...] = ()
    if "holes" in carries.geometries and draw(st.booleans()):
        holes = (np.array([[1.0, 1.0], [2.0, 1.0], [2.0, 2.0]]),)
    return Polygon(pts, holes)


@st.composite
def labels(draw: st.DrawFn, carries: Carries, key: str | None = None) -> tuple[Label, tuple[int, int]]:
    small = "mask" in carries.geometries
    width = draw(st.integers(4, 12 if small else 640))
    height = draw(st.integers(4, 12 if small else 480))
    sample = key or draw(st.from_regex(r"[a-z]{1,8}\.jpg", fullmatch=True))
    objects = []
    for i in range(draw(st.integers(0, 4))):
        obj = Object(
            draw(st.sampled_from(CLASSES)),
            draw(geometries(carries, width, height)),  # type: ignore[arg-type]
            draw(unit) if carries.confidence else 1.0,
        )
        if carries.ids == "str":
            obj.id = f"r{i}x{draw(st.integers(0, 99))}"
        elif carries.ids == "uuid":
            obj.id = str(draw(st.uuids()))
        elif carries.ids == "int":
            obj.id = str(i + 1)
        if carries.object_classifications:
            obj.classifications = draw(classifications(carries, carries.object_classifications))
        if "number" in carries.attributes and draw(st.booleans()):
            obj.attributes["size_px"] = draw(st.integers(0, 100))
        if "flag" in carries.attributes and draw(st.booleans()):
            obj.attributes["occluded"] = True
        if "voc" in carries.attributes and draw(st.booleans()):
            obj.attributes.update(pose="Left", truncated=draw(st.integers(0, 1)), difficult=0)
        objects.append(obj)
    if carries.keypoints:
        for n in range(draw(st.integers(0, 2))):
            objects.extend(draw(keypoint_set(carries, width, height, str(n + 1))))
    label = Label(sample, objects)
    if carries.image_classifications:
        label.classifications = draw(classifications(carries, 1 if carries.object_classifications < 3 else 3))
    if carries.score:
        label.score = draw(st.none() | unit)
    if carries.status:
        label.status = draw(st.sampled_from([LabelStatus.LABELED, LabelStatus.PRELABEL]))
    return label, (width, height)


@st.composite
def keypoint_set(draw: st.DrawFn, carries: Carries, width: int, height: int, instance: str) -> list[Object]:
    """The points of one keypoint set: shared class, confidence and tags; distinct keypoints."""
    cls = draw(st.sampled_from(CLASSES))
    conf = draw(unit) if carries.confidence else 1.0
    tags = draw(classifications(carries, 1)) if carries.object_classifications else []
    ids = draw(st.lists(st.integers(0, 16), unique=True, min_size=1, max_size=4))
    points = []
    for k in sorted(ids) if carries.keypoints == "index" else ids:
        attributes: dict[str, object] = {"instance": instance}
        if carries.keypoints == "index":
            attributes.update(keypoint=k, visibility=draw(st.sampled_from([1, 2])))
        else:
            attributes["keypoint"] = f"node{k}"
            if draw(st.booleans()):
                attributes["visibility"] = 1
        xy = Point(draw(st.floats(0, width, allow_nan=False)), draw(st.floats(0, height, allow_nan=False)))
        points.append(
            Object(
                cls,
                xy,
                conf,
                [Classification(c.name, c.kind, list(c.answers), c.text) for c in tags],
                attributes,
            )
        )
    return points


def _instances(objects: list[Object]) -> list[dict[str, object]]:
    # A keypoint set's instance id is a group label that formats renumber: compare by first appearance.
    rank: dict[object, int] = {}
    out = []
    for o in objects:
        attributes = dict(o.attributes)
        if "instance" in attributes:
            attributes["instance"] = rank.setdefault(attributes["instance"], len(rank))
        out.append(attributes)
    return out


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def _angle_close(a: float, b: float) -> bool:
    d = (a - b + 180.0) % 360.0 - 180.0
    return abs(d) < 1e-6


def geometry_close(a: object, b: object) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, Box) and isinstance(b, Box):
        return all(_close(x, y) for x, y in zip(a.xyxy, b.xyxy, strict=True)) and _angle_close(
            a.rotation, b.rotation
        )
    if isinstance(a, Point) and isinstance(b, Point):
        return _close(a.x, b.x) and _close(a.y, b.y)
    if isinstance(a, Polygon) and isinstance(b, Polygon):
        return (
            a.points.shape == b.points.shape
            and np.allclose(a.points, b.points, rtol=1e-9, atol=1e-6)
            and len(a.holes) == len(b.holes)
            and all(np.allclose(h, k) for h, k in zip(a.holes, b.holes, strict=True))
        )
    if isinstance(a, Polyline) and isinstance(b, Polyline):
        return a.points.shape == b.points.shape and np.allclose(a.points, b.points, rtol=1e-9, atol=1e-6)
    return a == b


def _by_name(cs: list[Classification]) -> list[Classification]:
    # The order of a label's classifications means nothing; typed formats (OpenLABEL) regroup them.
    return sorted(cs, key=lambda c: c.name)


def assert_same(a: Label, b: Label) -> None:
    assert a.sample_key == b.sample_key
    assert len(a.objects) == len(b.objects), (a.objects, b.objects)
    for x, y, xa, ya in zip(a.objects, b.objects, _instances(a.objects), _instances(b.objects), strict=True):
        assert x.class_name == y.class_name
        assert geometry_close(x.geometry, y.geometry), (x.geometry, y.geometry)
        assert _close(x.confidence, y.confidence), (x.confidence, y.confidence)
        assert _by_name(x.classifications) == _by_name(y.classifications)
        assert xa == ya, (x.attributes, y.attributes)
        assert x.id == y.id
    assert _by_name(a.classifications) == _by_name(b.classifications)
    assert (a.score is None and b.score is None) or _close(a.score or 0, b.score or 0)
    assert a.status == b.status
