"""What a model found in one image, column by column (supervision's ``Detections`` shape).

``xyxy`` (N, 4) absolute pixel corners, ``scores`` (N,), ``class_ids`` (N,) the model's own class
index, ``class_names`` (N,); optionally ``masks`` (N, H, W) bool, ``polygons`` (N ragged (K, 2)
arrays) and ``texts`` (N strings, e.g. what OCR read). Converters fill these from a framework's raw
output with numpy only; :meth:`PredictedObjects.to_objects` turns them into the core's
:class:`~predhub.core.Object` at the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.core import Box, Classification, Mask, Object, Polygon

__all__ = ["PredictedObjects"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(eq=False)
class PredictedObjects:
    """N predicted objects of one image; every column has length N (validated on construction)."""

    xyxy: FloatArray
    scores: FloatArray
    class_ids: IntArray
    class_names: npt.NDArray[np.object_] | Sequence[str]  # stored as an object array
    masks: BoolArray | None = None
    polygons: list[FloatArray] | None = None
    texts: list[str] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.xyxy = np.asarray(self.xyxy, dtype=np.float64).reshape(-1, 4)
        n = len(self.xyxy)
        self.scores = np.asarray(self.scores, dtype=np.float64).reshape(-1)
        self.class_ids = np.asarray(self.class_ids, dtype=np.int64).reshape(-1)
        names = np.empty(len(self.class_names), dtype=object)
        names[:] = [str(c) for c in self.class_names]
        self.class_names = names
        for column in ("scores", "class_ids", "class_names"):
            if len(getattr(self, column)) != n:
                raise ValueError(f"{column} has {len(getattr(self, column))} rows, xyxy has {n}")
        if self.masks is not None:
            self.masks = np.asarray(self.masks, dtype=bool)
            if self.masks.ndim != 3 or len(self.masks) != n:
                raise ValueError(f"masks must have shape (N={n}, H, W), got {self.masks.shape}")
        if self.polygons is not None:
            self.polygons = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in self.polygons]
            if len(self.polygons) != n:
                raise ValueError(f"polygons has {len(self.polygons)} rows, xyxy has {n}")
        if self.texts is not None and len(self.texts) != n:
            raise ValueError(f"texts has {len(self.texts)} rows, xyxy has {n}")

    @classmethod
    def empty(cls) -> PredictedObjects:
        return cls(np.zeros((0, 4)), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, object))

    def __len__(self) -> int:
        return len(self.xyxy)

    def __getitem__(self, index: slice | Sequence[int] | npt.NDArray[Any]) -> PredictedObjects:
        """Rows selected by a slice, indices or a boolean array, as the same type."""
        rows = np.arange(len(self))[index]
        return PredictedObjects(
            xyxy=self.xyxy[rows],
            scores=self.scores[rows],
            class_ids=self.class_ids[rows],
            class_names=np.asarray(self.class_names, dtype=object)[rows],
            masks=None if self.masks is None else self.masks[rows],
            polygons=None if self.polygons is None else [self.polygons[i] for i in rows],
            texts=None if self.texts is None else [self.texts[i] for i in rows],
            data=dict(self.data),
        )

    def filter(self, conf: float | None = None, classes: Sequence[str] | None = None) -> PredictedObjects:
        """Objects scoring at least ``conf`` whose class name is one of ``classes``."""
        keep = np.ones(len(self), dtype=bool)
        if conf is not None:
            keep &= self.scores >= conf
        if classes is not None:
            keep &= np.isin(np.asarray(self.class_names, dtype=str), list(classes))
        return self if keep.all() else self[keep]

    def to_objects(self) -> list[Object]:
        """One core :class:`Object` per row: its mask if any, else its polygon, else its box.

        OCR text rides along as a free-text classification named ``text`` on the object.
        """
        out: list[Object] = []
        for i in range(len(self)):
            geometry: Box | Polygon | Mask
            if self.masks is not None:
                geometry = Mask.from_array(self.masks[i])
            elif self.polygons is not None:
                geometry = Polygon(self.polygons[i])
            else:
                x0, y0, x1, y1 = (float(v) for v in self.xyxy[i])
                geometry = Box(x0, y0, x1, y1)
            classifications = []
            if self.texts is not None:
                classifications.append(Classification.free_text("text", self.texts[i]))
            out.append(
                Object(
                    class_name=str(self.class_names[i]),
                    geometry=geometry,
                    confidence=float(np.clip(self.scores[i], 0.0, 1.0)),
                    classifications=classifications,
                )
            )
        return out
