"""Turning new samples into wire records: which images go to the blob store first, and the batches."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from predhub.sdk._types import NewSample

__all__ = ["SamplePlan", "read_image"]


def read_image(image: bytes | os.PathLike[str]) -> bytes:
    return image if isinstance(image, bytes) else Path(image).read_bytes()


@dataclass(slots=True)
class SamplePlan:
    """Wire records in input order, plus the images that must be uploaded as blobs before them.

    ``uploads[i] = (record index, image)``; :meth:`set_blob` fills the record's ``blob`` once the hub
    has stored the bytes. Plain dicts are taken as wire records already.
    """

    records: list[dict[str, Any]]
    uploads: list[tuple[int, bytes | os.PathLike[str]]]

    @classmethod
    def of(cls, samples: Iterable[NewSample | Mapping[str, Any]]) -> SamplePlan:
        records: list[dict[str, Any]] = []
        uploads: list[tuple[int, bytes | os.PathLike[str]]] = []
        for sample in samples:
            if isinstance(sample, NewSample):
                if sample.image is not None:
                    uploads.append((len(records), sample.image))
                records.append(sample.to_json())
            else:
                records.append(dict(sample))
        return cls(records, uploads)

    def set_blob(self, upload: int, sha256: str) -> None:
        self.records[self.uploads[upload][0]]["blob"] = sha256

    def batches(self, batch_size: int) -> list[list[dict[str, Any]]]:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        return [self.records[i : i + batch_size] for i in range(0, len(self.records), batch_size)]
