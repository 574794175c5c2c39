import pytest

from predhub.search import And, Comparison, Not, Or, QuerySyntaxError, SortKey, parse_query, parse_sort


def test_segments_style_query() -> None:
    assert parse_query("ground-truth.car:>0 my-predictions.car:=0") == And(
        (
            Comparison(("ground-truth", "car"), ">", 0.0, 0),
            Comparison(("my-predictions", "car"), "=", 0.0, 20),
        )
    )


def test_precedence_and_grouping() -> None:
    text = '(metadata.weather:rain OR metadata.weather:"light snow") AND NOT status:reviewed'
    q = parse_query(text)
    assert q == And(
        (
            Or(
                (
                    Comparison(("metadata", "weather"), "=", "rain", 1),
                    Comparison(("metadata", "weather"), "=", "light snow", text.index("metadata", 2)),
                )
            ),
            Not(Comparison(("status",), "=", "reviewed", text.index("status"))),
        )
    )
    assert parse_query("a:1 OR b:2 c:3") == Or(
        (
            Comparison(("a",), "=", 1.0, 0),
            And((Comparison(("b",), "=", 2.0, 7), Comparison(("c",), "=", 3.0, 11))),
        )
    )


def test_quoted_names_and_operators() -> None:
    q = parse_query('"ground truth"."traffic light":>=2.5')
    assert q == Comparison(("ground truth", "traffic light"), ">=", 2.5, 0)
    assert parse_query("m.score:!=0.5") == Comparison(("m", "score"), "!=", 0.5, 0)


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("", 0, "empty query"),
        ("gt.car>0", 6, "expected ':'"),
        ("gt.car:", 7, "expected a value"),
        ("(gt.car:>0", 10, "expected ')'"),
        ("gt.car:>0 OR", 12, "expected a field name"),
        ("gt.car:>red", 8, "needs a number"),
        ('gt."car:>0', 3, "unterminated string"),
        ("gt.:1", 3, "expected a name after '.'"),
        ("gt.car:1 )", 9, "unexpected ')'"),
    ],
)
def test_errors_point_at_the_position(query: str, position: int, message: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert info.value.position == position
    assert message in info.value.message


def test_sort_keys() -> None:
    assert parse_sort("my-model.disagreement:desc, key") == [
        SortKey(("my-model", "disagreement"), True),
        SortKey(("key",), False),
    ]
    with pytest.raises(QuerySyntaxError):
        parse_sort("a,,b")
