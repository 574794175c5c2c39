"""The Python SDK: :class:`Client` and :class:`AsyncClient` over the REST API of docs/api.md.

The modules are private; everything public is re-exported here and, flat, from ``predhub``.
"""

from predhub.sdk._async_client import AsyncClient
from predhub.sdk._base import RetryPolicy
from predhub.sdk._client import Client
from predhub.sdk._config import Config, config_path, load_config
from predhub.sdk._evaluations import Evaluation, EvaluationSample
from predhub.sdk._exceptions import (
    APIError,
    BadRequest,
    ConfigError,
    Conflict,
    ConnectError,
    NotFound,
    PayloadTooLarge,
    PredhubError,
    ServerError,
    TransportError,
    Unauthorized,
    UploadInterrupted,
    ValidationError,
)
from predhub.sdk._files import read_labels
from predhub.sdk._models import (
    Blob,
    ChunkResult,
    Dataset,
    Job,
    JobStatus,
    LabelSet,
    LabelSetKind,
    LabelsResult,
    Me,
    Page,
    RecordError,
    Sample,
    SamplesResult,
    UploadCounts,
    UploadJob,
    UploadStatus,
    User,
    Workspace,
)
from predhub.sdk._types import NewSample

__all__ = [
    "APIError",
    "AsyncClient",
    "BadRequest",
    "Blob",
    "ChunkResult",
    "Client",
    "Config",
    "ConfigError",
    "Conflict",
    "ConnectError",
    "Dataset",
    "Evaluation",
    "EvaluationSample",
    "Job",
    "JobStatus",
    "LabelSet",
    "LabelSetKind",
    "LabelsResult",
    "Me",
    "NewSample",
    "NotFound",
    "Page",
    "PayloadTooLarge",
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
    "load_config",
    "read_labels",
]
