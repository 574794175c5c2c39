"""Which framework runs a checkpoint, read from the file itself (and its sidecar files).

The extension says what a file claims to be; the first bytes confirm it, so a renamed or truncated
file fails here with a clear reason instead of deep inside a framework:

- TFLite: a FlatBuffer whose file identifier (bytes 4..8) is ``TFL3``.
- ONNX / TensorFlow GraphDef: protobuf; ONNX opens with field 1 (``ir_version``, varint: 0x08),
  a GraphDef with field 1 (``node``, length-delimited: 0x0a).
- PyTorch ``.pt``/``.pth``: a zip archive (``PK\\x03\\x04``) holding ``data.pkl``; Ultralytics
  checkpoints pickle classes from the ``ultralytics`` package, so its name appears in that pickle.
- Darknet ``.weights``: three little-endian int32 (major, minor, revision) then the weights; the
  network needs the ``.cfg`` beside it. Caffe ``.caffemodel`` needs its ``.prototxt``.
"""

from __future__ import annotations

import enum
import zipfile
from dataclasses import dataclass
from pathlib import Path

from predhub.models.errors import UnknownModelError, UnsupportedModelError

__all__ = ["Checkpoint", "Framework", "detect_framework"]


class Framework(enum.StrEnum):
    TENSORFLOW = "tensorflow"  # frozen GraphDef, run by OpenCV DNN
    CAFFE = "caffe"  # run by OpenCV DNN
    DARKNET = "darknet"  # run by OpenCV DNN
    ONNX = "onnx"  # run by ONNX Runtime (or OpenCV DNN on request)
    TFLITE = "tflite"  # run by ai-edge-litert
    ULTRALYTICS = "ultralytics"  # optional extra
    TORCHVISION = "torchvision"  # optional extra
    PYTHON = "python"  # a callable or an object with predict()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A model file, the framework it was written by, and the file describing its graph if any."""

    path: Path
    framework: Framework
    config: Path | None = None  # .pbtxt, .prototxt or .cfg
    sidecar: Path | None = None  # predhub's JSON description (classes, head, input size)


def _sidecar(path: Path) -> Path | None:
    for candidate in (path.with_name(path.name + ".json"), path.with_suffix(".json")):
        if candidate.is_file():
            return candidate
    return None


def _companion(path: Path, suffixes: tuple[str, ...]) -> Path | None:
    """The graph file beside a weights file: same stem first, else the only one in the folder."""
    for suffix in suffixes:
        same = path.with_suffix(suffix)
        if same.is_file():
            return same
    found = sorted(p for s in suffixes for p in path.parent.glob(f"*{s}"))
    return found[0] if len(found) == 1 else None


def _zip_pickle_mentions(path: Path, needle: bytes) -> bool:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.endswith("data.pkl"):
                return needle in archive.read(name)
    return False


def detect_framework(path: str | Path) -> Checkpoint:
    """Read which framework wrote ``path``; raises naming the file and what did not match."""
    path = Path(path)
    if not path.exists():
        raise UnknownModelError(f"model: no such file {str(path)!r} (and not a bundled model name)")
    if path.is_dir():
        raise UnsupportedModelError(f"model: {str(path)!r} is a folder; give the checkpoint file in it")
    with path.open("rb") as fh:
        head = fh.read(16)
    suffix = path.suffix.lower()
    sidecar = _sidecar(path)

    def mismatch(expected: str) -> UnsupportedModelError:
        return UnsupportedModelError(
            f"model: {path.name} has the {suffix} extension but does not start like {expected} "
            f"(first bytes {head[:8]!r}); is it truncated or renamed?"
        )

    if suffix == ".tflite" or head[4:8] == b"TFL3":
        if head[4:8] != b"TFL3":
            raise mismatch("a TFLite FlatBuffer")
        return Checkpoint(path, Framework.TFLITE, sidecar=sidecar)
    if suffix == ".onnx":
        if head[:1] != b"\x08":
            raise mismatch("an ONNX ModelProto")
        return Checkpoint(path, Framework.ONNX, sidecar=sidecar)
    if suffix == ".pb":
        if head[:1] != b"\x0a":
            raise mismatch("a TensorFlow GraphDef")
        return Checkpoint(path, Framework.TENSORFLOW, _companion(path, (".pbtxt",)), sidecar)
    if suffix == ".caffemodel":
        config = _companion(path, (".prototxt",))
        if config is None:
            raise UnsupportedModelError(f"model: {path.name} needs its .prototxt beside it")
        return Checkpoint(path, Framework.CAFFE, config, sidecar)
    if suffix == ".weights":
        config = _companion(path, (".cfg",))
        if config is None:
            raise UnsupportedModelError(f"model: {path.name} needs its Darknet .cfg beside it")
        if len(head) < 12:
            raise mismatch("Darknet weights (major, minor, revision header)")
        return Checkpoint(path, Framework.DARKNET, config, sidecar)
    if suffix in (".pt", ".pth"):
        if head[:4] != b"PK\x03\x04":
            raise mismatch("a PyTorch zip checkpoint")
        if _zip_pickle_mentions(path, b"ultralytics"):
            return Checkpoint(path, Framework.ULTRALYTICS, sidecar=sidecar)
        return Checkpoint(path, Framework.TORCHVISION, sidecar=sidecar)
    raise UnsupportedModelError(
        f"model: cannot tell which framework wrote {path.name}; known extensions: "
        ".onnx, .tflite, .pb (+ .pbtxt), .caffemodel (+ .prototxt), .weights (+ .cfg), .pt/.pth"
    )
