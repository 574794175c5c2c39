"""The knobs of a COCO evaluation, defaulting to pycocotools' ``Params.setDetParams``."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

__all__ = ["AreaRange", "CocoParams", "IouType"]


class IouType(enum.StrEnum):
    BBOX = "bbox"
    SEGM = "segm"


@dataclass(frozen=True, slots=True)
class AreaRange:
    """Objects with ``low <= area <= high`` count; others are ignored (pycocotools ``areaRng``)."""

    name: str
    low: float
    high: float


def _default_iou() -> tuple[float, ...]:
    # Params.setDetParams: linspace, not arange, so 0.75 is exactly 0.75 and summarize finds it.
    return tuple(float(v) for v in np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1))


def _default_recall() -> tuple[float, ...]:
    return tuple(float(v) for v in np.linspace(0.0, 1.0, int(np.round((1.0 - 0.0) / 0.01)) + 1))


def _default_areas() -> tuple[AreaRange, ...]:
    return (
        AreaRange("all", 0**2, 1e5**2),
        AreaRange("small", 0**2, 32**2),
        AreaRange("medium", 32**2, 96**2),
        AreaRange("large", 96**2, 1e5**2),
    )


@dataclass(frozen=True, slots=True)
class CocoParams:
    """Evaluation parameters; every default is pycocotools'.

    ``use_categories=False`` is pycocotools' ``useCats=0``: classes are ignored and every detection may
    match every ground-truth object of its image. ``image_ids`` / ``category_ids`` restrict the
    evaluation as ``params.imgIds`` / ``params.catIds`` do (None: all of the ground truth's).
    """

    iou_type: IouType = IouType.BBOX
    iou_thresholds: tuple[float, ...] = field(default_factory=_default_iou)
    recall_thresholds: tuple[float, ...] = field(default_factory=_default_recall)
    max_dets: tuple[int, ...] = (1, 10, 100)
    area_ranges: tuple[AreaRange, ...] = field(default_factory=_default_areas)
    use_categories: bool = True
    image_ids: tuple[int, ...] | None = None
    category_ids: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not self.iou_thresholds:
            raise ValueError("iou_thresholds: at least one threshold is needed")
        if not self.recall_thresholds:
            raise ValueError("recall_thresholds: at least one threshold is needed")
        if not self.max_dets or any(m < 0 for m in self.max_dets):
            raise ValueError("max_dets: needs at least one non-negative number")
        if not self.area_ranges:
            raise ValueError("area_ranges: at least one range is needed")
        # COCOeval.evaluate sorts maxDets before use; keep them sorted so indices agree with it.
        object.__setattr__(self, "max_dets", tuple(sorted(int(m) for m in self.max_dets)))
        object.__setattr__(self, "iou_type", IouType(self.iou_type))
