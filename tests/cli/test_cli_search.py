"""``predhub search`` against the shared real hub: the query language from the shell."""

from __future__ import annotations

import json

from predhub import Client, NewSample
from tests.cli_helpers import Run


def test_search_filters_and_sorts(run: Run, name: str) -> None:
    with Client(run.env["PREDHUB_URL"], run.env["PREDHUB_TOKEN"]) as client:
        ds = client.create_dataset(name, {"objects": [{"name": "car", "kind": "box"}], "classifications": []})
        client.add_samples(
            ds,
            [NewSample(f"s{i}", url=f"https://example.test/{i}.jpg", width=50, height=50) for i in range(4)],
        )
        truth = client.create_label_set(ds, "truth", kind="ground_truth")
        car = {"class": "car", "box": [0, 0, 5, 5]}
        client.add_labels(truth, [{"sample": f"s{i}", "objects": [car] * i} for i in range(4)])
    found = json.loads(run("search", name, "truth.car:>=1", "--sort", "truth.car:desc", "--json").output)
    assert [s["key"] for s in found] == ["s3", "s2", "s1"]
    assert [s["key"] for s in json.loads(run("search", name, "--limit", "2", "--json").output)] == [
        "s0",
        "s1",
    ]
    table = run("search", name, "NOT truth.car:>0").output
    assert "1 sample(s)" in table and "s0" in table
    bad = run("search", name, "truth.car:>", ok=False)
    assert bad.exit_code == 1 and "at position 11" in bad.output
