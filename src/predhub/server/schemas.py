"""Request bodies (validated by FastAPI) and the public shapes of responses (for the OpenAPI docs)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DatasetCreate",
    "DatasetPublic",
    "DatasetUpdate",
    "ErrorBody",
    "JobPublic",
    "LabelSetCreate",
    "LabelSetPublic",
    "LabelSetUpdate",
    "MemberAdd",
    "PageOf",
    "SamplePublic",
    "TokenCreate",
    "UploadCreate",
    "UploadPublic",
    "UserCreate",
    "WorkspaceCreate",
]

T = TypeVar("T")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetCreate(_Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    media_type: Literal["image"] = "image"
    ontology: dict[str, Any] = Field(default_factory=lambda: {"objects": [], "classifications": []})
    workspace_id: int | None = None


class DatasetUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    ontology: dict[str, Any] | None = None


class DatasetPublic(BaseModel):
    id: int
    name: str
    description: str
    media_type: str
    ontology: dict[str, Any]
    workspace_id: int
    created_at: str | None
    sample_count: int


class SamplePublic(BaseModel):
    id: int
    dataset_id: int
    key: str
    path: str | None
    url: str | None
    blob: str | None
    width: int | None
    height: int | None
    metadata: dict[str, Any]
    created_at: str | None


class LabelSetCreate(_Body):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    kind: Literal["ground_truth", "predictions"] = "predictions"
    model_name: str | None = None
    model_version: str | None = None
    class_mapping: dict[str, str] | None = None


class LabelSetUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    class_mapping: dict[str, str] | None = None


class LabelSetPublic(BaseModel):
    id: int
    dataset_id: int
    name: str
    description: str
    kind: str
    model_name: str | None
    model_version: str | None
    class_mapping: dict[str, str] | None
    label_count: int
    object_count: int
    created_at: str | None


class UserCreate(_Body):
    name: str = Field(min_length=1, max_length=200)
    is_admin: bool = False


class TokenCreate(_Body):
    name: str | None = None


class WorkspaceCreate(_Body):
    name: str = Field(min_length=1, max_length=200)


class MemberAdd(_Body):
    user_id: int


class UploadCreate(_Body):
    mode: Literal["strict", "partial"] = "strict"
    on_conflict: Literal["replace", "append", "skip"] = "replace"
    total_chunks: int | None = Field(default=None, ge=1)


class UploadPublic(BaseModel):
    id: int
    label_set_id: int
    status: Literal["open", "done", "failed"]
    mode: str
    on_conflict: str
    chunks_stored: list[int]
    total_chunks: int | None
    progress: float
    counts: dict[str, int]
    errors: list[dict[str, Any]]
    created_at: str | None
    finished_at: str | None


class JobPublic(BaseModel):
    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float
    message: str | None
    result: dict[str, Any] | None
    error: str | None
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class PageOf(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


class _ErrorDetail(BaseModel):
    record: int | None
    field: str | None
    message: str


class _Error(BaseModel):
    code: str
    message: str
    details: list[_ErrorDetail]


class ErrorBody(BaseModel):
    error: _Error
