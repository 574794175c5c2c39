"""A fast path for the commonest COCO results file: a flat array of box detections.

Parsing 400,000 detections into Python dicts costs more than evaluating them, so files of the plain
shape ``[{"image_id": int, "category_id": int, "bbox": [x, y, w, h], "score": number, ...}, ...]``
are scanned straight into numpy columns by a compiled tokenizer. Anything else — a segmentation, a
string, a nested object, a missing or repeated key, a non-integer id — makes the scan give up, and the
caller parses the file with orjson as usual (which also produces the precise error messages).

Numbers must come out exactly as Python's correctly rounded ``float()`` would give them: integers and
decimals with at most 15 significant digits and a power of ten within ±22 are converted in the kernel
(Clinger's fast path: one exact multiplication or division, correctly rounded by IEEE); all others
are handed to ``float()`` on their text.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = ["scan_box_results"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

_POW10 = np.array([10.0**k for k in range(23)], dtype=np.float64)

# keys we read; any other key's scalar or flat-array value is skipped
_K_IMAGE, _K_CAT, _K_BBOX, _K_SCORE, _K_OTHER = 0, 1, 2, 3, 4


@numba.njit(cache=True, nogil=True, inline="always")
def _ws(buf: npt.NDArray[np.uint8], p: int) -> int:  # pragma: no cover - jitted
    n = len(buf)
    while p < n and (buf[p] == 32 or buf[p] == 10 or buf[p] == 13 or buf[p] == 9):
        p += 1
    return p


@numba.njit(cache=True, nogil=True)
def _number(
    buf: npt.NDArray[np.uint8], p: int, pow10: F64
) -> tuple[int, float, bool, bool, int]:  # pragma: no cover - jitted
    """Scan a JSON number at p → (end, value, exact, is_integer, int_value); exact False means the
    caller must convert the text with float()."""
    n = len(buf)
    neg = False
    if p < n and buf[p] == 45:  # '-'
        neg = True
        p += 1
    mant = np.int64(0)
    digits = 0
    int_digits = 0
    frac = 0
    seen = False
    first = p
    while p < n and 48 <= buf[p] <= 57:
        seen = True
        if mant != 0 or buf[p] != 48:
            digits += 1
            if digits <= 18:
                mant = mant * 10 + (buf[p] - 48)
        int_digits += 1
        p += 1
    if int_digits == 0 or (int_digits > 1 and buf[first] == 48):
        return -1, 0.0, False, False, 0  # JSON: no leading zeros, a digit before any '.'
    is_int = True
    if p < n and buf[p] == 46:  # '.'
        is_int = False
        p += 1
        if not (p < n and 48 <= buf[p] <= 57):
            return -1, 0.0, False, False, 0
        while p < n and 48 <= buf[p] <= 57:
            seen = True
            if mant != 0 or buf[p] != 48:
                digits += 1
                if digits <= 18:
                    mant = mant * 10 + (buf[p] - 48)
            if digits <= 18:
                frac += 1
            p += 1
    exp = 0
    if p < n and (buf[p] == 101 or buf[p] == 69):  # e / E
        is_int = False
        p += 1
        eneg = False
        if p < n and (buf[p] == 43 or buf[p] == 45):
            eneg = buf[p] == 45
            p += 1
        ev = 0
        if not (p < n and 48 <= buf[p] <= 57):
            return -1, 0.0, False, False, 0
        while p < n and 48 <= buf[p] <= 57:
            if ev < 10000:
                ev = ev * 10 + (buf[p] - 48)
            p += 1
        exp = -ev if eneg else ev
    if not seen:
        return -1, 0.0, False, False, 0
    if neg and mant == 0:
        return p, 0.0, False, is_int, 0  # -0: float() keeps the sign; let it decide
    if is_int and digits <= 18:
        v = -mant if neg else mant
        return p, float(v), digits <= 15, True, int(v)
    if digits > 15:
        return p, 0.0, False, False, 0
    e10 = exp - frac
    value = float(mant)
    if e10 < 0:
        if -e10 > 22:
            return p, 0.0, False, False, 0
        value = value / pow10[-e10]
    elif e10 > 0:
        if e10 > 22:
            return p, 0.0, False, False, 0
        value = value * pow10[e10]
    if neg:
        value = -value
    return p, value, True, False, 0


@numba.njit(cache=True, nogil=True)
def _key(buf: npt.NDArray[np.uint8], p: int) -> tuple[int, int]:  # pragma: no cover - jitted
    """Scan a key string at p (just after the quote) → (position after the closing quote, key code);
    -1 position when the key has escapes."""
    n = len(buf)
    s = p
    while p < n and buf[p] != 34:
        if buf[p] == 92:  # backslash
            return -1, 0
        p += 1
    if p >= n:
        return -1, 0
    length = p - s
    code = _K_OTHER
    if length == 8 and buf[s] == 105 and buf[s + 6] == 105 and buf[s + 7] == 100:  # image_id
        if buf[s + 1] == 109 and buf[s + 5] == 95:
            code = _K_IMAGE
    elif length == 11 and buf[s] == 99 and buf[s + 8] == 95 and buf[s + 9] == 105:  # category_id
        code = _K_CAT
    elif length == 4 and buf[s] == 98 and buf[s + 1] == 98 and buf[s + 2] == 111 and buf[s + 3] == 120:
        code = _K_BBOX
    elif length == 5 and buf[s] == 115 and buf[s + 1] == 99 and buf[s + 4] == 101:  # score
        code = _K_SCORE
    elif length == 12 and buf[s] == 115 and buf[s + 1] == 101 and buf[s + 2] == 103:  # segmentation
        code = -2
    return p + 1, code


@numba.njit(cache=True, nogil=True)
def _grow(slow: I64) -> I64:  # pragma: no cover - jitted
    out = np.empty((2 * len(slow), 4), dtype=np.int64)
    out[: len(slow)] = slow
    return out


@numba.njit(cache=True, nogil=True)
def _scan(
    buf: npt.NDArray[np.uint8], pow10: F64
) -> tuple[bool, int, int, I64, I64, F64, F64, I64]:  # pragma: no cover - jitted
    # Returns ok, the record count, the slow-number count, image ids, category ids, boxes (N, 4),
    # scores, and the numbers that need float(): `slow` rows are (record, slot 0..4 = bbox[0..3] /
    # score, start, end). Arrays are over-allocated; the counts say how much is filled.
    n = len(buf)
    cap = n // 40 + 16
    image = np.empty(cap, dtype=np.int64)
    cat = np.empty(cap, dtype=np.int64)
    box = np.empty((cap, 4), dtype=np.float64)
    score = np.empty(cap, dtype=np.float64)
    slow = np.empty((1024, 4), dtype=np.int64)
    n_slow = 0
    fail = (False, 0, 0, image, cat, box, score, slow)
    p = _ws(buf, 0)
    if p >= n or buf[p] != 91:  # '['
        return fail
    p = _ws(buf, p + 1)
    rec = 0
    if p < n and buf[p] == 93:
        p = _ws(buf, p + 1)
        if p != n:
            return fail
        return True, 0, 0, image, cat, box, score, slow
    while True:
        if p >= n or buf[p] != 123:  # '{'
            return fail
        if rec >= cap:
            return fail  # denser than any sane results file; let orjson take it
        p = _ws(buf, p + 1)
        seen = 0
        while True:
            if p >= n or buf[p] != 34:
                return fail
            p, code = _key(buf, p + 1)
            if p < 0 or code == -2:
                return fail
            p = _ws(buf, p)
            if p >= n or buf[p] != 58:  # ':'
                return fail
            p = _ws(buf, p + 1)
            if code == _K_IMAGE or code == _K_CAT:  # noqa: SIM109 - numba compiles this form
                if seen & (1 << code):
                    return fail
                seen |= 1 << code
                p2, _v, _exact, is_int, iv = _number(buf, p, pow10)
                if p2 < 0 or not is_int:
                    return fail
                if code == _K_IMAGE:
                    image[rec] = iv
                else:
                    cat[rec] = iv
                p = p2
            elif code == _K_SCORE:
                if seen & (1 << code):
                    return fail
                seen |= 1 << code
                p2, v, exact, _is_int, _iv = _number(buf, p, pow10)
                if p2 < 0:
                    return fail
                if not exact:
                    if n_slow >= len(slow):
                        slow = _grow(slow)
                    slow[n_slow, 0] = rec
                    slow[n_slow, 1] = 4
                    slow[n_slow, 2] = p
                    slow[n_slow, 3] = p2
                    n_slow += 1
                score[rec] = v
                p = p2
            elif code == _K_BBOX:
                if seen & (1 << code) or p >= n or buf[p] != 91:
                    return fail
                seen |= 1 << code
                p = _ws(buf, p + 1)
                for j in range(4):
                    p2, v, exact, _is_int, _iv = _number(buf, p, pow10)
                    if p2 < 0:
                        return fail
                    if not exact:
                        if n_slow >= len(slow):
                            slow = _grow(slow)
                        slow[n_slow, 0] = rec
                        slow[n_slow, 1] = j
                        slow[n_slow, 2] = p
                        slow[n_slow, 3] = p2
                        n_slow += 1
                    box[rec, j] = v
                    p = _ws(buf, p2)
                    if j < 3:
                        if p >= n or buf[p] != 44:
                            return fail
                        p = _ws(buf, p + 1)
                if p >= n or buf[p] != 93:
                    return fail
                p += 1
            else:
                # another key: a number, or a flat array of numbers, is skipped
                if p < n and buf[p] == 91:
                    p = _ws(buf, p + 1)
                    if p < n and buf[p] == 93:
                        p += 1
                    else:
                        while True:
                            p2, _v, _e, _i, _iv = _number(buf, p, pow10)
                            if p2 < 0:
                                return fail
                            p = _ws(buf, p2)
                            if p < n and buf[p] == 44:
                                p = _ws(buf, p + 1)
                                continue
                            if p < n and buf[p] == 93:
                                p += 1
                                break
                            return fail
                else:
                    p2, _v, _e, _i, _iv = _number(buf, p, pow10)
                    if p2 < 0:
                        return fail
                    p = p2
            p = _ws(buf, p)
            if p < n and buf[p] == 44:
                p = _ws(buf, p + 1)
                continue
            if p < n and buf[p] == 125:  # '}'
                p += 1
                break
            return fail
        if seen != 15:
            return fail  # a key is missing: the slow path names the record
        rec += 1
        p = _ws(buf, p)
        if p < n and buf[p] == 44:
            p = _ws(buf, p + 1)
            continue
        if p < n and buf[p] == 93:
            p = _ws(buf, p + 1)
            break
        return fail
    if p != n:
        return fail
    return True, rec, n_slow, image, cat, box, score, slow


def scan_box_results(data: bytes) -> tuple[I64, I64, F64, F64] | None:
    """(image_id, category_id, bbox (N, 4), score) of a plain box results file, or None."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ok, n, n_slow, image, cat, box, score, slow = _scan(buf, _POW10)
    if not ok:
        return None
    image, cat, box, score, slow = image[:n], cat[:n], box[:n], score[:n], slow[:n_slow]
    if len(slow):
        values = [float(data[s:e]) for s, e in zip(slow[:, 2].tolist(), slow[:, 3].tolist(), strict=True)]
        vals = np.asarray(values, dtype=np.float64)
        rows, slots = slow[:, 0], slow[:, 1]
        is_score = slots == 4
        score[rows[is_score]] = vals[is_score]
        box[rows[~is_score], slots[~is_score]] = vals[~is_score]
    return image.copy(), cat.copy(), np.ascontiguousarray(box), score.copy()
