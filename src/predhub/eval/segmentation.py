"""Semantic segmentation: per-class IoU, mean IoU, pixel accuracy and a pixel confusion matrix,
honouring a class mapping the way Kognic's ``classMapping`` describes it (seed 000).

A class mapping is a list of pairs ``{"annotated": gt_class, "predicted": pred_class}``; either side
may be missing (a class present on one side only). Pairs that share a name are one evaluation class —
``oak → tree`` and ``birch → tree`` evaluate oaks and birches together as ``tree`` — so the evaluation
classes are the connected groups of names; each is named by its predicted name (else its annotated
name), names joined with ``|`` when a group has several. Pixels no object covers are ``_background``
on both sides; a predicted ``_background`` always belongs with the annotated ``_background``.
Every class either side uses must appear in the mapping (as Kognic requires), else :class:`ValueError`.
Without a mapping, classes are compared by name.

The metrics come from a (C, C) pixel confusion matrix (rows ground truth, columns prediction):
IoU_c = TP / (TP + FP + FN); mean IoU averages the classes present on either side; pixel accuracy is
the diagonal over all pixels. Per sample we keep the same numbers and the disagreement
``1 - pixel accuracy`` (the share of pixels whose mapped classes differ), which orders samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.core.geometry import Box, Polygon
from predhub.core.label import Label
from predhub.core.mask import Mask
from predhub.eval._rle_poly import polygons_to_rle

__all__ = [
    "BACKGROUND_CLASS",
    "ClassMapping",
    "SegmentationEvaluation",
    "evaluate_segmentation_maps",
    "evaluate_segmentations",
    "rasterize_label",
]

BACKGROUND_CLASS = "_background"
I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ClassMapping:
    """Pairs of (annotated, predicted) class names; either may be None (one side only)."""

    pairs: tuple[tuple[str | None, str | None], ...]

    @classmethod
    def from_kognic(cls, entries: Sequence[Mapping[str, str]]) -> ClassMapping:
        """Kognic's ``classMapping``: ``[{"annotated": "oak", "predicted": "tree"}, {"annotated": "x"}]``."""
        pairs = []
        for i, e in enumerate(entries):
            a, p = e.get("annotated"), e.get("predicted")
            if a is None and p is None:
                raise ValueError(f"classMapping[{i}]: needs 'annotated' or 'predicted'")
            pairs.append((a, p))
        return cls(tuple(pairs))

    @classmethod
    def from_dict(cls, mapping: Mapping[str, str]) -> ClassMapping:
        """predhub's label-set ``class_mapping``: ``{"pred_class": "gt_class" | "_background"}``."""
        return cls(tuple((gt, pred) for pred, gt in mapping.items()))

    def groups(self) -> tuple[list[str], dict[str, int], dict[str, int]]:
        """(evaluation class names, annotated name → class, predicted name → class)."""
        parent: dict[tuple[str, str], tuple[str, str]] = {}

        def find(x: tuple[str, str]) -> tuple[str, str]:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        nodes: list[tuple[str, str]] = []
        for a, p in [*self.pairs, (BACKGROUND_CLASS, BACKGROUND_CLASS)]:
            ends = [n for n in (("a", a) if a else None, ("p", p) if p else None) if n is not None]
            for n in ends:
                if n not in parent:
                    nodes.append(n)
                find(n)
            if len(ends) == 2:
                parent[find(ends[0])] = find(ends[1])
        roots: dict[tuple[str, str], int] = {}
        members: list[list[tuple[str, str]]] = []
        for n in nodes:
            r = find(n)
            if r not in roots:
                roots[r] = len(members)
                members.append([])
            members[roots[r]].append(n)
        names = []
        for group in members:
            preds = [v for s, v in group if s == "p"]
            annots = [v for s, v in group if s == "a"]
            chosen = preds or annots
            names.append(BACKGROUND_CLASS if BACKGROUND_CLASS in annots else "|".join(dict.fromkeys(chosen)))
        annotated = {v: roots[find(("a", v))] for s, v in nodes if s == "a"}
        predicted = {v: roots[find(("p", v))] for s, v in nodes if s == "p"}
        return names, annotated, predicted


