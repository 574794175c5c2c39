"""Labels to request bodies, and how an upload is cut into chunks.

Serialisation is the SDK's share of ingest time, so it stays on the fast path: wire dicts go to orjson
untouched, and core Labels whose objects are plain boxes (the bulk of any prediction set) are turned into
dicts inline here rather than through the general :mod:`predhub.core.serde` walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from predhub.core import Box, Label
from predhub.core.box_columns import BOX_COLUMNS_MEDIA_TYPE, box_columns_from_records, encode_box_columns
from predhub.core.serde import classification_to_dict, object_to_dict
from predhub.sdk._models import UploadJob
from predhub.sdk._types import LabelLike

__all__ = ["NDJSON", "Body", "ChunkPlan", "encode_json", "encode_labels", "encode_ndjson", "label_record"]

NDJSON = "application/x-ndjson"

# numpy arrays inside wire dicts (polygons built with numpy) serialise without a copy to lists.
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def label_record(label: LabelLike) -> Mapping[str, Any]:
    """The wire dict of a label (a dict is taken as already being one)."""
    if not isinstance(label, Label):
        return label
    objects: list[dict[str, Any]] = []
    append = objects.append
    for obj in label.objects:
        g = obj.geometry
        if (
            type(g) is Box
            and not g.rotation
            and not obj.classifications
            and not obj.attributes
            and obj.id is None
        ):
            d: dict[str, Any] = {"class": obj.class_name, "box": [g.x0, g.y0, g.x1, g.y1]}
            if obj.confidence != 1.0:
                d["confidence"] = obj.confidence
            append(d)
        else:
            append(object_to_dict(obj))
    out: dict[str, Any] = {"sample": label.sample_key, "objects": objects}
    if label.classifications:
        out["classifications"] = [classification_to_dict(c) for c in label.classifications]
    if label.score is not None:
        out["score"] = label.score
    out["status"] = label.status.value
    return out


def encode_ndjson(records: Iterable[LabelLike | Mapping[str, Any]]) -> bytes:
    """One JSON document per line (the hub reports errors by line index)."""
    dumps = orjson.dumps
    return b"\n".join([dumps(label_record(r), option=_OPTIONS) for r in records])  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Body:
    """A request body and its media type."""

    content: bytes
    media_type: str


def encode_labels(records: Sequence[LabelLike]) -> Body:
    """Labels as a bulk body: columns when every label is plain boxes (the hub decodes and checks
    them in bulk, several times faster), NDJSON otherwise. Errors name records by index either way."""
    wire = [label_record(r) for r in records]
    columns = box_columns_from_records(wire)
    if columns is not None:
        return Body(encode_box_columns(columns), BOX_COLUMNS_MEDIA_TYPE)
    return Body(encode_ndjson(wire), NDJSON)


def encode_json(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


@dataclass(frozen=True, slots=True)
class ChunkPlan:
    """An even partition of an upload's records into ``total_chunks`` chunks.

    Chunk ``i`` is ``records[i*n//T : (i+1)*n//T]``: it depends only on the records and the chunk count
    the hub keeps for the job, so a resumed upload cuts exactly the same chunks as the first attempt
    without the hub having to remember the chunk size.
    """

    records: Sequence[LabelLike]
    total_chunks: int

    @classmethod
    def by_size(cls, records: Sequence[LabelLike], chunk_size: int) -> ChunkPlan:
        if chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        return cls(records, -(-len(records) // chunk_size))

    @classmethod
    def for_job(cls, job: UploadJob, records: Sequence[LabelLike]) -> ChunkPlan:
        """The plan an existing job was created with (its chunk count), to resume it."""
        if job.total_chunks is None and records:
            raise ValueError(f"upload job {job.id} was created without total_chunks; it cannot be resumed")
        return cls(records, job.total_chunks or 0)

    def bounds(self, chunk: int) -> tuple[int, int]:
        n, total = len(self.records), self.total_chunks
        return chunk * n // total, (chunk + 1) * n // total

    def body(self, chunk: int) -> Body:
        start, stop = self.bounds(chunk)
        return encode_labels(self.records[start:stop])
