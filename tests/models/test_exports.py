import importlib

import predhub
import predhub.models


def test_every_models_module_exports_only_what_it_defines() -> None:
    for name in (
        "adapters.onnx_runtime", "adapters.opencv_dnn", "adapters.python_callable", "adapters.tflite",
        "adapters.torchvision", "adapters.ultralytics", "config", "decoders", "deploy", "device", "draw",
        "errors", "framework", "hub_inputs", "inputs", "merge", "objects", "prediction", "remote", "runner",
        "session", "upload", "video", "worker", "zoo",
    ):  # fmt: skip
        module = importlib.import_module(f"predhub.models.{name}")
        for exported in module.__all__:
            assert hasattr(module, exported), f"predhub.models.{name}.__all__ names missing {exported}"


def test_the_package_exports_resolve() -> None:
    for name in predhub.models.__all__:
        assert getattr(predhub.models, name) is not None
    assert predhub.deploy is predhub.models.deploy and predhub.Prediction is predhub.models.Prediction
