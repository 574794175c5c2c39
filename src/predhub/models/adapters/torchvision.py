"""torchvision detection models (Faster R-CNN, RetinaNet, SSD, Mask R-CNN...), behind an extra.

A ``.pt``/``.pth`` state dict says nothing of its architecture, so its sidecar must:
``{"architecture": "fasterrcnn_resnet50_fpn", "classes": ["__background__", "person", ...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from predhub.models.device import Device
from predhub.models.errors import MissingDependencyError, UnsupportedModelError
from predhub.models.framework import Checkpoint, Framework
from predhub.models.objects import PredictedObjects
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner, Task

__all__ = ["TorchvisionRunner", "from_torchvision"]


def _numpy(value: Any) -> np.ndarray[Any, Any]:
    return np.asarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)


def from_torchvision(
    output: Mapping[str, Any], class_names: Sequence[str], mask_threshold: float = 0.5
) -> PredictedObjects:
    """One image's output dict (``boxes`` (N, 4) xyxy, ``scores``, ``labels``, ``masks`` (N, 1, H, W)
    soft masks for Mask R-CNN) as predicted objects; ``class_names`` indexed by label id."""
    ids = _numpy(output["labels"]).astype(np.int64)
    masks = None
    if "masks" in output:
        masks = _numpy(output["masks"])[:, 0] >= mask_threshold
    names = [class_names[i] if 0 <= i < len(class_names) else str(int(i)) for i in ids]
    return PredictedObjects(_numpy(output["boxes"]), _numpy(output["scores"]), ids, names, masks=masks)


class TorchvisionRunner(Runner[Any]):
    framework = Framework.TORCHVISION
    task = Task.DETECTION
    preferred_batch_size = 4

    def __init__(self, checkpoint: Checkpoint, device: Device = "auto") -> None:
        try:
            import torch
            import torchvision
        except ImportError as exc:
            raise MissingDependencyError("torchvision", "torchvision") from exc
        if checkpoint.sidecar is None:
            raise UnsupportedModelError(
                f"{checkpoint.path.name}: a torchvision state dict needs a sidecar "
                f'{checkpoint.path.name}.json with "architecture" and "classes"'
            )
        meta = json.loads(checkpoint.sidecar.read_text())
        builder = getattr(torchvision.models.detection, str(meta.get("architecture")), None)
        if builder is None:
            raise UnsupportedModelError(f"{checkpoint.sidecar.name}: architecture: unknown to torchvision")
        self.class_names = list(meta.get("classes", []))
        self.name = meta.get("name") or checkpoint.path.stem
        self._torch = torch
        self._device = torch.device("cuda" if device != "cpu" and torch.cuda.is_available() else "cpu")
        self.device = "gpu" if self._device.type == "cuda" else "cpu"
        model = builder(weights=None, weights_backbone=None, num_classes=len(self.class_names))
        model.load_state_dict(torch.load(checkpoint.path, map_location=self._device, weights_only=True))
        self.model = model.eval().to(self._device)

    def prepare(self, image: ImageArray, options: PredictOptions) -> Any:
        return self._torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float() / 255.0

    def run(self, batch: Sequence[Any], options: PredictOptions) -> list[ModelOutput]:
        with self._torch.inference_mode():
            outputs = self.model([t.to(self._device) for t in batch])
        return [ModelOutput(from_torchvision(o, self.class_names)) for o in outputs]
