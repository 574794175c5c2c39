"""A hub with real photos, and headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import skimage

from tests.hub_process import HubProcess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ONTOLOGY = {
    "objects": [
        {"name": "person", "kind": "box"},
        {"name": "cat", "kind": "box"},
        {"name": "cup", "kind": "box"},
        {"name": "region", "kind": "polygon"},
    ],
    "classifications": [
        {"name": "scene", "kind": "single", "options": [{"name": "indoor"}, {"name": "outdoor"}]}
    ],
}
PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg"]


@pytest.fixture(scope="session")
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/setup installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    with HubProcess(tmp_path_factory.mktemp("gallery")) as server:
        yield server


@pytest.fixture(scope="module")
def api(hub: HubProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {hub.token}"}) as c:
        yield c


@pytest.fixture(scope="module")
def photos(api: httpx.Client) -> dict[str, Any]:
    """Five scikit-image photos with a ground truth and a prediction set."""
    ds = api.post(
        "/datasets", json={"name": "photos", "description": "skimage photos", "ontology": ONTOLOGY}
    ).json()
    folder = Path(skimage.__file__).parent / "data"
    records = []
    for name in PHOTOS:
        blob = api.post("/blobs", content=(folder / name).read_bytes()).json()
        records.append({"key": name, "blob": blob["sha256"]})
    sample_ids = dict(
        zip(PHOTOS, api.post(f"/datasets/{ds['id']}/samples", json=records).json()["ids"], strict=True)
    )
    gt = api.post(
        f"/datasets/{ds['id']}/label-sets", json={"name": "ground-truth", "kind": "ground_truth"}
    ).json()
    pred = api.post(f"/datasets/{ds['id']}/label-sets", json={"name": "ssd", "kind": "predictions"}).json()
    r = api.post(
        f"/label-sets/{gt['id']}/labels",
        json=[
            {
                "sample": "astronaut.png",
                "objects": [
                    {"class": "person", "box": [140, 20, 440, 512]},
                    {"class": "region", "polygon": [[10, 10], [100, 10], [100, 100], [10, 100]]},
                ],
                "classifications": [{"name": "scene", "answer": "indoor"}],
            },
            {"sample": "chelsea.png", "objects": [{"class": "cat", "box": [40, 10, 440, 300]}]},
            {"sample": "coffee.png", "objects": [{"class": "cup", "box": [50, 20, 470, 380]}]},
        ],
    )
    assert r.status_code == 200, r.text
    r = api.post(
        f"/label-sets/{pred['id']}/labels",
        json=[
            {
                "sample": "astronaut.png",
                "objects": [{"class": "person", "box": [150, 30, 430, 500], "confidence": 0.91}],
            },
            {
                "sample": "chelsea.png",
                "objects": [
                    {"class": "cat", "box": [60, 20, 420, 290], "confidence": 0.8},
                    {"class": "cup", "box": [0, 0, 50, 50], "confidence": 0.3},
                ],
            },
        ],
    )
    assert r.status_code == 200, r.text
    return {"dataset": ds["id"], "gt": gt["id"], "pred": pred["id"], "samples": sample_ids}


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=args)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1300, "height": 850})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # The gallery must need no network beyond the hub: any other request fails the test.
    pg.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("http://127.0.0.1")
            or route.request.url.startswith(("blob:", "data:"))
            else (errors.append(route.request.url), route.abort())
        ),
    )
    yield pg
    shots = Path(os.environ.get("PREDHUB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(shots / f"{request.node.name}.png"))
    context.close()
    assert errors == [], errors
