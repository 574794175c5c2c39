"""One JSON error shape for every error the server answers (pinned here), and the statuses."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Hub


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    for detail in error["details"]:
        assert {"record", "field", "message"} <= set(detail)
    return error  # type: ignore[no-any-return]


def test_missing_and_bad_tokens_are_401(hub: Hub) -> None:
    with hub.api(token="") as anonymous:
        assert_error(anonymous.get("/datasets"), 401, "unauthorized")
    with hub.api(token="ph_not-a-token") as wrong:
        error = assert_error(wrong.get("/me"), 401, "unauthorized")
        assert "invalid" in error["message"]
    basic = httpx.get(f"{hub.url}/api/v1/me", headers={"Authorization": f"Basic {hub.token}"})
    assert_error(basic, 401, "unauthorized")
    assert basic.headers["www-authenticate"] == "Bearer"


def test_unknown_route_is_404_and_wrong_method_405(api: httpx.Client) -> None:
    assert_error(api.get("/no-such-thing"), 404, "not_found")
    assert_error(api.delete("/me"), 405, "method_not_allowed")
    assert_error(api.get("/datasets/999999999"), 404, "not_found")


def test_fastapi_validation_errors_take_the_shape_and_name_the_field(api: httpx.Client) -> None:
    error = assert_error(api.post("/datasets", json={"name": 5, "ontology": {}}), 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["name"]
    error = assert_error(api.post("/datasets", json={"name": "x", "colour": "red"}), 422, "validation_error")
    assert error["details"][0]["field"] == "colour"
    error = assert_error(api.get("/datasets", params={"limit": 0}), 422, "validation_error")
    assert error["details"][0]["field"] == "limit"
    error = assert_error(api.get("/datasets/abc"), 422, "validation_error")
    assert error["details"][0]["field"] == "dataset_id"
    broken = api.post("/datasets", content=b"{not json", headers={"content-type": "application/json"})
    assert_error(broken, 422, "validation_error")


def test_bad_cursor_is_a_validation_error(api: httpx.Client) -> None:
    error = assert_error(api.get("/datasets", params={"cursor": "garbage!"}), 422, "validation_error")
    assert error["details"][0]["field"] == "cursor"


def test_oversized_body_is_413_and_nothing_is_stored(
    api: httpx.Client, dataset: dict[str, Any], label_set: dict[str, Any]
) -> None:
    # The session hub runs with an 8 MiB limit.
    big = [{"sample": "img-00", "objects": [{"class": "car", "box": [1, 2, 3, 4]}] * 400_000}]
    response = api.post(f"/label-sets/{label_set['id']}/labels", json=big)
    error = assert_error(response, 413, "payload_too_large")
    assert "limit" in error["message"]
    assert api.get(f"/label-sets/{label_set['id']}").json()["label_count"] == 0


def test_unsupported_media_type_is_415(api: httpx.Client, label_set: dict[str, Any]) -> None:
    response = api.post(
        f"/label-sets/{label_set['id']}/labels", content=b"a,b,c", headers={"content-type": "text/csv"}
    )
    assert_error(response, 415, "unsupported_media_type")


def test_name_clash_is_409(api: httpx.Client, dataset: dict[str, Any]) -> None:
    response = api.post("/datasets", json={"name": dataset["name"]})
    assert_error(response, 409, "conflict")
