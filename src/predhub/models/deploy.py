"""``deploy(model=...)``: one entry point for a checkpoint file, a bundled model's name, or a
Python model, returning a handle whose ``predict`` takes any input.

The framework is read from the checkpoint (:mod:`predhub.models.framework`); the model runs on a GPU
when its framework reports one (``device="auto"``); ``reuse=True`` hands back a running deployment of
the same model instead of loading it twice.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from predhub.models.config import load_config
from predhub.models.device import Device
from predhub.models.errors import SettingsError, UnknownModelError, UnsupportedModelError
from predhub.models.framework import Framework, detect_framework
from predhub.models.inputs import resolve_inputs
from predhub.models.prediction import Prediction
from predhub.models.runner import PredictOptions, Runner, Task
from predhub.models.session import PredictionSession
from predhub.models.upload import UploadMode, UploadResult, upload_predictions
from predhub.models.video import FrameSelection
from predhub.models.zoo import BUNDLED, load_bundled

__all__ = ["COMMON_SETTINGS", "Model", "deploy", "running_models"]

#: Settings every model accepts. ``iou_merge_threshold``: an uploaded object is dropped in
#: ``upload="iou_merge"`` mode when it overlaps an existing one of its class at this IoU or more.
COMMON_SETTINGS: Mapping[str, Any] = {"iou_merge_threshold": 0.9}

_running: dict[tuple[Any, ...], Model] = {}
_lock = threading.Lock()


def _allowlist_from_env() -> tuple[str, ...]:
    raw = os.environ.get("PREDHUB_URL_ALLOWLIST", "")
    return tuple(p.strip() for p in raw.split(",") if p.strip())


def _identity(model: Any) -> tuple[Any, ...]:
    """What makes two deploy() calls the same model: the name, or the file and its version on disk."""
    if isinstance(model, str) and model in BUNDLED:
        return ("bundled", model)
    if isinstance(model, str | Path):
        path = Path(model).resolve()
        stat = path.stat() if path.exists() else None
        return ("file", str(path), stat and stat.st_size, stat and stat.st_mtime_ns)
    return ("python", id(model))


def _load(model: Any, device: Device, name: str | None, version: str | None) -> Runner[Any]:
    from predhub.models.adapters.python_callable import CallableRunner

    if isinstance(model, Runner):
        return model
    if isinstance(model, str) and model in BUNDLED:
        return load_bundled(model, device)
    if isinstance(model, str | Path):
        if isinstance(model, str) and not Path(model).exists() and "/" not in model and "." not in model:
            known = ", ".join(sorted(BUNDLED))
            raise UnknownModelError(f"model: {model!r} is neither a file nor a bundled model ({known})")
        return _load_file(Path(model), device)
    if callable(model) or callable(getattr(model, "predict", None)):
        return CallableRunner(model, name, version)
    raise UnknownModelError(
        f"model: cannot deploy a {type(model).__name__}; give a checkpoint path, a bundled model name "
        "or a Python callable"
    )


def _load_file(path: Path, device: Device) -> Runner[Any]:
    checkpoint = detect_framework(path)
    fw = checkpoint.framework
    if fw is Framework.ULTRALYTICS:
        from predhub.models.adapters.ultralytics import UltralyticsRunner

        return UltralyticsRunner(checkpoint, device)
    if fw is Framework.TORCHVISION:
        from predhub.models.adapters.torchvision import TorchvisionRunner

        return TorchvisionRunner(checkpoint, device)
    if checkpoint.sidecar is None:
        raise UnsupportedModelError(
            f"model: {path.name} holds tensors but not what they mean; write {path.name}.json beside it "
            '(at least {"head": "ssd" | "yolo" | "yolov8" | "classes" | "mask", "classes": [...]}), '
            "see predhub.models.config"
        )
    config = load_config(checkpoint.sidecar)
    if fw is Framework.TFLITE:
        from predhub.models.adapters.tflite import TFLiteRunner

        return TFLiteRunner(checkpoint, config, device)
    if fw is Framework.ONNX and config.head.value != "ssd":
        from predhub.models.adapters.onnx_runtime import OnnxRuntimeRunner

        return OnnxRuntimeRunner(checkpoint, config, device)
    from predhub.models.adapters.opencv_dnn import OpenCVRunner

    return OpenCVRunner(checkpoint, config, device)


class Model:
    """A deployed model: call :meth:`predict` or :meth:`predict_detached` on any input.

    Attributes: ``id`` (this deployment), ``name``, ``version``, ``framework``, ``task``,
    ``class_names`` (what it can predict), ``device`` ("cpu" or "gpu").
    """

    def __init__(
        self, runner: Runner[Any], url_allowlist: Sequence[str] = (), identity: tuple[Any, ...] = ()
    ) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.runner = runner
        self.url_allowlist = tuple(url_allowlist)
        self._identity = identity
        self.closed = False
        self.last_upload: UploadResult | None = None

    name = property(lambda self: self.runner.name)
    version = property(lambda self: self.runner.version)
    framework = property(lambda self: Framework(self.runner.framework))
    task = property(lambda self: Task(self.runner.task))
    class_names = property(lambda self: list(self.runner.class_names))
    device = property(lambda self: self.runner.device)

    def __repr__(self) -> str:
        fw = self.framework.value
        return f"Model(id={self.id!r}, name={self.name!r}, framework={fw}, device={self.device})"

    def options(
        self,
        img_size: int | tuple[int, int] | None = None,
        classes: Sequence[str] | None = None,
        conf: float | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> PredictOptions:
        """predict()'s model arguments checked against this model; raises :class:`SettingsError`."""
        size: tuple[int, int] | None = None
        if img_size is not None:
            size = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)  # type: ignore[assignment]
            if size is None or len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size):
                raise SettingsError(
                    "img_size", f"must be a positive int or (height, width), got {img_size!r}"
                )
        if conf is not None and (
            isinstance(conf, bool) or not isinstance(conf, int | float) or not 0 <= conf <= 1
        ):
            raise SettingsError("conf", f"must be a number between 0 and 1, got {conf!r}")
        if classes is not None:
            if isinstance(classes, str):
                raise SettingsError("classes", "must be a list of class names, not one string")
            known = set(self.runner.class_names)
            unknown = [c for c in classes if known and c not in known]
            if unknown:
                raise SettingsError("classes", f"{unknown} not among {self.name}'s classes")
        allowed = {**COMMON_SETTINGS, **self.runner.default_settings}
        merged = dict(allowed)
        for key, value in (settings or {}).items():
            if key not in allowed:
                raise SettingsError(
                    f"settings.{key}", f"unknown setting; {self.name} reads {sorted(allowed)}"
                )
            default = allowed[key]
            if isinstance(default, int | float) and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise SettingsError(f"settings.{key}", f"must be a number, got {value!r}")
            merged[key] = value
        return PredictOptions(size, conf, None if classes is None else tuple(classes), merged)

    def predict_detached(
        self,
        input: Any = None,
        *,
        recursive: bool = False,
        frames: FrameSelection | None = None,
        batch_size: int | None = None,
        img_size: int | tuple[int, int] | None = None,
        classes: Sequence[str] | None = None,
        conf: float | None = None,
        settings: Mapping[str, Any] | None = None,
        on_prediction: Callable[[Prediction], None] | None = None,
    ) -> PredictionSession:
        """Start predicting in the background; the session streams predictions as they are made.

        Arguments as :meth:`predict`. Bad inputs and settings raise here, before any work starts.
        """
        if self.closed:
            raise UnsupportedModelError(f"deployment {self.id} ({self.name}) is stopped")
        options = self.options(img_size, classes, conf, settings)
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise SettingsError("batch_size", f"must be a positive integer, got {batch_size!r}")
        items = resolve_inputs(input, recursive=recursive, frames=frames, url_allowlist=self.url_allowlist)
        return PredictionSession(
            self.runner,
            items,
            options,
            batch_size or self.runner.preferred_batch_size,
            single=not isinstance(input, list | tuple),
            on_prediction=on_prediction,
            context={"deployment": self.id},
        )

    def predict(
        self,
        input: Any = None,
        *,
        recursive: bool = False,
        frames: FrameSelection | None = None,
        batch_size: int | None = None,
        img_size: int | tuple[int, int] | None = None,
        classes: Sequence[str] | None = None,
        conf: float | None = None,
        settings: Mapping[str, Any] | None = None,
        upload: UploadMode | str | None = None,
        label_set: int | str | Any | None = None,
        dataset: int | str | Any | None = None,
        hub: Any | None = None,
        prelabel: bool = False,
    ) -> list[Prediction]:
        """Predict on ``input`` and return one :class:`Prediction` per image or video frame, in order.

        ``input``: an image path, a folder (``recursive=True`` for sub-folders), a video file (which
        frames: ``frames=FrameSelection(...)``, or wrap it as ``Video(path, frames)``), an http(s) URL
        under the deployment's URL allow-list, a PIL image, a numpy (H, W, 3) RGB uint8 array, or a
        list mixing these. ``batch_size``: images per framework call (the model's preference by
        default). ``img_size``: the network input size, an int (square) or (height, width).
        ``classes``: keep only these class names. ``conf``: drop objects scoring below it (the
        model's default threshold otherwise). ``settings``: model-specific settings (see
        ``COMMON_SETTINGS`` and the model's ``default_settings``).

        ``input`` may also be :class:`~predhub.models.hub_inputs.HubSamples` (a hub's dataset, query,
        label set or sample ids). ``upload`` (``"create"``, ``"append"``, ``"replace"``,
        ``"iou_merge"``) then writes the predictions into ``label_set`` of the hub's ``dataset``
        (``hub``/``dataset`` default to the input's; see :func:`~predhub.models.upload.upload_predictions`);
        ``prelabel=True`` writes them as pre-labels. The upload's summary is kept in ``last_upload``.
        """
        if upload is not None:
            upload = UploadMode(upload)
            hub = hub if hub is not None else getattr(input, "client", None)
            dataset = dataset if dataset is not None else getattr(input, "dataset", None)
            if hub is None or dataset is None:
                raise SettingsError(
                    "upload", "needs a hub (hub=predhub.Client()) and a dataset to write into"
                )
        session = self.predict_detached(
            input,
            recursive=recursive,
            frames=frames,
            batch_size=batch_size,
            img_size=img_size,
            classes=classes,
            conf=conf,
            settings=settings,
        )
        predictions = list(session)
        if upload is not None:
            threshold = float(self.options(settings=settings).settings["iou_merge_threshold"])
            self.last_upload = upload_predictions(
                hub,  # type: ignore[arg-type]
                predictions,
                dataset=dataset,  # type: ignore[arg-type]
                label_set=label_set,
                mode=upload,
                prelabel=prelabel,
                iou_merge_threshold=threshold,
            )
        return predictions

    def close(self) -> None:
        """Stop this deployment and release the model."""
        with _lock:
            if _running.get(self._identity) is self:
                del _running[self._identity]
        if not self.closed:
            self.closed = True
            self.runner.close()

    stop = close

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def deploy(
    model: str | Path | Any = "ssd-mobilenet-v2-coco",
    *,
    device: Device = "auto",
    reuse: bool = False,
    name: str | None = None,
    version: str | None = None,
    url_allowlist: Sequence[str] | None = None,
    hub: Any | None = None,
) -> Model:
    """Load ``model`` and return a handle to predict with.

    ``model``: a bundled model's name (``predhub.models.zoo.BUNDLED``: ``"ssd-mobilenet-v2-coco"``,
    the default detector; ``"efficientnet-lite3-imagenet"``; ``"selfie-segmentation"``;
    ``"ppocr-v4"``), a checkpoint file whose framework is read from the file itself (``.pb``,
    ``.caffemodel``, ``.weights``, ``.onnx``, ``.tflite``, ``.pt``), or a Python callable / object
    with ``predict``. ``device``: ``"auto"`` uses a GPU when the framework reports one, ``"cpu"``,
    or ``"gpu"`` (an error when there is none). ``reuse``: return the running deployment of the
    same model if there is one. ``name``/``version``: recorded with predictions (Python models;
    files take theirs from the sidecar). ``url_allowlist``: URL prefixes predict() may fetch
    (default: ``PREDHUB_URL_ALLOWLIST``, comma-separated; none otherwise). ``hub``: a
    :class:`predhub.Client`; the model then runs in a worker process that hub supervises (status,
    logs, restart on crash; its id survives hub restarts) and the handle predicts through it -
    ``model`` is then a bundled name or a checkpoint path on the hub's machine.
    """
    if hub is not None:
        from predhub.models.remote import deploy_on_hub

        if not isinstance(model, str | Path):
            raise SettingsError("model", "a hub deployment runs a bundled model or a checkpoint file")
        return deploy_on_hub(hub, str(model), device, reuse)
    if device not in ("auto", "cpu", "gpu"):
        raise SettingsError("device", f'must be "auto", "cpu" or "gpu", got {device!r}')
    identity = (*_identity(model), device)
    with _lock:
        if reuse and identity in _running and not _running[identity].closed:
            return _running[identity]
    runner = _load(model, device, name, version)
    if name is not None:
        runner.name = name
    if version is not None:
        runner.version = version
    handle = Model(runner, url_allowlist if url_allowlist is not None else _allowlist_from_env(), identity)
    with _lock:
        _running.setdefault(identity, handle)
    return handle


def running_models() -> list[Model]:
    """The deployments this process runs."""
    with _lock:
        return list(_running.values())
