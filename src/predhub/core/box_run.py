"""Consecutive labels made only of plain boxes, as columns: what an export reads from the store in bulk.

A prediction set is mostly labels of plain boxes (class, box, confidence, an id). Building a neutral
:class:`~predhub.core.Label` with a :class:`~predhub.core.Box` per object costs more than writing the
record; a :class:`BoxRun` keeps a page of such labels as flat columns (the numbers as numpy arrays)
so that a format can write its records in bulk. "Plain" means: no label score, no label
classifications, and every object an unrotated box with no classifications and no attributes.
:meth:`BoxRun.labels` gives the same labels as neutral objects, for formats without a columnar writer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from predhub.core.geometry import Box
from predhub.core.label import Label, LabelStatus, Object

__all__ = ["BoxRun"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BoxRun:
    """Labels in store order; per label ``keys``, ``statuses`` and ``counts`` (its number of boxes);
    per box, label after label and in object order, ``classes``, the corners ``x0, y0, x1, y1`` in
    pixels and ``confidence`` (float64 arrays), and ``ids`` (the object's external id, or None)."""

    keys: Sequence[str]
    statuses: Sequence[str]
    counts: Sequence[int]
    classes: Sequence[str]
    x0: FloatArray
    y0: FloatArray
    x1: FloatArray
    y1: FloatArray
    confidence: FloatArray
    ids: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def box_count(self) -> int:
        return len(self.classes)

    def labels(self) -> Iterator[Label]:
        """The same labels as neutral objects (what the per-label converters take)."""
        x0, y0, x1, y1 = self.x0.tolist(), self.y0.tolist(), self.x1.tolist(), self.y1.tolist()
        confidence = self.confidence.tolist()
        start = 0
        for key, status, count in zip(self.keys, self.statuses, self.counts, strict=True):
            end = start + count
            yield Label(
                key,
                objects=[
                    Object(self.classes[i], Box(x0[i], y0[i], x1[i], y1[i]), confidence[i], id=self.ids[i])
                    for i in range(start, end)
                ],
                status=LabelStatus(status),
            )
            start = end
