import pytest

from predhub.core import Ontology, validate_label
from predhub.core.errors import FieldError
from predhub.core.serde import label_from_dict, label_to_dict

ONTOLOGY = Ontology.from_dict(
    {
        "objects": [
            {
                "name": "car",
                "kind": "box",
                "classifications": [
                    {
                        "name": "color",
                        "kind": "single",
                        "options": [
                            {"name": "red", "classifications": [{"name": "shade", "kind": "text"}]},
                            {"name": "blue"},
                        ],
                    }
                ],
            },
            {"name": "road", "kind": "polygon"},
        ],
        "classifications": [{"name": "tags", "kind": "multi", "options": [{"name": "a"}, {"name": "b"}]}],
    }
)


def test_round_trip_keeps_nested_classifications() -> None:
    record = {
        "sample": "img-1",
        "objects": [
            {
                "class": "car",
                "box": [1.0, 2.0, 30.0, 40.0],
                "confidence": 0.5,
                "classifications": [
                    {
                        "name": "color",
                        "answer": {"name": "red", "classifications": [{"name": "shade", "text": "dark"}]},
                    }
                ],
            },
            {
                "class": "road",
                "polygon": [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]],
                "holes": [[[1.0, 1.0], [2.0, 1.0], [2.0, 2.0]]],
            },
        ],
        "classifications": [{"name": "tags", "answers": ["a", "b"]}],
        "score": 0.7,
        "status": "prelabel",
    }
    label = label_from_dict(record)
    assert label_to_dict(label) == record
    assert validate_label(label, ONTOLOGY, 100, 100) == []


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"class": "car", "box": [10, 0, 5, 5]}, "objects[0].box.width"),
        ({"class": "truck", "box": [0, 0, 5, 5]}, "objects[0].class"),
        ({"class": "road", "box": [0, 0, 5, 5]}, "objects[0].box"),
        ({"class": "road", "polygon": [[0, 0], [1, 1]]}, "objects[0].polygon"),
        ({"class": "car", "box": [0, 0, 5, 5000]}, "objects[0].box"),
        (
            {"class": "car", "box": [0, 0, 5, 5], "classifications": [{"name": "color", "answer": "green"}]},
            "objects[0].classifications[0].answer",
        ),
    ],
)
def test_validation_names_the_field(obj: dict, field: str) -> None:
    errors = validate_label(label_from_dict({"sample": "s", "objects": [obj]}), ONTOLOGY, 100, 100)
    assert [e.field for e in errors] == [field]


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"sample": "s", "objects": [{"class": "car", "box": [0, 0, "x", 1]}]}, "objects[0].box[2]"),
        ({"sample": "s", "objects": [{"class": "car", "box": [0, 0, float("nan"), 1]}]}, "objects[0].box[2]"),
        ({"sample": "s", "objects": [{"class": "car"}]}, "objects[0]"),
        ({"objects": []}, "sample"),
    ],
)
def test_parse_errors_name_the_field(record: dict, field: str) -> None:
    with pytest.raises(FieldError) as info:
        label_from_dict(record)
    assert info.value.field == field
