"""Label Studio's brush RLE, bit for bit as ``label_studio_converter/brush.py`` writes and reads it.

The codec is thi.ng's ``rle-pack``: a bit stream, most significant bit first, made of a header —
32-bit value count, 5-bit word size minus one, four 4-bit run-length field sizes minus one — and then
groups. A group starts with one bit: 1 = a run (2-bit size index, run length minus one in that many
bits, one word repeated), 0 = literals (2-bit size index, count minus one, that many words). The byte
list is the stream padded with zero bits; the reference pads with ``8 - len % 8`` bits, so a stream
that already fills whole bytes gets one extra zero byte, and we do the same to stay byte-identical.

A mask is encoded as an RGBA image flattened row-major (H·W·4 values, each pixel's value repeated in
the four channels, as ``mask2rle`` does); readers keep only the alpha channel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from predhub.core import FieldError

__all__ = ["decode_rle", "encode_rle", "mask_from_rle", "mask_to_rle"]

# The reference encoder's fixed parameters: 8-bit words, run-length fields of 3, 4, 8 and 16 bits.
_WORD_SIZE = 8
_RLE_SIZES = (3, 4, 8, 16)


def encode_rle(values: npt.ArrayLike) -> list[int]:
    """``brush.encode_rle`` with its default parameters: a 1-D array of 0..255 values to byte list."""
    arr = np.asarray(values).ravel()
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError("brush RLE words are 8-bit: values must lie in 0..255")
    header = f"{arr.size:032b}{_WORD_SIZE - 1:05b}" + "".join(f"{s - 1:04b}" for s in _RLE_SIZES)
    parts = [header]
    if arr.size:
        change = np.flatnonzero(arr[1:] != arr[:-1])
        ends = np.append(change, arr.size - 1)
        lengths = np.diff(np.append(-1, ends))
        for length, value in zip(lengths.tolist(), arr[ends].tolist(), strict=True):
            parts.append(_run_bits(int(length), int(value)))
    bits = "".join(parts)
    bits += "0" * (8 - len(bits) % 8)
    return list(int(bits, 2).to_bytes(len(bits) // 8, "big"))


def _run_bits(length: int, value: int) -> str:
    word = f"{value:08b}"
    if length == 1:
        return "0" + "00" + "000" + word  # a literal group of one word
    if length <= 8:
        return f"100{length - 1:03b}{word}"
    if length <= 16:
        return f"101{length - 1:04b}{word}"
    if length <= 256:
        return f"110{length - 1:08b}{word}"
    out = []
    # Runs longer than the 16-bit field are split into full 65536-long runs plus the remainder.
    while length > 2**16:
        out.append(f"111{2**16 - 1:016b}{word}")
        length -= 2**16
    out.append(f"111{length - 1:016b}{word}")
    return "".join(out)


def decode_rle(rle: list[int] | bytes, expected: int | None = None) -> npt.NDArray[np.uint8]:
    """``brush.decode_rle``: the byte list back to the flat value array.

    ``expected`` is the value count the caller knows (H·W·4); a header saying otherwise is refused
    before anything is allocated, so a hostile header cannot ask for gigabytes.
    """
    try:
        data = bytes(rle)
    except (TypeError, ValueError) as exc:
        raise ValueError("brush RLE must be a list of bytes 0..255") from exc
    bits = bin(int.from_bytes(data, "big"))[2:].zfill(len(data) * 8) if data else ""
    pos = 0

    def read(n: int) -> int:
        nonlocal pos
        if pos + n > len(bits):
            raise ValueError("brush RLE is truncated")
        value = int(bits[pos : pos + n], 2) if n else 0
        pos += n
        return value

    num = read(32)
    word_size = read(5) + 1
    sizes = [read(4) + 1 for _ in range(4)]
    if expected is not None and num != expected:
        raise ValueError(f"brush RLE holds {num} values, expected {expected}")
    if word_size > 8:
        raise ValueError(f"brush RLE word size {word_size} is not 8-bit")
    out = np.zeros(num, dtype=np.uint8)
    i = 0
    while i < num:
        is_run = read(1)
        j = i + 1 + read(sizes[read(2)])
        if j > num:
            raise ValueError("brush RLE runs past its value count")
        if is_run:
            out[i:j] = read(word_size)
            i = j
        else:
            while i < j:
                out[i] = read(word_size)
                i += 1
    return out


def mask_to_rle(mask: npt.ArrayLike) -> list[int]:
    """A binary (H, W) mask as Label Studio brush RLE (255 on the mask, in all four channels)."""
    arr = np.asarray(mask)
    if arr.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {arr.shape}")
    return encode_rle(np.repeat(np.where(arr != 0, 255, 0).astype(np.uint8).ravel(), 4))


def mask_from_rle(rle: list[int], width: int, height: int, path: str = "rle") -> npt.NDArray[np.bool_]:
    """Decode brush RLE of a ``width`` × ``height`` image to a boolean mask (alpha > 0)."""
    try:
        flat = decode_rle(rle, expected=width * height * 4)
    except ValueError as exc:
        raise FieldError(path, str(exc)) from exc
    return np.asarray(flat.reshape(height, width, 4)[:, :, 3] > 0)
