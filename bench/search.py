"""Search speed at scale: 100,000 samples, 2,000,000 objects in three label sets, on SQLite.

Starts a real hub (subprocess), loads the data through the SDK, then times the first page of a set of
queries with sorting over HTTP (issue 6's target: under 200 ms each). As the peer in the same run, the
same filters evaluated the naive way a hub without derived counts would (COUNT(*) over the objects
per sample) — directly in SQLite, so the HTTP layer is not even charged to it.

Usage: python bench/search.py [--samples 100000] [--objects-per-label 6.67]
Ends with one line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.hub_process import HubProcess

import predhub

CLASSES = ["car", "person", "bus", "truck", "bike", "dog", "cat", "sign", "light", "tree"]
WEIGHTS = np.array([30, 20, 5, 5, 5, 5, 5, 10, 10, 5]) / 100
SETS = ["ground-truth", "model-a", "model-b"]
QUERIES = [
    ("ground-truth.bus:>0 model-a.bus:=0", ""),
    ("ground-truth.car:>0 model-a.car:=0", "model-b.car:desc"),
    ("model-a.person:>=3 AND NOT model-b.person:>=3", "ground-truth.person:desc"),
    ("(metadata.weather:rain OR metadata.weather:snow) AND ground-truth.dog:>0", "model-a.confidence:desc"),
    ("model-b.confidence:>0.99 model-b.score:<0.5", "model-b.score:asc"),
    ("ground-truth.objects:>10", "ground-truth.objects:desc"),
    ("", "model-a.truck:desc"),
    ("", "model-b.cat.confidence:desc"),
    ("key:img-0099*", "key:desc"),
]
# The naive peer: per-sample correlated COUNT(*) over the objects table, for the count filters above.
_NAIVE_COUNT = (
    "(SELECT count(*) FROM objects o "
    "WHERE o.label_set_id = {ls} AND o.sample_id = s.id AND o.class = '{cls}')"
)
NAIVE = [
    "SELECT s.id FROM samples s WHERE s.dataset_id = ? AND "
    + _NAIVE_COUNT.format(ls="?", cls="bus")
    + " > 0 AND "
    + _NAIVE_COUNT.format(ls="?", cls="bus")
    + " = 0 "
    "ORDER BY s.id LIMIT 60",
    "SELECT s.id FROM samples s WHERE s.dataset_id = ? AND "
    + _NAIVE_COUNT.format(ls="?", cls="car")
    + " > 0 AND "
    + _NAIVE_COUNT.format(ls="?", cls="car")
    + " = 0 "
    "ORDER BY " + _NAIVE_COUNT.format(ls="? + 1", cls="car") + " DESC LIMIT 60",
]


def labels_for(rng: np.random.Generator, n_samples: int, per_label: float) -> list[dict[str, object]]:
    counts = rng.poisson(per_label, n_samples)
    out = []
    for i, n in enumerate(counts):
        classes = rng.choice(len(CLASSES), n, p=WEIGHTS)
        xy = rng.random((n, 2)) * 500
        wh = rng.random((n, 2)) * 100 + 1
        conf = rng.random(n)
        out.append(
            {
                "sample": f"img-{i:06d}",
                "score": float(rng.random()),
                "objects": [
                    {"class": CLASSES[c], "box": [x, y, x + w, y + h], "confidence": float(p)}
                    for c, (x, y), (w, h), p in zip(classes, xy.tolist(), wh.tolist(), conf, strict=True)
                ],
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--objects-per-label", type=float, default=6.67)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    figures: dict[str, object] = {"samples": args.samples}
    with tempfile.TemporaryDirectory() as tmp, HubProcess(Path(tmp)) as hub:
        client = predhub.Client(hub.url, hub.token, timeout=600)
        ontology = {"objects": [{"name": c, "kind": "box"} for c in CLASSES], "classifications": []}
        dataset = client.create_dataset("search-bench", ontology)
        weather = rng.choice(["rain", "sun", "snow", "fog"], args.samples)
        start = time.perf_counter()
        client.add_samples(
            dataset,
            (
                {
                    "key": f"img-{i:06d}",
                    "url": f"https://example.test/{i}.jpg",
                    "width": 640,
                    "height": 480,
                    "metadata": {"weather": str(weather[i])},
                }
                for i in range(args.samples)
            ),
            batch_size=5000,
        )
        total_objects = 0
        for name in SETS:
            label_set = client.create_label_set(
                dataset, name, kind="ground_truth" if name == "ground-truth" else "predictions"
            )
            labels = labels_for(rng, args.samples, args.objects_per_label)
            total_objects += sum(len(lab["objects"]) for lab in labels)  # type: ignore[arg-type]
            client.upload_labels(label_set, labels, chunk_size=2000)
        figures["objects"] = total_objects
        figures["load_seconds"] = round(time.perf_counter() - start, 1)
        print(
            f"loaded {args.samples} samples, {total_objects} objects in {figures['load_seconds']} s",
            file=sys.stderr,
        )

        timings = {}
        with httpx.Client(
            base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {hub.token}"}, timeout=120
        ) as http:
            for q, sort in QUERIES:
                params = {"q": q, "sort": sort, "limit": 60}
                runs = []
                for _ in range(args.repeat + 1):
                    t0 = time.perf_counter()
                    r = http.get(f"/datasets/{dataset.id}/samples", params=params)
                    runs.append(time.perf_counter() - t0)
                    r.raise_for_status()
                ms = statistics.median(runs[1:]) * 1000  # the first run warms the page cache
                timings[f"{q} | sort={sort}"] = round(ms, 1)
                print(
                    f"{ms:8.1f} ms  {len(r.json()['items']):3d} hits  q={q!r} sort={sort!r}", file=sys.stderr
                )
        figures["first_page_ms"] = timings
        figures["first_page_ms_max"] = max(timings.values())

        db = sqlite3.connect(Path(tmp) / "data" / "predhub.db")
        ls = dict(db.execute("SELECT name, id FROM label_sets").fetchall())
        naive = []
        for sql in NAIVE:
            params = (dataset.id, ls["ground-truth"], ls["model-a"]) + (
                (ls["model-a"],) if sql.count("?") == 4 else ()
            )
            t0 = time.perf_counter()
            db.execute(sql, params).fetchall()
            naive.append(round((time.perf_counter() - t0) * 1000, 1))
        figures["naive_count_sql_ms"] = naive
        figures["ours_same_queries_ms"] = [
            timings[f"{QUERIES[0][0]} | sort="],
            timings[f"{QUERIES[1][0]} | sort={QUERIES[1][1]}"],
        ]
        figures["speedup_vs_naive"] = [
            round(n / max(o, 0.01), 1) for n, o in zip(naive, figures["ours_same_queries_ms"], strict=True)
        ]  # type: ignore[arg-type]
        print(f"naive COUNT(*) SQL: {naive} ms", file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
