"""PNG masks in and out, with the pixel-count check done on the header before any pixel is decoded.

Used by the Labelbox (PNG + colour), Segments (RGBA instance-id bitmap), Supervisely (zlib'd PNG crop)
and OpenLABEL (base64 PNG) converters. Bytes in, arrays out: fetching is :mod:`predhub.formats.fetch`.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import numpy.typing as npt
from PIL import Image

from predhub.core import FieldError

__all__ = [
    "decode_png",
    "encode_png",
    "id_bitmap_from_png",
    "id_bitmap_to_png",
    "mask_from_png",
    "png_size",
]

DEFAULT_MAX_PIXELS = 100_000_000


def png_size(data: bytes, path: str = "png") -> tuple[int, int]:
    """(width, height) from the image header only."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return int(im.size[0]), int(im.size[1])
    except Exception as exc:  # PIL raises a zoo of types for bad input
        raise FieldError(path, f"is not a readable image ({exc})") from exc


def decode_png(data: bytes, path: str = "png", max_pixels: int = DEFAULT_MAX_PIXELS) -> npt.NDArray[np.uint8]:
    """Decode an image to an (H, W) or (H, W, C) uint8 array, refusing more than ``max_pixels`` pixels
    before decoding (a small file can declare a huge image: a decompression bomb)."""
    width, height = png_size(data, path)
    if width * height > max_pixels:
        raise FieldError(path, f"image of {width}x{height} pixels exceeds the limit of {max_pixels}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                im: Image.Image = opened
                if im.mode == "P":
                    # Palette images: keep transparency as alpha (Supervisely writes transparency=0).
                    im = im.convert("RGBA") if "transparency" in im.info else im.convert("RGB")
                elif im.mode in ("1", "I", "I;16", "F"):
                    im = im.convert("L")
                elif im.mode not in ("L", "LA", "RGB", "RGBA"):
                    im = im.convert("RGBA")
                return np.asarray(im, dtype=np.uint8)
    except Exception as exc:
        raise FieldError(path, f"is not a readable image ({exc})") from exc


def mask_from_png(
    data: bytes,
    path: str = "png",
    color: tuple[int, int, int] | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> npt.NDArray[np.bool_]:
    """Binary mask of an image: the pixels equal to ``color`` (Labelbox composite masks), or, with no
    colour, every pixel that is set (non-zero grey, or non-zero alpha where the image has alpha)."""
    arr = decode_png(data, path, max_pixels)
    if color is not None:
        if arr.ndim == 2:
            return np.asarray(arr == color[0])  # a grey PNG with colour [v, v, v]
        return np.asarray((arr[..., :3] == np.asarray(color, dtype=np.uint8)).all(axis=-1))
    if arr.ndim == 2:
        return np.asarray(arr != 0)
    if arr.shape[2] in (2, 4):
        return np.asarray(arr[..., -1] != 0)
    return np.asarray(arr.any(axis=-1))


def encode_png(mask: npt.NDArray[np.bool_] | npt.NDArray[np.uint8], *, palette: bool = False) -> bytes:
    """A binary mask as a grey PNG, 255 on the mask (or, with ``palette``, Supervisely's 2-colour
    palette PNG whose index 0 is transparent)."""
    arr = np.asarray(mask)
    buf = io.BytesIO()
    if palette:
        im = Image.fromarray((arr != 0).astype(np.uint8))
        im.putpalette([0, 0, 0, 255, 255, 255])  # turns the "L" image into "P"
        im.save(buf, format="PNG", transparency=0)
    else:
        Image.fromarray(np.where(arr != 0, 255, 0).astype(np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def id_bitmap_from_png(
    data: bytes, path: str = "png", max_pixels: int = DEFAULT_MAX_PIXELS
) -> npt.NDArray[np.uint32]:
    """Segments.ai instance bitmap: RGBA PNG, id = R + 256·G + 65536·B, 0 unlabelled."""
    arr = decode_png(data, path, max_pixels)
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise FieldError(path, "must be an RGB(A) PNG holding instance ids")
    rgb = arr[..., :3].astype(np.uint32)
    out: npt.NDArray[np.uint32] = rgb[..., 0] + (rgb[..., 1] << 8) + (rgb[..., 2] << 16)
    return out


def id_bitmap_to_png(ids: npt.NDArray[np.uint32]) -> bytes:
    """Inverse of :func:`id_bitmap_from_png`, alpha 255 everywhere (as ``segments.utils.bitmap2file``)."""
    ids = np.asarray(ids, dtype=np.uint32)
    rgba = np.empty((*ids.shape, 4), dtype=np.uint8)
    rgba[..., 0] = ids & 0xFF
    rgba[..., 1] = (ids >> 8) & 0xFF
    rgba[..., 2] = (ids >> 16) & 0xFF
    rgba[..., 3] = 255
    buf = io.BytesIO()
    Image.fromarray(rgba).save(buf, format="PNG")
    return buf.getvalue()
