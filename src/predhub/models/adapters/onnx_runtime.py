"""ONNX Runtime: an ``.onnx`` file with a classification, YOLOv8 or mask head (NCHW float input).

:func:`create_session` is shared with bundled models that bring their own pre/post-processing
(PP-OCR), so every ONNX model picks its execution provider the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.models import decoders
from predhub.models.config import Head, ModelConfig
from predhub.models.device import Device, onnxruntime_providers
from predhub.models.errors import UnsupportedModelError
from predhub.models.framework import Checkpoint, Framework
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner

__all__ = ["OnnxRuntimeRunner", "create_session", "nchw"]


def create_session(path: Path, device: Device = "auto") -> tuple[Any, str]:
    """An ``InferenceSession`` on the best provider for ``device``, and "gpu" or "cpu"."""
    import onnxruntime

    providers = onnxruntime_providers(device)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # keep provider chatter off the user's terminal
    try:
        session = onnxruntime.InferenceSession(str(path), options, providers=providers)
    except Exception as exc:  # onnxruntime raises its own untyped errors for a bad graph
        raise UnsupportedModelError(f"ONNX Runtime cannot load {path.name}: {exc}") from exc
    return session, ("cpu" if providers[0] == "CPUExecutionProvider" else "gpu")


def nchw(image: npt.NDArray[Any], mean: Sequence[float], scale: float) -> npt.NDArray[np.float32]:
    """(H, W, 3) → (3, H, W) float32, ``(pixel - mean) * scale`` per channel."""
    out = (image.astype(np.float32) - np.asarray(mean, np.float32)) * np.float32(scale)
    return np.ascontiguousarray(out.transpose(2, 0, 1))


@dataclass(slots=True)
class _Tensor:
    data: npt.NDArray[np.float32]  # (3, h, w)
    width: int
    height: int


class OnnxRuntimeRunner(Runner[_Tensor]):
    framework = Framework.ONNX

    def __init__(self, checkpoint: Checkpoint, config: ModelConfig, device: Device = "auto") -> None:
        if config.head is Head.SSD:
            raise UnsupportedModelError("ONNX Runtime adapter: SSD heads run through OpenCV DNN")
        self.config = config
        self.session, self.device = create_session(checkpoint.path, device)
        self.name = config.name or checkpoint.path.stem
        self.version = config.version
        self.task = config.task
        self.class_names = list(config.classes) if config.head is not Head.MASK else [config.mask_class]
        self.default_conf = config.conf
        self.default_settings = {"nms_iou": config.nms_iou} if config.head is Head.YOLOV8 else {}
        inp = self.session.get_inputs()[0]
        self._input = inp.name
        shape = list(inp.shape)
        if len(shape) != 4:
            raise UnsupportedModelError(f"{checkpoint.path.name}: expected an NCHW image input, got {shape}")
        self._static_hw = (shape[2], shape[3]) if all(isinstance(v, int) for v in shape[2:]) else None
        self.preferred_batch_size = 4 if not isinstance(shape[0], int) else 1

    def _size(self, image: ImageArray, options: PredictOptions) -> tuple[int, int]:
        if self._static_hw is not None:
            return self._static_hw
        return options.img_size or self.config.input_size or (image.shape[0], image.shape[1])

    def prepare(self, image: ImageArray, options: PredictOptions) -> _Tensor:
        import cv2

        h, w = self._size(image, options)
        resized = cv2.resize(image, (w, h), interpolation=cv2.INTER_LINEAR)
        if self.config.channels == "bgr":
            resized = resized[..., ::-1]
        return _Tensor(nchw(resized, self.config.mean, self.config.scale), image.shape[1], image.shape[0])

    def run(self, batch: Sequence[_Tensor], options: PredictOptions) -> list[ModelOutput]:
        if self.preferred_batch_size == 1 or len({b.data.shape for b in batch}) > 1:
            raws = [self.session.run(None, {self._input: b.data[None]})[0][0] for b in batch]
        else:
            stacked = self.session.run(None, {self._input: np.stack([b.data for b in batch])})[0]
            raws = list(stacked)
        return [self._decode(raw, item, options) for raw, item in zip(raws, batch, strict=True)]

    def _decode(self, raw: npt.NDArray[Any], item: _Tensor, options: PredictOptions) -> ModelOutput:
        import cv2

        cfg = self.config
        conf = options.conf if options.conf is not None else (cfg.conf or 0.25)
        if cfg.head is Head.CLASSES:
            return ModelOutput(
                classifications=[decoders.from_class_scores(raw, cfg.classes, softmax=cfg.softmax)]
            )
        if cfg.head is Head.MASK:
            probs = cv2.resize(np.squeeze(raw).astype(np.float32), (item.width, item.height))
            return ModelOutput(decoders.from_person_mask(probs, 0.5, cfg.mask_class))
        nms_iou = float(options.settings.get("nms_iou", cfg.nms_iou))
        h, w = item.data.shape[1:]
        return ModelOutput(
            decoders.from_yolo_output(
                np.asarray(raw).T,
                item.width,
                item.height,
                cfg.classes,
                conf,
                nms_iou,
                objectness=False,
                normalized=False,
                input_size=(h, w),
            )
        )
