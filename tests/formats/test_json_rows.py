"""Column-at-a-time JSON: every token is what orjson writes for that value alone."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predhub.formats.json_rows import number_tokens, per_row, string_tokens, write_rows

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(floats, floats, floats), max_size=40))
def test_number_tokens_are_each_row_dumped_alone(rows: list[tuple[float, float, float]]) -> None:
    columns = [np.array([r[k] for r in rows], dtype=np.float64) for k in range(3)]
    assert number_tokens(columns) == [orjson.dumps(list(r))[1:-1] for r in rows]
    assert number_tokens(columns[:2]) == [orjson.dumps(list(r[:2]))[1:-1] for r in rows]
    assert number_tokens(columns[:1]) == [orjson.dumps(r[0]) for r in rows]


def test_number_tokens_take_integers_and_strided_views() -> None:
    matrix = np.arange(12, dtype=np.int64).reshape(3, 4) * 10**12
    assert number_tokens([matrix[:, 1], matrix[:, 3]]) == [
        b"1000000000000,3000000000000",
        *[orjson.dumps(int(a)) + b"," + orjson.dumps(int(b)) for a, b in matrix[1:, [1, 3]].tolist()],
    ]
    assert number_tokens([matrix[:, 0]]) == [b"0", b"4000000000000", b"8000000000000"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=30))
def test_string_tokens_are_each_string_dumped_alone_without_quotes(values: list[str]) -> None:
    assert string_tokens(values) == [orjson.dumps(v)[1:-1] for v in values]


def test_string_tokens_keep_the_characters_they_are_cut_at() -> None:
    tricky = ['","', '"', "\\", 'a\\",\\"b', "", "é\n\u2028"]
    assert string_tokens(tricky) == [orjson.dumps(v)[1:-1] for v in tricky]


def test_per_row_repeats_each_label_value_for_its_objects() -> None:
    assert per_row([b"a", b"b", b"c"], [2, 0, 3]) == [b"a", b"a", b"c", b"c", b"c"]


def test_write_rows_interleaves_constants_and_columns() -> None:
    body = write_rows([b"{", [b"1", b"2", b"3"], b":", [b"a", b"b", b"c"], b"}"], 3, b",\n")
    assert body == b"{1:a},\n{2:b},\n{3:c}"
    assert write_rows([b"x", []], 0, b"\n") == b""
    with pytest.raises(ValueError, match="part 1 has 2 tokens for 3 records"):
        write_rows([b"x", [b"1", b"2"]], 3, b"\n")
