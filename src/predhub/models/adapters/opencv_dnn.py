"""OpenCV DNN: TensorFlow frozen graphs, Caffe, Darknet and ONNX files through ``cv2.dnn``.

``cv2.dnn.readNet`` picks the importer from the extensions; the sidecar (or a bundled model's
config) names the head, which :mod:`predhub.models.decoders` turns into objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from predhub.models import decoders
from predhub.models.config import Head, ModelConfig
from predhub.models.device import Device, opencv_has_cuda
from predhub.models.errors import UnsupportedModelError
from predhub.models.framework import Checkpoint
from predhub.models.runner import ImageArray, ModelOutput, PredictOptions, Runner

__all__ = ["OpenCVRunner"]


@dataclass(slots=True)
class _Resized:
    image: ImageArray  # at the network's input size
    width: int  # of the original image
    height: int


class OpenCVRunner(Runner[_Resized]):
    """A ``cv2.dnn`` network ending in an SSD, YOLO, YOLOv8 or classification head."""

    preferred_batch_size = 4

    def __init__(self, checkpoint: Checkpoint, config: ModelConfig, device: Device = "auto") -> None:
        import cv2

        if config.head is Head.MASK:
            raise UnsupportedModelError("OpenCV DNN adapter: the mask head is served by TFLite/ONNX")
        self._cv2 = cv2
        self.config = config
        self.framework = checkpoint.framework
        self.name = config.name or checkpoint.path.stem
        self.version = config.version
        self.task = config.task
        self.class_names = [c for c in config.classes if c and not c.isdigit()]
        self.default_conf = config.conf
        self.default_settings = {"nms_iou": config.nms_iou} if config.head in (Head.YOLO, Head.YOLOV8) else {}
        try:
            self.net = cv2.dnn.readNet(
                str(checkpoint.path), "" if checkpoint.config is None else str(checkpoint.config)
            )
        except cv2.error as exc:
            raise UnsupportedModelError(f"OpenCV DNN cannot load {checkpoint.path.name}: {exc}") from exc
        if device != "cpu" and opencv_has_cuda():
            self.net.setPreferableBackend(cv2.dnn.DNN_BACKEND_CUDA)
            self.net.setPreferableTarget(cv2.dnn.DNN_TARGET_CUDA)
            self.device = "gpu"
        elif device == "gpu":
            raise RuntimeError("device='gpu' but this OpenCV build sees no CUDA device")
        self._outputs = self.net.getUnconnectedOutLayersNames()

    def prepare(self, image: ImageArray, options: PredictOptions) -> _Resized:
        h, w = options.img_size or self.config.input_size or (image.shape[0], image.shape[1])
        # Resizing here, in the loading thread, keeps it off the inference thread's clock.
        resized = np.asarray(self._cv2.resize(image, (w, h), interpolation=self._cv2.INTER_LINEAR), np.uint8)
        return _Resized(resized, image.shape[1], image.shape[0])

    def run(self, batch: Sequence[_Resized], options: PredictOptions) -> list[ModelOutput]:
        cv2, cfg = self._cv2, self.config
        if cfg.head is Head.YOLO and len(batch) > 1:
            # Darknet's YOLO layers stack the rows of a batch without saying which image they are.
            return [out for item in batch for out in self.run([item], options)]
        blob = cv2.dnn.blobFromImages(
            [b.image for b in batch],
            scalefactor=cfg.scale,
            mean=cfg.mean,
            swapRB=cfg.channels == "bgr",  # images arrive RGB
        )
        self.net.setInput(blob)
        raw = self.net.forward(self._outputs)
        return [self._decode(raw, i, item, options) for i, item in enumerate(batch)]

    def _decode(
        self, raw: Sequence[npt.NDArray[Any]], index: int, item: _Resized, options: PredictOptions
    ) -> ModelOutput:
        cfg = self.config
        conf = options.conf if options.conf is not None else (cfg.conf or 0.0)
        if cfg.head is Head.SSD:
            rows = raw[0].reshape(-1, 7)
            return ModelOutput(
                decoders.from_ssd_output(
                    rows[rows[:, 0] == index], item.width, item.height, cfg.classes, conf
                )
            )
        if cfg.head is Head.CLASSES:
            return ModelOutput(
                classifications=[decoders.from_class_scores(raw[0][index], cfg.classes, softmax=cfg.softmax)]
            )
        nms_iou = float(options.settings.get("nms_iou", cfg.nms_iou))
        if cfg.head is Head.YOLO:
            # Darknet: one (N, 5 + C) array per YOLO layer; run() feeds this head one image at a time.
            rows = np.concatenate([o.reshape(-1, o.shape[-1]) for o in raw])
            return ModelOutput(
                decoders.from_yolo_output(rows, item.width, item.height, cfg.classes, conf, nms_iou)
            )
        out = raw[0][index]  # YOLOv8: (4 + C, N)
        h, w = options.img_size or cfg.input_size or (item.height, item.width)
        return ModelOutput(
            decoders.from_yolo_output(
                out.T,
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
