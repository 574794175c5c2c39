"""The gallery in real headless Chromium against a real hub: what a person sees and clicks.

Screenshots of every test's last state go to $PREDHUB_SCREENSHOTS (or the test's tmp folder), to be
looked at as well as asserted on.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.hub_process import HubProcess

pytestmark = pytest.mark.browser


def test_datasets_page_logs_the_local_admin_in(page: Any, hub: HubProcess, photos: dict[str, Any]) -> None:
    page.goto(hub.url + "/")
    page.wait_for_selector("#datasets")
    assert page.locator("#whoami").inner_text() == "admin"
    row = page.locator("#datasets tbody tr", has_text="photos")
    assert row.locator("td.num").inner_text() == "5"


def test_grid_shows_thumbnails_with_overlays(page: Any, hub: HubProcess, photos: dict[str, Any]) -> None:
    page.goto(f"{hub.url}/#/datasets/{photos['dataset']}")
    page.wait_for_function(
        "document.querySelectorAll('.tile img').length === 5 && "
        "[...document.querySelectorAll('.tile img')].every(i => i.naturalWidth > 0)"
    )
    assert page.locator("#count").inner_text() == "5 samples"
    astronaut = page.locator('.tile[data-sample-key="astronaut.png"]')
    # ground truth: a box and a polygon; predictions: one box
    assert astronaut.locator("svg rect.obj").count() == 2
    assert astronaut.locator("svg path.obj").count() == 1
    # hiding the prediction set removes its box
    page.locator(f'#label-sets input[data-set="{photos["pred"]}"]').uncheck()
    assert astronaut.locator("svg rect.obj").count() == 1
    # the confidence slider hides the low-confidence cup on chelsea
    page.locator(f'#label-sets input[data-set="{photos["pred"]}"]').check()
    chelsea = page.locator('.tile[data-sample-key="chelsea.png"]')
    assert chelsea.locator("svg rect.obj").count() == 3
    page.locator("#conf").fill("0.5")
    assert chelsea.locator("svg rect.obj").count() == 2
    # class toggles
    page.locator('#classes input[data-class="cat"]').uncheck()
    assert chelsea.locator("svg rect.obj").count() == 0


def test_search_bar_filters_and_reports_errors(page: Any, hub: HubProcess, photos: dict[str, Any]) -> None:
    page.goto(f"{hub.url}/#/datasets/{photos['dataset']}")
    page.wait_for_selector(".tile")
    page.fill("#search input[name=q]", "ground-truth.cat:>0 OR ssd.person:>0")
    page.click("#search button")
    page.wait_for_function("document.querySelectorAll('.tile').length === 2")
    keys = page.locator(".tile").evaluate_all("ts => ts.map(t => t.dataset.sampleKey)")
    assert keys == ["astronaut.png", "chelsea.png"]
    page.fill("#search input[name=q]", "ground-truth.cat:>")
    page.click("#search button")
    error = page.wait_for_selector("pre.error")
    assert "at position 18" in error.inner_text()


def _objects(api: httpx.Client, sample_id: int, label_set_id: int) -> list[dict[str, Any]]:
    items = api.get(f"/samples/{sample_id}/labels").json()["items"]
    return next(i["label"]["objects"] for i in items if i["label_set_id"] == label_set_id)


def _act(page: Any, selector: str) -> None:
    page.evaluate("document.getElementById('toast').hidden = true")
    page.locator(selector).click()
    page.wait_for_selector("#toast:not([hidden])")


def test_sample_view_review_actions(
    page: Any, hub: HubProcess, api: httpx.Client, photos: dict[str, Any]
) -> None:
    sample_id = photos["samples"]["chelsea.png"]
    page.goto(f"{hub.url}/#/samples/{sample_id}")
    page.wait_for_selector("#objects table")
    assert page.locator(".stage svg .obj").count() == 3
    cup = next(o for o in _objects(api, sample_id, photos["pred"]) if o["class"] == "cup")
    # accept the predicted cup into the ground truth
    _act(page, f'button[data-act=accept][data-id="{cup["object_id"]}"]')
    assert [o["class"] for o in _objects(api, sample_id, photos["gt"])] == ["cat", "cup"]
    # change the accepted copy's class to cat
    accepted = _objects(api, sample_id, photos["gt"])[1]["object_id"]
    page.evaluate("document.getElementById('toast').hidden = true")
    page.locator(f'select[data-act=reclass][data-id="{accepted}"]').select_option("cat")
    page.wait_for_selector("#toast:not([hidden])")
    assert [o["class"] for o in _objects(api, sample_id, photos["gt"])] == ["cat", "cat"]
    # reject the prediction's cup
    _act(page, f'button[data-act=reject][data-id="{cup["object_id"]}"]')
    assert [o["class"] for o in _objects(api, sample_id, photos["pred"])] == ["cat"]
    # mark the prediction reviewed, then copy it into the ground truth
    _act(page, f'button[data-act=reviewed][data-set="{photos["pred"]}"]')
    assert api.get(f"/label-sets/{photos['pred']}/labels/chelsea.png").json()["status"] == "reviewed"
    page.locator(f'select[data-copy-target="{photos["pred"]}"]').select_option(str(photos["gt"]))
    _act(page, f'button[data-act=copy][data-set="{photos["pred"]}"]')
    copied = api.get(f"/label-sets/{photos['gt']}/labels/chelsea.png").json()
    assert [o["class"] for o in copied["objects"]] == ["cat"]
    assert copied["objects"][0]["confidence"] == 0.8
    assert page.locator(".stage svg .obj").count() == 2


def test_side_by_side(page: Any, hub: HubProcess, photos: dict[str, Any]) -> None:
    sample_id = photos["samples"]["astronaut.png"]
    page.goto(f"{hub.url}/#/samples/{sample_id}?compare={photos['gt']},{photos['pred']}")
    page.wait_for_function("document.querySelectorAll('.stage').length === 2")
    stages = page.locator(".stage")
    assert stages.nth(0).locator("svg .obj").count() == 2
    assert stages.nth(1).locator("svg .obj").count() == 1
    assert stages.nth(1).locator("svg g").get_attribute("data-label-set") == "ssd"


def test_log_in_with_a_token(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREDHUB_LOCAL_LOGIN", "false")
    with HubProcess(tmp_path_factory.mktemp("login")) as hub:
        page = browser.new_page()
        page.goto(hub.url + "/")
        page.wait_for_selector("#login")
        page.fill("#login input[name=token]", "ph_wrong")
        page.click("#login button")
        page.wait_for_function("document.querySelector('#login-error').textContent.length > 0")
        page.fill("#login input[name=token]", hub.token)
        page.click("#login button")
        page.wait_for_selector("#whoami:text('admin')")
        page.close()


def _evaluate(api: httpx.Client, photos: dict[str, Any]) -> dict[str, Any]:
    ev = api.post(
        "/evaluations",
        json={
            "ground_truth_label_set_id": photos["gt"],
            "prediction_label_set_id": photos["pred"],
            "kind": "detection",
        },
    )
    assert ev.status_code == 202, ev.text
    job = api.get(f"/jobs/{ev.json()['job_id']}").json()
    while job["status"] in ("queued", "running"):
        job = api.get(f"/jobs/{job['id']}").json()
    assert job["status"] == "done", job
    return api.get(f"/evaluations/{ev.json()['id']}").json()


def test_evaluation_view_and_outcomes(
    page: Any, hub: HubProcess, api: httpx.Client, photos: dict[str, Any]
) -> None:
    ev = _evaluate(api, photos)
    page.goto(f"{hub.url}/#/evaluations/{ev['id']}")
    page.wait_for_selector("#summary")
    assert page.locator("#summary tr").count() == 12
    assert page.locator("#pr-curves polyline").count() >= 1
    classes = ev["confusion"]["classes"]
    row = classes.index("person")
    page.locator(f'#confusion td.cell[data-row="{row}"][data-col="{row}"]').click()
    page.wait_for_selector("#cell-samples a")
    assert "astronaut.png" in page.locator("#cell-samples").inner_text()
    # the sample view shows each object's outcome from the newest evaluation
    page.locator("#cell-samples a", has_text="astronaut.png").click()
    page.wait_for_selector("#objects .outcome-tp")
    # and search reads the same outcomes
    page.goto(f"{hub.url}/#/datasets/{photos['dataset']}?q=ssd.tp:>0")
    page.wait_for_selector(".tile")
    keys = page.locator(".tile").evaluate_all("ts => ts.map(t => t.dataset.sampleKey)")
    assert "astronaut.png" in keys
    assert "coffee.png" not in keys


def test_sort_by_disagreement_pages_in_score_order(api: httpx.Client, photos: dict[str, Any]) -> None:
    ev = _evaluate(api, photos)
    rows = api.get(f"/evaluations/{ev['id']}/samples", params={"limit": 100}).json()["items"]
    score = {r["key"]: r["disagreement"] for r in rows}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"sort": "ssd.disagreement:desc", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/datasets/{photos['dataset']}/samples", params=params).json()
        seen += [s["key"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(photos["samples"])
    values = [score.get(k, float("-inf")) for k in seen]
    assert values == sorted(values, reverse=True)
