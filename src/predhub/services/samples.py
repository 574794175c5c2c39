"""Samples: the images of a dataset, each under a key unique in its dataset.

An image lives in one of three places: a file under the server's media root (``path``), an http(s)
URL (``url``), or the hub's blob store (``blob``, a SHA-256). Width and height are read from the image
when not given; for URLs a ``sample_sizes`` job fetches them in the background.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Connection, insert, select
from sqlalchemy import delete as sa_delete

from predhub.services import access
from predhub.services.auth import User
from predhub.services.common import iso
from predhub.services.errors import Detail, Invalid, NotFound
from predhub.services.pagination import Page, check_limit, decode_cursor, page_of
from predhub.store import jobs
from predhub.store.blobs import BlobStore, is_sha256
from predhub.store.db import Database, Record
from predhub.store.schema import evaluation_objects, evaluation_samples, samples

__all__ = [
    "BlobInfo",
    "ImageSource",
    "Sample",
    "SampleStore",
    "create_many",
    "delete",
    "get",
    "get_by_key",
    "image_of",
    "image_size",
    "list_samples",
    "put_blob",
    "sample_from_row",
]

LOCATIONS = ("path", "url", "blob")
_ALLOWED = {"key", "path", "url", "blob", "width", "height", "metadata"}


@dataclass(frozen=True, slots=True)
class SampleStore:
    """Where sample images may live: the blob store and the folder that ``path`` is relative to."""

    blobs: BlobStore
    media_root: Path | None


@dataclass(frozen=True, slots=True)
class Sample:
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dataset_id": self.dataset_id,
            "key": self.key,
            "path": self.path,
            "url": self.url,
            "blob": self.blob,
            "width": self.width,
            "height": self.height,
            "metadata": self.metadata,
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class BlobInfo:
    sha256: str
    size: int
    width: int
    height: int

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "width": self.width, "height": self.height}


@dataclass(frozen=True, slots=True)
class ImageSource:
    """Where to read a sample's image from: a local file, or a URL to redirect to."""

    file: Path | None = None
    url: str | None = None


def sample_from_row(row: Record) -> Sample:
    return Sample(
        id=row.id,
        dataset_id=row.dataset_id,
        key=row.key,
        path=row.path,
        url=row.url,
        blob=row.blob,
        width=row.width,
        height=row.height,
        metadata=row.metadata or {},
        created_at=iso(row.created_at),
    )


def image_size(data: bytes | Path) -> tuple[int, int]:
    """(width, height) from the image header; raises ``ValueError`` for what is not an image."""
    try:
        with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as img:
            return int(img.width), int(img.height)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"not a readable image ({exc.__class__.__name__})") from None


def put_blob(store: SampleStore, data: bytes) -> BlobInfo:
    if not data:
        raise Invalid.field("body", "is empty: send the image bytes")
    try:
        width, height = image_size(data)
    except ValueError as exc:
        raise Invalid.field("body", str(exc)) from None
    return BlobInfo(store.blobs.put(data), len(data), width, height)


def _media_file(store: SampleStore, rel: str) -> Path:
    if store.media_root is None:
        raise ValueError("this server has no media root configured (--media-root)")
    root = store.media_root.resolve()
    path = (root / rel).resolve()
    if not path.is_relative_to(root):
        raise ValueError("must stay inside the media root")
    if not path.is_file():
        raise ValueError(f"no file {rel!r} under the media root")
    return path