@dataclass(slots=True)
class SegmentationEvaluation:
    classes: list[str]
    confusion: I64  # (C, C) pixels, rows ground truth
    sample_keys: list[str]
    sample_confusion: I64  # (S, C, C)

    @staticmethod
    def _iou(cm: I64) -> F64:
        tp = np.diag(cm).astype(np.float64)
        den = cm.sum(axis=0) + cm.sum(axis=1) - np.diag(cm)
        out = np.full(len(tp), np.nan)
        np.divide(tp, den, out=out, where=den > 0)
        return out

    def class_iou(self) -> dict[str, float | None]:
        return {
            c: (None if np.isnan(v) else float(v))
            for c, v in zip(self.classes, self._iou(self.confusion), strict=True)
        }

    @property
    def mean_iou(self) -> float:
        iou = self._iou(self.confusion)
        return float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan")

    @property
    def pixel_accuracy(self) -> float:
        total = self.confusion.sum()
        return float(np.trace(self.confusion) / total) if total else float("nan")

    def sample_disagreement(self) -> dict[str, float]:
        """1 - pixel accuracy per sample: the share of pixels whose mapped classes differ."""
        total = self.sample_confusion.sum(axis=(1, 2))
        agree = np.trace(self.sample_confusion, axis1=1, axis2=2)
        share = np.divide(total - agree, total, out=np.zeros(len(total)), where=total > 0)
        return dict(zip(self.sample_keys, share.tolist(), strict=True))

    def ranking(self) -> list[str]:
        """Sample keys, most disagreeing first."""
        d = self.sample_disagreement()
        return sorted(d, key=lambda k: (-d[k], k))

    def sample_iou(self, key: str) -> dict[str, float | None]:
        cm = self.sample_confusion[self.sample_keys.index(key)]
        return {
            c: (None if np.isnan(v) else float(v)) for c, v in zip(self.classes, self._iou(cm), strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": self.classes,
            "class_iou": self.class_iou(),
            "mean_iou": self.mean_iou,
            "pixel_accuracy": self.pixel_accuracy,
            "confusion": self.confusion.tolist(),
            "sample_disagreement": self.sample_disagreement(),
        }

    def __str__(self) -> str:
        lines = [f"mean IoU {self.mean_iou:.4f}   pixel accuracy {self.pixel_accuracy:.4f}"]
        for c, v in self.class_iou().items():
            lines.append(f"  {c:<24} IoU {'-' if v is None else f'{v:.4f}'}")
        return "\n".join(lines)


def _lookup(names: Sequence[str], table: Mapping[str, int], side: str) -> I64:
    out = np.empty(len(names), dtype=np.int64)
    for i, n in enumerate(names):
        if n not in table:
            raise ValueError(f"{side} class {n!r} is not in the class mapping (every class must be listed)")
        out[i] = table[n]
    return out


def evaluate_segmentation_maps(
    gt_maps: Sequence[npt.NDArray[np.integer[Any]]],
    pred_maps: Sequence[npt.NDArray[np.integer[Any]]],
    gt_classes: Sequence[str],
    pred_classes: Sequence[str],
    mapping: ClassMapping | None = None,
    sample_keys: Sequence[str] | None = None,
) -> SegmentationEvaluation:
    """Bulk entry: per sample an (H, W) array of indices into ``gt_classes`` / ``pred_classes``."""
    if len(gt_maps) != len(pred_maps):
        raise ValueError(f"{len(gt_maps)} ground-truth maps but {len(pred_maps)} predicted maps")
    if mapping is None:
        names = list(dict.fromkeys([*gt_classes, *pred_classes]))
        to_idx = {n: i for i, n in enumerate(names)}
        g_lut, p_lut = _lookup(gt_classes, to_idx, "annotated"), _lookup(pred_classes, to_idx, "predicted")
    else:
        names, annotated, predicted = mapping.groups()
        g_lut = _lookup(gt_classes, annotated, "annotated")
        p_lut = _lookup(pred_classes, predicted, "predicted")
    c = len(names)
    keys = list(sample_keys) if sample_keys is not None else [str(i) for i in range(len(gt_maps))]
    per = np.zeros((len(gt_maps), c, c), dtype=np.int64)
    for i, (g, p) in enumerate(zip(gt_maps, pred_maps, strict=True)):
        g, p = np.asarray(g), np.asarray(p)
        if g.shape != p.shape:
            raise ValueError(f"sample {keys[i]!r}: ground truth is {g.shape} but prediction {p.shape}")
        flat = g_lut[g.reshape(-1)] * c + p_lut[p.reshape(-1)]
        per[i] = np.bincount(flat, minlength=c * c).reshape(c, c)
    return SegmentationEvaluation(names, per.sum(axis=0), keys, per)


def _paint(obj_geometry: Any, h: int, w: int) -> npt.NDArray[np.bool_]:
    if isinstance(obj_geometry, Mask):
        if (obj_geometry.height, obj_geometry.width) != (h, w):
            raise ValueError(f"mask is {obj_geometry.height}x{obj_geometry.width}, image is {h}x{w}")
        return obj_geometry.to_array()
    rings = [obj_geometry.corners()] if isinstance(obj_geometry, Box) else [obj_geometry.points]
    holes = list(obj_geometry.holes) if isinstance(obj_geometry, Polygon) else []

    def ring(points: F64) -> npt.NDArray[np.bool_]:
        flat = np.ascontiguousarray(points, dtype=np.float64).reshape(-1)
        col = polygons_to_rle(flat, np.array([0, len(flat)]), np.array([0, 1]), np.array([h]), np.array([w]),
                              np.zeros(1, np.bool_))  # fmt: skip
        return Mask(h, w, col.counts).to_array()

    out = ring(rings[0])
    for hole in holes:
        out &= ~ring(hole)
    return out


def rasterize_label(label: Label, classes: Sequence[str], size: tuple[int, int]) -> I64:
    """An (H, W) map of indices into ``classes`` (index of ``_background`` where nothing is drawn);
    objects are painted in order, a later one covering an earlier one."""
    h, w = size
    index = {n: i for i, n in enumerate(classes)}
    out = np.full((h, w), index[BACKGROUND_CLASS], dtype=np.int64)
    for obj in label.objects:
        if not isinstance(obj.geometry, Mask | Polygon | Box):
            continue
        out[_paint(obj.geometry, h, w)] = index[obj.class_name]
    return out


def evaluate_segmentations(
    gt: Sequence[Label],
    predictions: Sequence[Label],
    mapping: ClassMapping | None = None,
    image_sizes: Mapping[str, tuple[int, int]] | None = None,
) -> SegmentationEvaluation:
    """Semantic segmentation of label sets: each label's mask (and polygon) objects painted into a
    class map. A sample's size comes from ``image_sizes`` or from its first mask."""
    preds = {lab.sample_key: lab for lab in predictions}
    gt_names = sorted({o.class_name for lab in gt for o in lab.objects} | {BACKGROUND_CLASS})
    pred_names = sorted({o.class_name for lab in predictions for o in lab.objects} | {BACKGROUND_CLASS})
    sizes = dict(image_sizes or {})
    gmaps, pmaps, keys = [], [], []
    for lab in gt:
        pred = preds.get(lab.sample_key, Label(lab.sample_key))
        size = sizes.get(lab.sample_key)
        if size is None:
            masks = [o.geometry for o in [*lab.objects, *pred.objects] if isinstance(o.geometry, Mask)]
            if not masks:
                raise ValueError(
                    f"sample {lab.sample_key!r}: no image size given and no mask to take it from"
                )
            size = (masks[0].height, masks[0].width)
        gmaps.append(rasterize_label(lab, gt_names, size))
        pmaps.append(rasterize_label(pred, pred_names, size))
        keys.append(lab.sample_key)
    return evaluate_segmentation_maps(gmaps, pmaps, gt_names, pred_names, mapping, keys)
