"""Thumbnails for the gallery grid: made once per sample and size, then served from a cache folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from PIL import Image

from predhub.services import samples
from predhub.services.auth import User
from predhub.services.errors import Invalid
from predhub.services.samples import ImageSource, SampleStore
from predhub.store.db import Database

__all__ = ["THUMBNAIL_SIZES", "forget", "thumbnail"]

# A small fixed set, so the cache cannot be grown without bound by asking for every size.
THUMBNAIL_SIZES = (128, 256, 512)


def thumbnail(
    db: Database, user: User, sample_id: int, store: SampleStore, cache_dir: Path, size: int = 256
) -> ImageSource:
    """A JPEG at most ``size`` pixels on its longer side; images behind a URL are served as they are."""
    if size not in THUMBNAIL_SIZES:
        raise Invalid.field("size", f"must be one of {list(THUMBNAIL_SIZES)}")
    source = samples.image_of(db, user, sample_id, store)
    if source.file is None:
        return source
    # Named by the image file too: a sample id can come back after a delete (SQLite reuses the
    # highest rowid), and must not be served the thumbnail of the image that had it before.
    digest = hashlib.sha1(str(source.file).encode(), usedforsecurity=False).hexdigest()[:16]
    target = cache_dir / str(size) / f"{sample_id}-{digest}.jpg"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(source.file) as image:
            image.draft("RGB", (size, size))  # JPEG decodes at a reduced scale: much faster
            small = image.convert("RGB")
            small.thumbnail((size, size))
        # Write to a temporary name and rename, so a concurrent reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".jpg")
        with os.fdopen(fd, "wb") as out:
            small.save(out, "JPEG", quality=82)
        os.replace(tmp, target)
    return ImageSource(file=target)


def forget(cache_dir: Path, sample_id: int) -> None:
    """Remove a deleted sample's cached thumbnails."""
    for size in THUMBNAIL_SIZES:
        for path in (cache_dir / str(size)).glob(f"{sample_id}-*.jpg"):
            path.unlink(missing_ok=True)
