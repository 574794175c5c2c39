"""Consecutive labels made only of plain boxes, as columns: what an export reads from the store in bulk.

A prediction set is mostly labels of plain boxes (class, box, confidence, an id). Building a neutral
:class:`~predhub.core.Label` with a :class:`~predhub.core.Box` per object costs more than writing the
record; a :class:`BoxRun` keeps a page of such labels as flat columns so that a format can write its
records in bulk. "Plain" means: no label score, no label classifications, and every object an
unrotated box with no classifications and no attributes. :meth:`BoxRun.labels` gives the same labels
as neutral objects, for formats without a columnar writer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from predhub.core.geometry import Box
from predhub.core.label import Label, LabelStatus, Object

__all__ = ["BoxRun"]


@dataclass(frozen=True, slots=True)
class BoxRun:
    """Labels in store order; per label ``keys``, ``statuses`` and ``counts`` (its number of boxes);
    per box, label after label and in object order, ``classes``, the corners ``x0, y0, x1, y1`` in
    pixels, ``confidence`` and ``ids`` (the object's external id, or None)."""

    keys: Sequence[str]
    statuses: Sequence[str]
    counts: Sequence[int]
    classes: Sequence[str]
    x0: Sequence[float]
    y0: Sequence[float]
    x1: Sequence[float]
    y1: Sequence[float]
    confidence: Sequence[float]
    ids: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def box_count(self) -> int:
        return len(self.classes)

    def labels(self) -> Iterator[Label]:
        """The same labels as neutral objects (what the per-label converters take)."""
        start = 0
        for key, status, count in zip(self.keys, self.statuses, self.counts, strict=True):
            end = start + count
            yield Label(
                key,
                objects=[
                    Object(self.classes[i], Box(self.x0[i], self.y0[i], self.x1[i], self.y1[i]), c, id=oid)
                    for i, c, oid in zip(
                        range(start, end), self.confidence[start:end], self.ids[start:end], strict=True
                    )
                ],
                status=LabelStatus(status),
            )
            start = end
