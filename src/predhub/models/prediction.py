"""One image's prediction: the objects and classifications a model gave, and where the image is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from predhub.core import Classification, Label, LabelStatus
from predhub.models.objects import PredictedObjects
from predhub.models.runner import ImageArray

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["Prediction"]


@dataclass(eq=False)
class Prediction:
    """What a model predicted on one image (or one video frame).

    ``objects`` holds the predicted objects column by column; ``boxes``, ``masks``, ``scores`` and
    ``classes`` are its columns under the names most detectors use. ``source`` is what the input
    was (a path, a URL, ``"<numpy array>"``...), ``frame_index`` set for video frames, ``sample_*``
    for images a hub holds.
    """

    objects: PredictedObjects
    classifications: list[Classification]
    source: str
    width: int
    height: int
    model: str
    model_version: str | None = None
    image_path: Path | None = None
    image_url: str | None = None
    image: ImageArray | None = None  # kept only for in-memory inputs
    frame_index: int | None = None
    sample_id: int | None = None
    sample_key: str | None = None
    dataset_id: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def boxes(self) -> np.ndarray[Any, Any]:
        """(N, 4) xyxy, absolute pixels."""
        return self.objects.xyxy

    @property
    def masks(self) -> np.ndarray[Any, Any] | None:
        """(N, H, W) bool, or None when the model does not segment."""
        return self.objects.masks

    @property
    def scores(self) -> np.ndarray[Any, Any]:
        return self.objects.scores

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.objects.class_names]

    @property
    def key(self) -> str:
        """The sample key this prediction is filed under: the sample's, else the file name
        (``clip.mp4#frame=12`` for a video frame)."""
        if self.sample_key is not None:
            return self.sample_key
        if self.image_path is None and self.image_url is None:
            raise ValueError("an in-memory image has no sample key: pass to_label(sample_key=...)")
        name = self.image_path.name if self.image_path is not None else str(self.image_url).rsplit("/", 1)[-1]
        return name if self.frame_index is None else f"{name}#frame={self.frame_index}"

    def to_label(self, sample_key: str | None = None, status: LabelStatus = LabelStatus.LABELED) -> Label:
        """The prediction as a core :class:`Label` (``status=LabelStatus.PRELABEL`` for pre-labels).

        Its score (what galleries sort by) is the mean object confidence, or the classification's.
        """
        objects = self.objects.to_objects()
        scores = [o.confidence for o in objects] or [
            c.confidence for c in self.classifications if c.confidence is not None
        ]
        return Label(
            sample_key=sample_key or self.key,
            objects=objects,
            classifications=list(self.classifications),
            score=float(np.mean(scores)) if scores else None,
            status=status,
        )

    def load_image(self) -> ImageArray:
        """The image predicted on, as an RGB (H, W, 3) array (read again for files and frames)."""
        from predhub.models.inputs import decode_file, load_ref
        from predhub.models.video import read_frame

        if self.image is not None:
            return self.image
        if self.image_path is not None:
            if self.frame_index is not None:
                return read_frame(self.image_path, self.frame_index)
            return decode_file(self.image_path)
        ref = self.meta.get("ref")
        if ref is None:
            raise ValueError(f"cannot load the image of {self.source!r}")
        return load_ref(ref, "source")

    def draw(self, image: ImageArray | None = None) -> Image.Image:
        """The image with the predicted objects drawn on it (see :func:`predhub.models.draw`)."""
        from predhub.models.draw import draw_prediction

        return draw_prediction(self.load_image() if image is None else image, self)
