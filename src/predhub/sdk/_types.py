"""What the SDK accepts: references to hub objects, new samples, labels in either of their two shapes."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from predhub.core import Label
from predhub.sdk._models import Dataset, LabelSet, UploadJob

__all__ = [
    "DatasetRef",
    "LabelLike",
    "LabelSetRef",
    "NewSample",
    "OnConflict",
    "ProgressCallback",
    "UploadJobRef",
    "UploadMode",
    "ref_id",
]

DatasetRef: TypeAlias = Dataset | int
LabelSetRef: TypeAlias = LabelSet | int
UploadJobRef: TypeAlias = UploadJob | int

# A label as the core object, or as its wire dict (predhub.core.serde's shape) - the fast path for
# callers that already hold JSON-like data: it goes to orjson untouched.
LabelLike: TypeAlias = Label | Mapping[str, Any]

UploadMode: TypeAlias = Literal["strict", "partial"]
OnConflict: TypeAlias = Literal["replace", "append", "skip"]


# The ``progress`` argument of bulk calls: called with (done, total) after each chunk or batch.
ProgressCallback: TypeAlias = Callable[[int, int], None]


def ref_id(ref: Dataset | LabelSet | UploadJob | int) -> int:
    """The id of an object or of an id; lets every method take either."""
    return ref if isinstance(ref, int) else ref.id


@dataclass(frozen=True, slots=True)
class NewSample:
    """A sample to add. Exactly one of the sources:

    - ``path``: a file under the hub's media root (resolved on the server),
    - ``url``: an http(s) URL the gallery loads directly,
    - ``image``: bytes, or a local file (``os.PathLike``), uploaded to the hub's blob store first,
    - ``blob``: the sha256 of an image already in the blob store.

    ``width``/``height`` are read from the image by the hub when omitted (path, image, blob).
    """

    key: str
    path: str | None = None
    url: str | None = None
    image: bytes | os.PathLike[str] | None = None
    blob: str | None = None
    width: int | None = None
    height: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given = [n for n in ("path", "url", "image", "blob") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(
                f"sample {self.key!r}: exactly one of path, url, image, blob is needed, got {given}"
            )

    def to_json(self, blob: str | None = None) -> dict[str, Any]:
        """The wire record; ``blob`` is the sha256 the hub gave back for ``image``."""
        out: dict[str, Any] = {"key": self.key}
        if self.path is not None:
            out["path"] = self.path
        elif self.url is not None:
            out["url"] = self.url
        else:
            out["blob"] = blob or self.blob
        if self.width is not None:
            out["width"] = self.width
        if self.height is not None:
            out["height"] = self.height
        if self.metadata:
            out["metadata"] = self.metadata
        return out
