"""The query language end to end: a real hub, real SQLite and PostgreSQL, through the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.hub_process import HubProcess, postgres_database

ONTOLOGY = {
    "objects": [{"name": "car", "kind": "box"}, {"name": "person", "kind": "box"}],
    "classifications": [],
}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    folder = tmp_path_factory.mktemp(f"search-{request.param}")
    with (
        postgres_database() if request.param == "postgres" else _none() as url,
        HubProcess(folder, url) as hub,
        httpx.Client(base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {hub.token}"}) as c,
    ):
        yield c


class _none:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.fixture(scope="module")
def dataset(api: httpx.Client) -> dict[str, Any]:
    """Ten samples s0..s9: ground truth has i % 3 cars and a person of confidence i/10; the predictions
    have one car on odd samples; metadata weather alternates and n = i."""
    ds = api.post("/datasets", json={"name": "search", "ontology": ONTOLOGY}).json()
    samples = [
        {
            "key": f"s{i}",
            "url": f"https://example.test/{i}.jpg",
            "width": 100,
            "height": 100,
            "metadata": {"weather": "rain" if i % 2 else "sun", "n": i},
        }
        for i in range(10)
    ]
    assert api.post(f"/datasets/{ds['id']}/samples", json=samples).status_code == 201
    gt = api.post(
        f"/datasets/{ds['id']}/label-sets", json={"name": "ground-truth", "kind": "ground_truth"}
    ).json()
    pred = api.post(f"/datasets/{ds['id']}/label-sets", json={"name": "preds", "kind": "predictions"}).json()
    car = {"class": "car", "box": [0, 0, 10, 10]}
    gt_labels = [
        {
            "sample": f"s{i}",
            "objects": [car] * (i % 3) + [{"class": "person", "box": [0, 0, 5, 5], "confidence": i / 10}],
            "score": i / 10,
        }
        for i in range(10)
    ]
    assert api.post(f"/label-sets/{gt['id']}/labels", json=gt_labels).status_code == 200
    pred_labels = [
        {"sample": f"s{i}", "objects": [{**car, "confidence": 0.5}] * (i % 2)} for i in range(1, 10)
    ]
    assert api.post(f"/label-sets/{pred['id']}/labels", json=pred_labels).status_code == 200
    return {"id": ds["id"], "gt": gt["id"], "pred": pred["id"]}


def keys(api: httpx.Client, dataset: dict[str, Any], **params: Any) -> list[str]:
    r = api.get(f"/datasets/{dataset['id']}/samples", params=params)
    assert r.status_code == 200, r.text
    return [s["key"] for s in r.json()["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ground-truth.car:>0 preds.car:=0", ["s2", "s4", "s8"]),
        ("NOT ground-truth.car:>0", ["s0", "s3", "s6", "s9"]),
        ("ground-truth.car:>=2 OR preds.car:>0", ["s1", "s2", "s3", "s5", "s7", "s8", "s9"]),
        ("ground-truth.car:<1", ["s0", "s3", "s6", "s9"]),  # a count that 0 satisfies includes "no row"
        ("preds.objects:=0", ["s0", "s2", "s4", "s6", "s8"]),  # s0 has no label in preds at all
        ("ground-truth.person.confidence:>0.75", ["s8", "s9"]),
        # cars carry the default confidence 1, so every sample with a car qualifies too
        ("ground-truth.confidence:>=0.8 ground-truth.score:<0.9", ["s1", "s2", "s4", "s5", "s7", "s8"]),
        ("metadata.weather:rain metadata.n:>5", ["s7", "s9"]),
        ('key:"s1*" OR key:s9', ["s1", "s9"]),
        ("(metadata.weather:sun AND NOT ground-truth.car:=0) OR key:s0", ["s0", "s2", "s4", "s8"]),
        ("ground-truth.status:labeled preds.status:!=labeled", []),
    ],
)
def test_queries(api: httpx.Client, dataset: dict[str, Any], query: str, expected: list[str]) -> None:
    assert keys(api, dataset, q=query) == expected


def _all_pages(api: httpx.Client, dataset: dict[str, Any], **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        page = api.get(
            f"/datasets/{dataset['id']}/samples", params={**params, "cursor": cursor} if cursor else params
        )
        assert page.status_code == 200, page.text
        seen += [s["key"] for s in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            return seen


def test_sort_and_pages(api: httpx.Client, dataset: dict[str, Any]) -> None:
    # Ties in the sort key are broken by id in the same direction, so pages never overlap or skip;
    # a class-count sort runs in two phases (samples with the class, then without), pages cross them.
    desc = ["s8", "s5", "s2", "s7", "s4", "s1", "s9", "s6", "s3", "s0"]
    for limit in (1, 3, 4, 10):
        assert _all_pages(api, dataset, sort="ground-truth.car:desc", limit=limit) == desc
        assert _all_pages(api, dataset, sort="ground-truth.car", limit=limit) == desc[::-1]
    assert keys(api, dataset, q="preds.car:=0", sort="preds.car:desc") == ["s8", "s6", "s4", "s2", "s0"]
    # label-level keys too: samples with a value first (in the key's order), then the rest by id
    odd_then_even = ["s9", "s7", "s5", "s3", "s1", "s8", "s6", "s4", "s2", "s0"]
    for sort in ("preds.objects:desc", "preds.confidence:desc"):
        for limit in (2, 3, 10):
            assert _all_pages(api, dataset, sort=sort, limit=limit) == odd_then_even
            assert (
                _all_pages(api, dataset, sort=sort.removesuffix(":desc"), limit=limit) == odd_then_even[::-1]
            )
    by_id_desc = [f"s{i}" for i in range(9, -1, -1)]
    assert _all_pages(api, dataset, sort="ground-truth.score:desc", limit=4) == by_id_desc
    assert _all_pages(api, dataset, sort="ground-truth.person.confidence:desc", limit=4) == by_id_desc
    assert keys(api, dataset, q="ground-truth.car:>1", sort="ground-truth.car") == ["s2", "s5", "s8"]
    assert keys(api, dataset, q="metadata.weather:rain", sort="metadata.n:desc") == [
        "s9",
        "s7",
        "s5",
        "s3",
        "s1",
    ]
    assert keys(api, dataset, sort="preds.car:desc,key:asc", limit=5) == ["s1", "s3", "s5", "s7", "s9"]


def test_labels_come_with_the_page(api: httpx.Client, dataset: dict[str, Any]) -> None:
    r = api.get(
        f"/datasets/{dataset['id']}/samples",
        params={"q": "key:s1", "with_labels": f"{dataset['gt']},{dataset['pred']}"},
    ).json()
    labels = r["items"][0]["labels"]
    assert [o["class"] for o in labels[str(dataset["gt"])]["objects"]] == ["car", "person"]
    assert labels[str(dataset["pred"])]["objects"] == [
        {"class": "car", "box": [0.0, 0.0, 10.0, 10.0], "confidence": 0.5}
    ]


@pytest.mark.parametrize(
    ("params", "field", "position"),
    [
        ({"q": "ground-truth.car:>0 ("}, "q", 21),
        ({"q": "gt.car:>0"}, "q", 0),
        ({"q": "ground-truth.car:>red"}, "q", 18),
        ({"sort": "nope.car"}, "sort", 0),
        ({"cursor": "not-a-cursor"}, "cursor", None),
    ],
)
def test_bad_queries_are_4xx_naming_the_position(
    api: httpx.Client, dataset: dict[str, Any], params: dict[str, Any], field: str, position: int | None
) -> None:
    r = api.get(f"/datasets/{dataset['id']}/samples", params=params)
    assert r.status_code == 422
    detail = r.json()["error"]["details"][0]
    assert detail["field"] == field
    if position is not None:
        assert f"at position {position}" in detail["message"]
