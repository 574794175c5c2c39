"""predhub's sidecar description of a checkpoint: ``<model file>.json`` beside the weights.

A frozen graph or an ONNX file holds tensors, not what they mean; the sidecar says which head the
network ends in, its class names and how to feed it::

    {"name": "my-detector", "version": "3", "task": "detection", "head": "ssd",
     "classes": ["background", "person", ...] | "labels": "labels.txt",
     "input_size": [300, 300], "mean": [127.5, 127.5, 127.5], "scale": 0.0078125,
     "channels": "rgb", "conf": 0.5, "nms_iou": 0.45, "softmax": false, "mask_class": "person"}

``classes`` is indexed by the class id the network emits.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from predhub.models.errors import UnsupportedModelError
from predhub.models.runner import Task

__all__ = ["Head", "ModelConfig", "load_config"]


class Head(enum.StrEnum):
    SSD = "ssd"  # DetectionOutput rows [image, class, score, x0, y0, x1, y1], normalised
    YOLO = "yolo"  # Darknet rows [cx, cy, w, h, objectness, scores...], normalised
    YOLOV8 = "yolov8"  # (1, 4 + C, N) [cx, cy, w, h, scores...] in input pixels
    CLASSES = "classes"  # one score per class
    MASK = "mask"  # per-pixel foreground probability


_DEFAULT_TASK = {
    Head.SSD: Task.DETECTION,
    Head.YOLO: Task.DETECTION,
    Head.YOLOV8: Task.DETECTION,
    Head.CLASSES: Task.CLASSIFICATION,
    Head.MASK: Task.SEGMENTATION,
}


@dataclass(frozen=True, slots=True)
class ModelConfig:
    head: Head
    classes: tuple[str, ...] = ()
    name: str | None = None
    version: str | None = None
    input_size: tuple[int, int] | None = None  # (height, width)
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    scale: float = 1.0
    channels: str = "rgb"
    conf: float | None = None
    nms_iou: float = 0.45
    mask_class: str = "foreground"
    softmax: bool = False  # the classes head emits logits

    @property
    def task(self) -> Task:
        return _DEFAULT_TASK[self.head]


def _error(path: Path, field: str, message: str) -> UnsupportedModelError:
    return UnsupportedModelError(f"{path.name}: {field}: {message}")


def load_config(path: Path) -> ModelConfig:
    """Read and check a sidecar; errors name the file and the field."""
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise _error(path, "", f"not readable JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise _error(path, "", "must be a JSON object")
    try:
        head = Head(str(data.get("head")))
    except ValueError as exc:
        raise _error(path, "head", f"must be one of {[h.value for h in Head]}") from exc
    classes = data.get("classes", [])
    if "labels" in data:
        labels = path.parent / str(data["labels"])
        if not labels.is_file():
            raise _error(path, "labels", f"no such file {labels.name!r}")
        classes = [line.strip() for line in labels.read_text().splitlines()]
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise _error(path, "classes", "must be a list of class names")
    size = data.get("input_size")
    if size is not None and (
        not isinstance(size, list) or len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size)
    ):
        raise _error(path, "input_size", "must be [height, width], positive integers")
    mean = data.get("mean", [0.0, 0.0, 0.0])
    if not isinstance(mean, list) or len(mean) != 3:
        raise _error(path, "mean", "must be three numbers (one per channel)")
    channels = data.get("channels", "rgb")
    if channels not in ("rgb", "bgr"):
        raise _error(path, "channels", 'must be "rgb" or "bgr"')
    return ModelConfig(
        head=head,
        classes=tuple(classes),
        name=data.get("name"),
        version=None if data.get("version") is None else str(data["version"]),
        input_size=None if size is None else (size[0], size[1]),
        mean=(float(mean[0]), float(mean[1]), float(mean[2])),
        scale=float(data.get("scale", 1.0)),
        channels=channels,
        conf=None if data.get("conf") is None else float(data["conf"]),
        nms_iou=float(data.get("nms_iou", 0.45)),
        mask_class=str(data.get("mask_class", "foreground")),
        softmax=bool(data.get("softmax", False)),
    )
