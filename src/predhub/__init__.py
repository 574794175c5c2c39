"""predhub: a self-hosted hub for model predictions on image datasets.

The public names live here, flat: the core label model (``predhub.Label``, ``predhub.Box``, ...) and
the SDK (``predhub.Client``, ``predhub.AsyncClient``, the models it returns and its error tree).

The SDK names load on first use (PEP 562 ``__getattr__``): every ``import predhub.core`` - in server
workers, converters, metrics - runs this file, and should not pay for importing httpx.
"""

from typing import TYPE_CHECKING, Any

import predhub.core as _core
from predhub.core import (
    Answer,
    Box,
    Classification,
    ClassificationKind,
    ClassificationSpec,
    FieldError,
    Geometry,
    GeometryKind,
    Label,
    LabelStatus,
    Mask,
    Object,
    ObjectClass,
    Ontology,
    Option,
    Point,
    Polygon,
    Polyline,
    geometry_kind,
    validate_label,
)

if TYPE_CHECKING:
    from predhub.sdk import (
        APIError,
        AsyncClient,
        BadRequest,
        Blob,
        ChunkResult,
        Client,
        Config,
        ConfigError,
        Conflict,
        ConnectError,
        Dataset,
        Evaluation,
        EvaluationSample,
        Job,
        JobStatus,
        LabelSet,
        LabelSetKind,
        LabelsResult,
        Me,
        NewSample,
        NotFound,
        Page,
        PayloadTooLarge,
        PredhubError,
        RecordError,
        RetryPolicy,
        Sample,
        SamplesResult,
        ServerError,
        TransportError,
        Unauthorized,
        UploadCounts,
        UploadInterrupted,
        UploadJob,
        UploadStatus,
        User,
        ValidationError,
        Workspace,
        config_path,
        load_config,
        read_labels,
    )

__all__ = [
    "APIError",
    "Answer",
    "AsyncClient",
    "BadRequest",
    "Blob",
    "Box",
    "ChunkResult",
    "Classification",
    "ClassificationKind",
    "ClassificationSpec",
    "Client",
    "Config",
    "ConfigError",
    "Conflict",
    "ConnectError",
    "Dataset",
    "Evaluation",
    "EvaluationSample",
    "FieldError",
    "Geometry",
    "GeometryKind",
    "Job",
    "JobStatus",
    "Label",
    "LabelSet",
    "LabelSetKind",
    "LabelStatus",
    "LabelsResult",
    "Mask",
    "Me",
    "NewSample",
    "NotFound",
    "Object",
    "ObjectClass",
    "Ontology",
    "Option",
    "Page",
    "PayloadTooLarge",
    "Point",
    "Polygon",
    "Polyline",
    "PredhubError",
    "RecordError",
    "RetryPolicy",
    "Sample",
    "SamplesResult",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UploadCounts",
    "UploadInterrupted",
    "UploadJob",
    "UploadStatus",
    "User",
    "ValidationError",
    "Workspace",
    "config_path",
    "geometry_kind",
    "load_config",
    "read_labels",
    "validate_label",
]


# Running models (issue 5): predhub.deploy, predhub.connect, Prediction, FrameSelection, ... - every
# name of predhub.models, loaded on first use like the SDK's.
_MODELS = frozenset(
    {
        "BUNDLED", "COMMON_SETTINGS", "DEFAULT_DETECTOR", "Checkpoint", "FrameSelection", "Framework",
        "Head", "HubSamples", "InputError", "MissingDependencyError", "Model", "ModelConfig", "ModelError",
        "ModelOutput", "PredictOptions", "PredictedObjects", "Prediction", "PredictionSession",
        "RemoteModel", "Runner", "SessionStatus", "SettingsError", "Task", "UnknownModelError",
        "UnsupportedModelError", "UploadMode", "UploadResult", "Video", "box_iou_matrix", "connect",
        "deploy", "detect_framework", "geometry_iou", "iou_merge", "running_models", "upload_predictions",
    }
)  # fmt: skip
__all__ += sorted(_MODELS)

_LAZY = frozenset(__all__) - frozenset(_core.__all__) - _MODELS


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import predhub.sdk

        value = getattr(predhub.sdk, name)
        globals()[name] = value
        return value
    if name in _MODELS:
        import predhub.models

        value = getattr(predhub.models, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'predhub' has no attribute {name!r}")
