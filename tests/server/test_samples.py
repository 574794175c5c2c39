"""Samples: bulk create (JSON and NDJSON), blobs, images, sizes read from images, per-record errors."""

from __future__ import annotations

import http.server
import io
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from PIL import Image

from tests.hub_fixtures import ONTOLOGY, assert_error


def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def test_bulk_create_json_and_ndjson(api: httpx.Client, dataset: dict[str, Any]) -> None:
    url = f"/datasets/{dataset['id']}/samples"
    lines = b"\n".join(
        orjson.dumps(
            {
                "key": f"nd-{i}",
                "url": f"https://example.test/nd{i}.jpg",
                "width": 10,
                "height": 20,
                "metadata": {"i": i},
            }
        )
        for i in range(3)
    )
    made = api.post(url, content=lines, headers={"content-type": "application/x-ndjson"})
    assert made.status_code == 201, made.text
    assert made.json()["created"] == 3
    sample = api.get(f"/datasets/{dataset['id']}/samples/by-key/nd-1").json()
    assert sample["metadata"] == {"i": 1} and (sample["width"], sample["height"]) == (10, 20)
    assert api.get(f"/samples/{sample['id']}").json() == sample
    assert_error(api.get(f"/datasets/{dataset['id']}/samples/by-key/nope"), 404, "not_found")


def test_bad_records_are_all_reported_and_nothing_is_stored(
    api: httpx.Client, dataset: dict[str, Any]
) -> None:
    url = f"/datasets/{dataset['id']}/samples"
    records = [
        {"key": "ok-1", "url": "https://example.test/a.jpg"},
        {"key": "img-03", "url": "https://example.test/b.jpg"},  # exists already
        {"key": "ok-2", "url": "https://example.test/c.jpg", "path": "c.jpg"},  # two locations
        {"key": "ok-3", "url": "ftp://example.test/d.jpg"},
        {"key": "ok-1", "url": "https://example.test/e.jpg"},  # repeats record 0
        {"key": "ok-4", "url": "https://example.test/f.jpg", "width": "wide", "height": 3},
        {"key": "", "url": "https://example.test/g.jpg"},
        {"key": "ok-5", "blob": "0" * 64},  # no such blob
    ]
    error = assert_error(api.post(url, json=records), 422, "validation_error")
    got = {(d["record"], d["field"]) for d in error["details"]}
    assert got == {(1, "key"), (2, "url"), (3, "url"), (4, "key"), (5, "width"), (6, "key"), (7, "blob")}
    assert api.get(f"/datasets/{dataset['id']}").json()["sample_count"] == 20
    assert_error(api.get(f"/datasets/{dataset['id']}/samples/by-key/ok-1"), 404, "not_found")


def test_blob_samples_read_their_size_and_serve_their_image(
    api: httpx.Client, dataset: dict[str, Any]
) -> None:
    data = png(33, 17)
    blob = api.post("/blobs", content=data, headers={"content-type": "image/png"})
    assert blob.status_code == 201
    info = blob.json()
    assert (info["width"], info["height"], info["size"]) == (33, 17, len(data))
    made = api.post(f"/datasets/{dataset['id']}/samples", json=[{"key": "blobby", "blob": info["sha256"]}])
    assert made.status_code == 201, made.text
    sample = api.get(f"/samples/{made.json()['ids'][0]}").json()
    assert (sample["width"], sample["height"], sample["blob"]) == (33, 17, info["sha256"])
    image = api.get(f"/samples/{sample['id']}/image")
    assert image.status_code == 200 and image.content == data
    error = assert_error(api.post("/blobs", content=b"not an image"), 422, "validation_error")
    assert error["details"][0]["field"] == "body"


def test_url_images_redirect(api: httpx.Client, dataset: dict[str, Any]) -> None:
    sample = api.get(f"/datasets/{dataset['id']}/samples/by-key/img-05").json()
    response = api.get(f"/samples/{sample['id']}/image")
    assert response.status_code == 302 and response.headers["location"] == "https://example.test/5.jpg"


