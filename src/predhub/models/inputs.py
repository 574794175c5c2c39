"""predict()'s ``input``: what it may be, checked up front, then decoded lazily in order.

:func:`resolve_inputs` turns the user's input into a list of :class:`ImageRef` and
:class:`VideoRef` and rejects a bad one before any work starts (``input[2]: no such file``);
:func:`iter_images` then decodes them one by one, in the loading thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from predhub.models.errors import InputError
from predhub.models.runner import ImageArray
from predhub.models.video import VIDEO_EXTENSIONS, FrameSelection, Video, read_frames, video_info

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageRef",
    "InputItem",
    "VideoRef",
    "count_images",
    "decode_bytes",
    "decode_file",
    "iter_images",
    "load_ref",
    "resolve_inputs",
    "to_rgb",
    "url_allowed",
]

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"})


@dataclass(frozen=True, slots=True, eq=False)
class ImageRef:
    """One image to predict on, before decoding; ``index`` is its position in the input list."""

    index: int
    source: str
    path: Path | None = None
    url: str | None = None
    array: ImageArray | None = None
    frame_index: int | None = None
    #: For images held by a hub: where they come from and how to fetch their bytes.
    sample_id: int | None = None
    sample_key: str | None = None
    dataset_id: int | None = None
    fetch: Callable[[], bytes] | None = None


@dataclass(frozen=True, slots=True)
class VideoRef:
    index: int
    path: Path
    frames: range


InputItem = ImageRef | VideoRef


def to_rgb(value: Any, field: str) -> ImageArray:
    """A numpy HWC RGB uint8 array (grey (H, W) and RGBA accepted) or a PIL image, as (H, W, 3)."""
    from PIL import Image

    if isinstance(value, Image.Image):
        return np.asarray(value.convert("RGB"))
    array = np.asarray(value)
    if array.dtype != np.uint8:
        raise InputError(field, f"a numpy image must be uint8 (0-255), got {array.dtype}")
    if array.ndim == 2:
        return np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4) or 0 in array.shape:
        raise InputError(field, f"a numpy image must be (H, W, 3) RGB, got shape {array.shape}")
    return np.ascontiguousarray(array[:, :, :3])


def decode_bytes(data: bytes, field: str, what: str) -> ImageArray:
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(field, f"cannot decode {what} as an image: {exc}") from exc


def decode_file(path: Path, field: str = "input") -> ImageArray:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(field, f"cannot read {str(path)!r}: {exc.strerror}") from exc
    return decode_bytes(data, field, repr(str(path)))


def url_allowed(url: str, allowlist: Sequence[str]) -> bool:
    """Whether ``url`` is under one of the allowed prefixes (same scheme and host, path prefix)."""
    parts = urlsplit(url)
    for allowed in allowlist:
        prefix = urlsplit(allowed)
        if (
            parts.scheme == prefix.scheme
            and parts.netloc.lower() == prefix.netloc.lower()
            and parts.path.startswith(prefix.path or "/")
        ):
            return True
    return False


def _path_item(
    index: int, field: str, path: Path, recursive: bool, frames: FrameSelection
) -> list[InputItem]:
    if path.is_dir():
        pattern = "**/*" if recursive else "*"
        files = sorted(p for p in path.glob(pattern) if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
        if not files:
            hint = "" if recursive else " (pass recursive=True to look in sub-folders)"
            raise InputError(field, f"no images in folder {str(path)!r}{hint}")
        return [ImageRef(index, str(p), path=p) for p in files]
    if not path.is_file():
        raise InputError(field, f"no such file or folder {str(path)!r}")
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        count, fps = video_info(path, field)
        return [VideoRef(index, path, frames.indices(count, fps))]
    if suffix not in IMAGE_EXTENSIONS:
        known = ", ".join(sorted(IMAGE_EXTENSIONS | VIDEO_EXTENSIONS))
        raise InputError(field, f"{path.name}: not an image or video extension (known: {known})")
    return [ImageRef(index, str(path), path=path)]


def _one(
    value: Any, index: int, field: str, recursive: bool, frames: FrameSelection, allowlist: Sequence[str]
) -> list[InputItem]:
    from PIL import Image

    if isinstance(value, Video):
        try:
            return _path_item(index, field, Path(value.path), False, value.frames)
        except InputError as exc:
            raise InputError(field, exc.message) from exc
    if isinstance(value, str) and "://" in value:
        scheme = urlsplit(value).scheme
        if scheme not in ("http", "https"):
            raise InputError(field, f"only http(s) URLs can be fetched, got {scheme}://")
        if not url_allowed(value, allowlist):
            raise InputError(
                field,
                f"URL {value!r} is not in the URL allow-list (none is allowed by default; "
                "deploy(..., url_allowlist=[...]) or PREDHUB_URL_ALLOWLIST adds prefixes)",
            )
        return [ImageRef(index, value, url=value)]
    if isinstance(value, str | Path):
        return _path_item(index, field, Path(value), recursive, frames)
    if isinstance(value, Image.Image):
        return [ImageRef(index, "<PIL image>", array=to_rgb(value, field))]
    if isinstance(value, np.ndarray):
        return [ImageRef(index, "<numpy array>", array=to_rgb(value, field))]
    if isinstance(value, ImageRef):
        return [value]
    image_refs = getattr(value, "image_refs", None)
    if callable(image_refs):  # HubSamples, or any provider of image references
        refs: list[InputItem] = list(image_refs(index))
        if not refs:
            raise InputError(field, "selects no samples")
        return refs
    raise InputError(
        field,
        f"cannot predict on a {type(value).__name__}: give a path, folder, video, URL, PIL image, "
        "numpy HWC RGB array, or a list of these",
    )


def resolve_inputs(
    input: Any,
    *,
    recursive: bool = False,
    frames: FrameSelection | None = None,
    url_allowlist: Sequence[str] = (),
) -> list[InputItem]:
    """Every image and video ``input`` names, checked; nothing is decoded yet."""
    frames = frames or FrameSelection()
    if input is None:
        raise InputError("input", "nothing to predict on")
    if isinstance(input, list | tuple):
        if not input:
            raise InputError("input", "the list is empty")
        items: list[InputItem] = []
        for i, value in enumerate(input):
            items.extend(_one(value, i, f"input[{i}]", recursive, frames, url_allowlist))
        return items
    return _one(input, 0, "input", recursive, frames, url_allowlist)


def count_images(items: Sequence[InputItem]) -> int:
    return sum(len(item.frames) if isinstance(item, VideoRef) else 1 for item in items)


def _fetch_url(url: str, field: str) -> bytes:
    import httpx

    try:
        response = httpx.get(url, timeout=30.0, follow_redirects=False)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise InputError(field, f"cannot fetch {url!r}: {exc}") from exc
    return response.content


def load_ref(ref: ImageRef, field: str) -> ImageArray:
    """Decode one image reference to an RGB array."""
    if ref.array is not None:
        return ref.array
    if ref.path is not None:
        return decode_file(ref.path, field)
    if ref.url is not None:
        return decode_bytes(_fetch_url(ref.url, field), field, repr(ref.url))
    if ref.fetch is not None:
        return decode_bytes(ref.fetch(), field, f"sample {ref.sample_key!r}")
    raise InputError(field, "image reference names no source")


def iter_images(items: Sequence[InputItem], single: bool = False) -> Iterator[tuple[ImageRef, ImageArray]]:
    """Each image (or selected video frame) decoded, in input order."""
    for item in items:
        field = "input" if single else f"input[{item.index}]"
        if isinstance(item, VideoRef):
            for frame_index, frame in read_frames(item.path, item.frames):
                yield ImageRef(item.index, str(item.path), path=item.path, frame_index=frame_index), frame
        else:
            yield item, load_ref(item, field)
