"""Ultralytics YOLO checkpoints (``.pt``), behind the ``ultralytics`` extra.

:func:`from_ultralytics` reads one ``Results`` object through its documented attributes and never
imports the package; :class:`UltralyticsRunner` imports it only when such a checkpoint is deployed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from predhub.models.device import Device
from predhub.models.errors import MissingDependencyError
from predhub.models.framework import Checkpoint, Framework
from predhub.models.objects import PredictedObjects
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner, Task

__all__ = ["UltralyticsRunner", "from_ultralytics"]


def _numpy(value: Any) -> np.ndarray[Any, Any]:
    return np.asarray(value.cpu().numpy() if hasattr(value, "cpu") else value)


def from_ultralytics(result: Any) -> PredictedObjects:
    """Boxes (and segment polygons, when the model segments) of one ``ultralytics`` ``Results``."""
    boxes = result.boxes
    if boxes is None or len(boxes) == 0:
        return PredictedObjects.empty()
    ids = _numpy(boxes.cls).astype(np.int64)
    names = result.names
    polygons = None
    if getattr(result, "masks", None) is not None:
        polygons = [np.asarray(p, dtype=np.float64) for p in result.masks.xy]
    return PredictedObjects(
        _numpy(boxes.xyxy),
        _numpy(boxes.conf),
        ids,
        [names[int(i)] for i in ids],
        polygons=polygons,
    )


class UltralyticsRunner(Runner[ImageArray]):
    framework = Framework.ULTRALYTICS
    task = Task.DETECTION
    preferred_batch_size = 8

    def __init__(self, checkpoint: Checkpoint, device: Device = "auto") -> None:
        try:
            from ultralytics import YOLO
        except ImportError as exc:
            raise MissingDependencyError("ultralytics", "ultralytics") from exc
        self.model = YOLO(str(checkpoint.path))
        self.name = checkpoint.path.stem
        self.class_names = [self.model.names[i] for i in sorted(self.model.names)]
        import torch

        cuda = torch.cuda.is_available()
        self.device = "gpu" if (device != "cpu" and cuda) else "cpu"
        self._torch_device = "cuda:0" if self.device == "gpu" else "cpu"

    def run(self, batch: Sequence[ImageArray], options: PredictOptions) -> list[ModelOutput]:
        # Ultralytics reads numpy images as BGR (OpenCV's order).
        results = self.model.predict(
            [image[..., ::-1] for image in batch],
            conf=options.conf if options.conf is not None else 0.25,
            imgsz=list(options.img_size) if options.img_size else 640,
            device=self._torch_device,
            verbose=False,
        )
        return [ModelOutput(from_ultralytics(r)) for r in results]