def test_list_samples_pages(api: httpx.Client, dataset: dict[str, Any]) -> None:
    keys: list[str] = []
    params: dict[str, Any] = {"limit": 7}
    while True:
        page = api.get(f"/datasets/{dataset['id']}/samples", params=params).json()
        keys += [s["key"] for s in page["items"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert keys == [f"img-{i:02d}" for i in range(20)]


@pytest.fixture
def image_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving one 41x29 PNG at /pic.png."""
    body = png(41, 29)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/pic.png":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def wait_for_job(api: httpx.Client, job_id: int) -> dict[str, Any]:
    """Poll a job until it finishes (the job worker runs in the server process)."""
    while True:
        job = api.get(f"/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)


def test_url_samples_without_size_get_it_from_a_job(
    api: httpx.Client, dataset: dict[str, Any], image_server: str
) -> None:
    made = api.post(
        f"/datasets/{dataset['id']}/samples",
        json=[
            {"key": "remote-ok", "url": f"{image_server}/pic.png"},
            {"key": "remote-missing", "url": f"{image_server}/gone.png"},
        ],
    )
    assert made.status_code == 201, made.text
    job = wait_for_job(api, made.json()["job"])
    assert job["kind"] == "sample_sizes" and job["status"] == "done", job
    assert job["result"]["sized"] == 1
    assert [f["sample_id"] for f in job["result"]["failed"]] == [made.json()["ids"][1]]
    sample = api.get(f"/samples/{made.json()['ids'][0]}").json()
    assert (sample["width"], sample["height"]) == (41, 29)


def test_sample_sizes_are_not_fetched_from_private_addresses_by_default(
    fresh_hub: Any, image_server: str
) -> None:
    # The URL is the uploader's and the hub fetches it: a loopback or intranet address is refused
    # (server-side request forgery) unless allow_private_image_hosts is set, as the session hub does.
    with fresh_hub.api() as api:
        dataset = api.post("/datasets", json={"name": "ssrf", "ontology": ONTOLOGY}).json()
        made = api.post(
            f"/datasets/{dataset['id']}/samples", json=[{"key": "r", "url": f"{image_server}/pic.png"}]
        )
        job = wait_for_job(api, made.json()["job"])
        assert job["status"] == "done" and job["result"]["sized"] == 0, job
        assert "private or loopback" in job["result"]["failed"][0]["error"]
        assert api.get(f"/samples/{made.json()['ids'][0]}").json()["width"] is None


def test_jobs_of_other_workspaces_are_invisible(
    hub: Any, api: httpx.Client, dataset: dict[str, Any], unique: Callable[[str], str], image_server: str
) -> None:
    made = api.post(
        f"/datasets/{dataset['id']}/samples", json=[{"key": "r", "url": f"{image_server}/pic.png"}]
    )
    job_id = made.json()["job"]
    user = api.post("/users", json={"name": unique("outsider")}).json()
    token = api.post(f"/users/{user['id']}/tokens").json()["token"]
    with hub.api(token) as outsider:
        assert_error(outsider.get(f"/jobs/{job_id}"), 404, "not_found")
        assert_error(outsider.post(f"/jobs/{job_id}/cancel"), 404, "not_found")


def test_deleting_a_sample_takes_its_labels_in_every_set_and_nothing_else(
    hub: Any, api: httpx.Client, dataset: dict[str, Any], unique: Callable[[str], str]
) -> None:
    made = api.post(
        f"/datasets/{dataset['id']}/samples",
        json=[
            {"key": k, "url": f"https://example.test/{k}.jpg", "width": 64, "height": 48} for k in ("x", "y")
        ],
    ).json()
    sets = [api.post(f"/datasets/{dataset['id']}/label-sets", json={"name": unique(n)}).json() for n in "ab"]
    for label_set in sets:
        stored = api.post(
            f"/label-sets/{label_set['id']}/labels",
            json=[{"sample": k, "objects": [{"class": "car", "box": [1, 2, 30, 40]}]} for k in ("x", "y")],
        )
        assert stored.status_code == 200, stored.text
    doomed, kept = made["ids"]
    assert api.delete(f"/samples/{doomed}").status_code == 204
    assert_error(api.get(f"/samples/{doomed}"), 404, "not_found")
    assert_error(api.delete(f"/samples/{doomed}"), 404, "not_found")
    for label_set in sets:
        counts = api.get(f"/label-sets/{label_set['id']}").json()
        assert (counts["label_count"], counts["object_count"]) == (1, 1)
        assert_error(api.get(f"/label-sets/{label_set['id']}/labels/x"), 404, "not_found")
        assert api.get(f"/label-sets/{label_set['id']}/labels/y").status_code == 200
    name = sets[0]["name"]
    found = api.get(f"/datasets/{dataset['id']}/samples", params={"q": f"{name}.car:>0"}).json()
    assert [s["id"] for s in found["items"]] == [kept]
    # Another workspace's user cannot delete it.
    user = api.post("/users", json={"name": unique("outsider")}).json()
    token = api.post(f"/users/{user['id']}/tokens").json()["token"]
    with hub.api(token) as outsider:
        assert_error(outsider.delete(f"/samples/{kept}"), 404, "not_found")
    assert api.get(f"/samples/{kept}").status_code == 200
