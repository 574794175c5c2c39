"""What the hub returns, as frozen dataclasses parsed from the JSON shapes of docs/api.md.

Each model has ``from_json`` taking the decoded JSON object; unknown keys are ignored so that a newer
hub can add fields without breaking an older SDK. Labels come back as the core's
:class:`predhub.core.Label`, the same object the rest of predhub speaks.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from predhub.core import Ontology

__all__ = [
    "Blob",
    "ChunkResult",
    "Dataset",
    "Job",
    "JobStatus",
    "LabelSet",
    "LabelSetKind",
    "LabelsResult",
    "Me",
    "Page",
    "RecordError",
    "Sample",
    "SamplesResult",
    "UploadCounts",
    "UploadJob",
    "UploadStatus",
    "User",
    "Workspace",
]

T = TypeVar("T")


def _time(value: Any) -> datetime | None:
    # Python 3.11's fromisoformat reads every ISO 8601 form the hub writes, "Z" included.
    return datetime.fromisoformat(value) if isinstance(value, str) else None


class LabelSetKind(enum.StrEnum):
    GROUND_TRUTH = "ground_truth"
    PREDICTIONS = "predictions"


class UploadStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    FAILED = "failed"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class RecordError:
    """One rejected record: its 0-based index in the request (or chunk), the dotted field, why."""

    record: int | None
    field: str | None
    message: str
    chunk: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecordError:
        return cls(data.get("record"), data.get("field"), str(data.get("message", "")), data.get("chunk"))

    def __str__(self) -> str:
        where = []
        if self.chunk is not None:
            where.append(f"chunk {self.chunk}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list endpoint; ``next_cursor`` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any], item: Callable[[dict[str, Any]], T]) -> Page[T]:
        return cls(tuple(item(d) for d in data["items"]), data.get("next_cursor"))


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    is_admin: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        return cls(data["id"], data["name"], bool(data.get("is_admin", False)))


@dataclass(frozen=True, slots=True)
class Workspace:
    id: int
    name: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Workspace:
        return cls(data["id"], data["name"])


@dataclass(frozen=True, slots=True)
class Me:
    """Who the token belongs to and the workspaces they may see."""

    user: User
    workspaces: tuple[Workspace, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Me:
        return cls(User.from_json(data["user"]), tuple(Workspace.from_json(w) for w in data["workspaces"]))


@dataclass(frozen=True, slots=True)
class Dataset:
    id: int
    name: str
    description: str
    media_type: str
    ontology: Ontology
    workspace_id: int | None
    sample_count: int
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dataset:
        return cls(
            id=data["id"],
            name=data["name"],
            description=data.get("description") or "",
            media_type=data.get("media_type", "image"),
            ontology=Ontology.from_dict(data.get("ontology") or {}),
            workspace_id=data.get("workspace_id"),
            sample_count=data.get("sample_count", 0),
            created_at=_time(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class Sample:
    """One image of a dataset; exactly one of ``path``, ``url``, ``blob`` says where it lives."""

    id: int
    dataset_id: int
    key: str
    path: str | None
    url: str | None
    blob: str | None
    width: int | None
    height: int | None
    metadata: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sample:
        return cls(
            id=data["id"],
            dataset_id=data["dataset_id"],
            key=data["key"],
            path=data.get("path"),
            url=data.get("url"),
            blob=data.get("blob"),
            width=data.get("width"),
            height=data.get("height"),
            metadata=data.get("metadata") or {},
            created_at=_time(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class SamplesResult:
    """New sample ids in input order, and the jobs reading the sizes of URL images given without them."""

    created: int
    ids: tuple[int, ...]
    jobs: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SamplesResult:
        job = data.get("job")
        return cls(data["created"], tuple(data.get("ids", ())), () if job is None else (job,))

    @classmethod
    def merge(cls, parts: Sequence[SamplesResult]) -> SamplesResult:
        return cls(
            sum(p.created for p in parts),
            tuple(i for p in parts for i in p.ids),
            tuple(j for p in parts for j in p.jobs),
        )


@dataclass(frozen=True, slots=True)
class Blob:
    """An image in the hub's content-addressed blob store."""

    sha256: str
    size: int
    width: int | None
    height: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Blob:
        return cls(data["sha256"], data["size"], data.get("width"), data.get("height"))


