"""The local content-addressed blob store."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from predhub.store.blobs import BlobStore, LocalBlobStore


def test_put_get_is_content_addressed(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    assert isinstance(store, BlobStore)
    data = b"\x89PNG not really"
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.put(data) == sha  # idempotent
    assert store.get(sha) == data and store.exists(sha)
    path = store.local_path(sha)
    assert path is not None and path.read_bytes() == data and path.parent.parent.name == sha[:2]
    assert [p for p in path.parent.iterdir() if p.name.startswith(".tmp")] == []


def test_absent_and_malformed_names(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(KeyError):
        store.get("0" * 64)
    assert not store.exists("../../etc/passwd")
    with pytest.raises(KeyError):
        store.get("../../etc/passwd")
