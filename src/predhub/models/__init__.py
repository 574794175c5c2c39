"""Running models: deploy a checkpoint or a bundled model, predict on any input, stream predictions.

model = predhub.deploy(model="ssd-mobilenet-v2-coco")
for prediction in model.predict(input=["a.jpg", "clips/", Video("v.mp4", FrameSelection(stride=5))]):
    prediction.boxes, prediction.scores, prediction.classes, prediction.to_label()
"""

from predhub.models.config import Head, ModelConfig
from predhub.models.deploy import COMMON_SETTINGS, Model, deploy, running_models
from predhub.models.errors import (
    InputError,
    MissingDependencyError,
    ModelError,
    SettingsError,
    UnknownModelError,
    UnsupportedModelError,
)
from predhub.models.framework import Checkpoint, Framework, detect_framework
from predhub.models.hub_inputs import HubSamples
from predhub.models.merge import box_iou_matrix, geometry_iou, iou_merge
from predhub.models.objects import PredictedObjects
from predhub.models.prediction import Prediction
from predhub.models.remote import RemoteModel, connect
from predhub.models.runner import ModelOutput, PredictOptions, Runner, Task
from predhub.models.session import PredictionSession, SessionStatus
from predhub.models.upload import UploadMode, UploadResult, upload_predictions
from predhub.models.video import FrameSelection, Video
from predhub.models.zoo import BUNDLED, DEFAULT_DETECTOR

__all__ = [
    "BUNDLED",
    "COMMON_SETTINGS",
    "DEFAULT_DETECTOR",
    "Checkpoint",
    "FrameSelection",
    "Framework",
    "Head",
    "HubSamples",
    "InputError",
    "MissingDependencyError",
    "Model",
    "ModelConfig",
    "ModelError",
    "ModelOutput",
    "PredictOptions",
    "PredictedObjects",
    "Prediction",
    "PredictionSession",
    "RemoteModel",
    "Runner",
    "SessionStatus",
    "SettingsError",
    "Task",
    "UnknownModelError",
    "UnsupportedModelError",
    "UploadMode",
    "UploadResult",
    "Video",
    "box_iou_matrix",
    "connect",
    "deploy",
    "detect_framework",
    "geometry_iou",
    "iou_merge",
    "running_models",
    "upload_predictions",
]