@dataclass(frozen=True, slots=True)
class LabelSet:
    """A named layer of labels over a dataset: the ground truth, or one model run's predictions."""

    id: int
    dataset_id: int
    name: str
    kind: LabelSetKind
    description: str = ""
    model_name: str | None = None
    model_version: str | None = None
    class_mapping: dict[str, str] = field(default_factory=dict)
    label_count: int = 0
    object_count: int = 0
    created_at: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabelSet:
        return cls(
            id=data["id"],
            dataset_id=data["dataset_id"],
            name=data["name"],
            kind=LabelSetKind(data.get("kind", LabelSetKind.PREDICTIONS)),
            description=data.get("description") or "",
            model_name=data.get("model_name"),
            model_version=data.get("model_version"),
            class_mapping=data.get("class_mapping") or {},
            label_count=data.get("label_count", 0),
            object_count=data.get("object_count", 0),
            created_at=_time(data.get("created_at")),
        )


@dataclass(frozen=True, slots=True)
class LabelsResult:
    """What a many-labels request stored; in partial mode ``errors`` names the rejected records."""

    stored: int
    rejected: int
    errors: tuple[RecordError, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabelsResult:
        return cls(
            data.get("stored", 0),
            data.get("rejected", 0),
            tuple(RecordError.from_json(e) for e in data.get("errors", ())),
        )


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """The hub's answer to one chunk of an upload job; record indices are within the chunk."""

    chunk: int
    stored: int
    rejected: int
    errors: tuple[RecordError, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChunkResult:
        return cls(
            data["chunk"],
            data.get("stored", 0),
            data.get("rejected", 0),
            tuple(RecordError.from_json({"chunk": data["chunk"], **e}) for e in data.get("errors", ())),
        )


@dataclass(frozen=True, slots=True)
class UploadCounts:
    records: int
    objects: int
    rejected: int


@dataclass(frozen=True, slots=True)
class UploadJob:
    """A large, resumable upload of labels into a label set, made of chunks stored whole or not at all."""

    id: int
    label_set_id: int
    status: UploadStatus
    mode: str
    chunks_stored: frozenset[int]
    total_chunks: int | None
    progress: float
    counts: UploadCounts
    errors: tuple[RecordError, ...]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UploadJob:
        counts = data.get("counts") or {}
        return cls(
            id=data["id"],
            label_set_id=data["label_set_id"],
            status=UploadStatus(data["status"]),
            mode=data.get("mode", "strict"),
            chunks_stored=frozenset(data.get("chunks_stored", ())),
            total_chunks=data.get("total_chunks"),
            progress=float(data.get("progress", 0.0)),
            counts=UploadCounts(
                counts.get("records", 0), counts.get("objects", 0), counts.get("rejected", 0)
            ),
            errors=tuple(RecordError.from_json(e) for e in data.get("errors", ())),
        )

    def missing_chunks(self) -> list[int]:
        """Chunk indices not stored yet (all of them when the total is unknown to the hub)."""
        total = self.total_chunks or 0
        return [i for i in range(total) if i not in self.chunks_stored]


@dataclass(frozen=True, slots=True)
class Job:
    """Server-side work (an import, an evaluation, a prediction run), a row that survives restarts."""

    id: int
    kind: str
    status: JobStatus
    progress: float
    message: str | None
    result: Any
    error: str | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(
            id=data["id"],
            kind=data["kind"],
            status=JobStatus(data["status"]),
            progress=float(data.get("progress") or 0.0),
            message=data.get("message"),
            result=data.get("result"),
            error=data.get("error"),
            created_at=_time(data.get("created_at")),
            started_at=_time(data.get("started_at")),
            finished_at=_time(data.get("finished_at")),
        )
