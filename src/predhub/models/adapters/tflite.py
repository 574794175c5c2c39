"""TFLite through ai-edge-litert: classification and per-pixel mask heads, float or quantised.

Quantised tensors are fed and read through their (scale, zero point), so a uint8 model and its
float twin give the same objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.models import decoders
from predhub.models.config import Head, ModelConfig
from predhub.models.device import Device
from predhub.models.errors import MissingDependencyError, UnsupportedModelError
from predhub.models.framework import Checkpoint, Framework
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner

__all__ = ["TFLiteRunner"]


@dataclass(slots=True)
class _Input:
    tensor: npt.NDArray[Any]  # (1, h, w, 3) in the model's dtype
    width: int
    height: int


class TFLiteRunner(Runner[_Input]):
    framework = Framework.TFLITE

    def __init__(self, checkpoint: Checkpoint, config: ModelConfig, device: Device = "auto") -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise MissingDependencyError("ai-edge-litert", "models") from exc
        if config.head not in (Head.CLASSES, Head.MASK):
            raise UnsupportedModelError(f"TFLite adapter: head {config.head.value!r} is not supported")
        if device == "gpu":
            raise RuntimeError("device='gpu': the ai-edge-litert wheel runs TFLite on the CPU only")
        self.config = config
        self.interpreter = Interpreter(model_path=str(checkpoint.path), num_threads=2)
        self.interpreter.allocate_tensors()
        self._in = self.interpreter.get_input_details()[0]
        self._out = self.interpreter.get_output_details()[0]
        self.name = config.name or checkpoint.path.stem
        self.version = config.version
        self.task = config.task
        self.class_names = list(config.classes) if config.head is Head.CLASSES else [config.mask_class]
        self.default_conf = config.conf
        self.default_settings = {"mask_threshold": 0.5} if config.head is Head.MASK else {}
        _, self._h, self._w, _ = (int(v) for v in self._in["shape"])

    def prepare(self, image: ImageArray, options: PredictOptions) -> _Input:
        import cv2

        resized = cv2.resize(image, (self._w, self._h), interpolation=cv2.INTER_AREA)
        if self.config.channels == "bgr":
            resized = resized[..., ::-1]
        dtype = self._in["dtype"]
        if dtype == np.uint8:
            # Quantised image models fold their normalisation into the input's (scale, zero point):
            # they take raw pixels.
            return _Input(resized[None], image.shape[1], image.shape[0])
        if dtype == np.int8:
            return _Input(
                (resized.astype(np.int16) - 128).astype(np.int8)[None], image.shape[1], image.shape[0]
            )
        values = (resized.astype(np.float32) - np.asarray(self.config.mean, np.float32)) * self.config.scale
        return _Input(values.astype(np.float32)[None], image.shape[1], image.shape[0])

    def run(self, batch: Sequence[_Input], options: PredictOptions) -> list[ModelOutput]:
        outputs = []
        for item in batch:  # the bundled TFLite graphs have a fixed batch of one
            self.interpreter.set_tensor(self._in["index"], item.tensor)
            self.interpreter.invoke()
            raw = self.interpreter.get_tensor(self._out["index"]).astype(np.float32)
            scale, zero = self._out["quantization"]
            if scale:
                raw = (raw - zero) * scale
            outputs.append(self._decode(raw[0], item, options))
        return outputs

    def _decode(self, raw: npt.NDArray[np.float32], item: _Input, options: PredictOptions) -> ModelOutput:
        import cv2

        if self.config.head is Head.CLASSES:
            return ModelOutput(
                classifications=[
                    decoders.from_class_scores(raw, self.config.classes, softmax=self.config.softmax)
                ]
            )
        probs = cv2.resize(np.squeeze(raw), (item.width, item.height), interpolation=cv2.INTER_LINEAR)
        threshold = float(options.settings.get("mask_threshold", 0.5))
        return ModelOutput(decoders.from_person_mask(probs, threshold, self.config.mask_class))
