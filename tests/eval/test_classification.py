from __future__ import annotations

import pytest

from predhub.core import Answer, Classification, Label
from predhub.eval import (
    ChoiceResult,
    TextResult,
    character_error_rate,
    edit_distance,
    evaluate_classifications,
)


def test_edit_distance_and_cer() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3
    assert character_error_rate(["abcd", "xy"], ["abXd", "xy"]) == pytest.approx(1 / 6)


def test_single_multi_nested_and_text() -> None:
    def weather(ans: str, intensity: str | None = None) -> Classification:
        follow = [Classification.single("intensity", intensity)] if intensity else []
        return Classification.single("weather", Answer(ans, classifications=follow))

    gt = [
        Label("1", classifications=[weather("rain", "heavy"), Classification.multi("tags", ["car", "bus"]),
                                    Classification.free_text("plate", "AB123")]),
        Label("2", classifications=[weather("sun"), Classification.multi("tags", ["car"]),
                                    Classification.free_text("plate", "XY9")]),
        Label("3", classifications=[weather("rain", "light")]),
    ]  # fmt: skip
    pred = [
        Label("1", classifications=[weather("rain", "light"), Classification.multi("tags", ["car", "bus"]),
                                    Classification.free_text("plate", "AB128")]),
        Label("2", classifications=[weather("rain", "heavy"), Classification.multi("tags", ["car", "truck"]),
                                    Classification.free_text("plate", "XY9")]),
    ]  # fmt: skip
    res = evaluate_classifications(gt, pred).questions
    w = res["weather"]
    assert isinstance(w, ChoiceResult)
    assert w.accuracy == pytest.approx(1 / 3)  # sample 3 has no prediction: <none>
    assert w.confusion is not None and w.confusion.classes == ["rain", "sun", "<none>"]
    assert w.confusion.objects("sun", "rain")[0].tolist() == ["2"]
    assert w.precision["rain"] == pytest.approx(0.5) and w.recall["rain"] == pytest.approx(0.5)
    nested = res["weather/rain/intensity"]
    assert isinstance(nested, ChoiceResult) and nested.samples == 2 and nested.accuracy == 0.0
    tags = res["tags"]
    assert isinstance(tags, ChoiceResult) and tags.accuracy == 0.5
    assert tags.precision["truck"] == 0.0 and tags.recall["car"] == 1.0
    plate = res["plate"]
    assert isinstance(plate, TextResult)
    assert plate.exact_match == 0.5 and plate.cer == pytest.approx(1 / 8)