def _int_or_none(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{field}: must be a positive integer")
    return value


def _check(record: Any, store: SampleStore) -> dict[str, Any]:
    """One record to a row dict; raises ``ValueError('field: message')``."""
    if not isinstance(record, dict):
        raise ValueError(": must be a JSON object")
    unknown = sorted(set(record) - _ALLOWED)
    if unknown:
        raise ValueError(f"{unknown[0]}: unknown field (allowed: {sorted(_ALLOWED)})")
    key = record.get("key")
    if not isinstance(key, str) or not key:
        raise ValueError("key: must be a non-empty string")
    given = [loc for loc in LOCATIONS if record.get(loc) is not None]
    if len(given) != 1:
        raise ValueError(f"{given[1] if given else 'path'}: exactly one of path, url, blob is required")
    loc = given[0]
    value = record[loc]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{loc}: must be a non-empty string")
    width = _int_or_none(record.get("width"), "width")
    height = _int_or_none(record.get("height"), "height")
    if (width is None) != (height is None):
        raise ValueError(f"{'height' if height is None else 'width'}: give width and height together")
    metadata = record.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError("metadata: must be an object")
    if loc == "url" and not value.startswith(("http://", "https://")):
        raise ValueError("url: must be an http(s) URL")
    if loc == "blob":
        if not is_sha256(value):
            raise ValueError("blob: must be the SHA-256 (64 lowercase hex) that POST /blobs returned")
        if not store.blobs.exists(value):
            raise ValueError(f"blob: no blob {value[:12]}… in the store; upload it first (POST /blobs)")
    if width is None and loc != "url":
        try:
            source: bytes | Path = _media_file(store, value) if loc == "path" else store.blobs.get(value)
            width, height = image_size(source)
        except ValueError as exc:
            raise ValueError(f"{loc}: {exc}") from None
    elif loc == "path":
        try:
            _media_file(store, value)
        except ValueError as exc:
            raise ValueError(f"path: {exc}") from None
    return {
        "key": key,
        "path": value if loc == "path" else None,
        "url": value if loc == "url" else None,
        "blob": value if loc == "blob" else None,
        "width": width,
        "height": height,
        "metadata": metadata,
    }


def create_many(
    conn: Connection, user: User, dataset_id: int, records: list[Any], store: SampleStore
) -> dict[str, Any]:
    """Create samples, all or nothing: any bad record raises :class:`Invalid` listing every problem.

    Returns ``{"created", "ids", "job"}``; ``job`` is the id of the ``sample_sizes`` job that reads
    the sizes of URL images, or None.
    """
    dataset = access.dataset_row(conn, user, dataset_id)
    rows: list[dict[str, Any]] = []
    errors: list[Detail] = []
    first_seen: dict[str, int] = {}
    for i, record in enumerate(records):
        try:
            row = _check(record, store)
        except ValueError as exc:
            field, _, message = str(exc).partition(": ")
            errors.append(Detail(i, field or None, message))
            continue
        if row["key"] in first_seen:
            errors.append(Detail(i, "key", f"repeats the key of record {first_seen[row['key']]}"))
            continue
        first_seen[row["key"]] = i
        rows.append(row)
    keys = list(first_seen)
    for start in range(0, len(keys), 500):
        existing = conn.execute(
            select(samples.c.key).where(
                samples.c.dataset_id == dataset_id, samples.c.key.in_(keys[start : start + 500])
            )
        ).scalars()
        errors.extend(Detail(first_seen[k], "key", f"a sample with key {k!r} exists") for k in existing)
    if errors:
        errors.sort(key=lambda d: d.record or 0)
        raise Invalid(f"{len(errors)} of {len(records)} samples rejected; none stored", errors)
    if not rows:
        return {"created": 0, "ids": [], "job": None}
    for row in rows:
        row["dataset_id"] = dataset_id
    ids = list(
        conn.execute(insert(samples).returning(samples.c.id, sort_by_parameter_order=True), rows).scalars()
    )
    job_id = None
    unsized = [i for i, row in zip(ids, rows, strict=True) if row["width"] is None]
    if unsized:
        job_id = jobs.enqueue(
            conn, "sample_sizes", {"sample_ids": unsized}, workspace_id=dataset.workspace_id
        )
    return {"created": len(ids), "ids": ids, "job": job_id}


def get(db: Database, user: User, sample_id: int) -> Sample:
    with db.read() as conn:
        return sample_from_row(access.sample_row(conn, user, sample_id))


def delete(db: Database, user: User, sample_id: int) -> None:
    """Delete a sample with its labels in every label set (their objects and class stats cascade).

    Evaluation rows keep no foreign key to samples (an evaluation is a snapshot), so the sample's
    rows there go here; an evaluation's summary metrics stay as they were computed.
    """

    def work(conn: Connection) -> None:
        access.sample_row(conn, user, sample_id)
        for table in (evaluation_objects, evaluation_samples):
            conn.execute(sa_delete(table).where(table.c.sample_id == sample_id))
        conn.execute(sa_delete(samples).where(samples.c.id == sample_id))

    db.write_retrying(work)  # on PostgreSQL it may race a writer of the same labels


def get_by_key(db: Database, user: User, dataset_id: int, key: str) -> Sample:
    with db.read() as conn:
        access.dataset_row(conn, user, dataset_id)
        row = conn.execute(
            select(samples).where(samples.c.dataset_id == dataset_id, samples.c.key == key)
        ).first()
    if row is None:
        raise NotFound(f"no sample with key {key!r} in dataset {dataset_id}")
    return sample_from_row(row)


def list_samples(
    db: Database, user: User, dataset_id: int, *, limit: int = 100, cursor: str | None = None
) -> Page[Sample]:
    check_limit(limit)
    with db.read() as conn:
        access.dataset_row(conn, user, dataset_id)
        rows = conn.execute(
            select(samples)
            .where(samples.c.dataset_id == dataset_id, samples.c.id > decode_cursor(cursor))
            .order_by(samples.c.id)
            .limit(limit + 1)
        ).all()
    page = page_of(rows, limit, lambda r: int(r.id))
    return Page([sample_from_row(r) for r in page.items], page.next_cursor)


def image_of(db: Database, user: User, sample_id: int, store: SampleStore) -> ImageSource:
    sample = get(db, user, sample_id)
    if sample.url:
        return ImageSource(url=sample.url)
    if sample.blob:
        path = store.blobs.local_path(sample.blob)
        if path is None:
            raise NotFound(f"the image of sample {sample_id} is missing from the blob store")
        return ImageSource(file=path)
    assert sample.path is not None
    try:
        return ImageSource(file=_media_file(store, sample.path))
    except ValueError as exc:
        raise NotFound(f"the image of sample {sample_id}: {exc}") from None
