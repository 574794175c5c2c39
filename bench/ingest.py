"""Ingest benchmark: 10,000 samples x 20 boxes through the SDK into a real hub, SQLite and PostgreSQL.

    PYTHONPATH=src python bench/ingest.py [--samples 10000] [--boxes 20] [--backends sqlite,postgres]

For each backend it starts ``python -m predhub.server`` (a subprocess, 127.0.0.1, a free port), then
through :class:`predhub.Client`:

1. adds the samples (URL samples with their size, in batches of 1,000),
2. uploads one label per sample with ``--boxes`` boxes as an upload job (chunks sent concurrently,
   then completed) and times it end to end: from the first byte serialised to the job being ``done``,
3. runs the peer side by side: the one-request-per-label path (``put_label``, the shape of Label
   Studio's one-prediction-per-request API) on a slice of the same labels, into another label set.

It prints boxes/s for each and ends with ONE line of JSON holding every figure. Issue 2's target:
>= 100,000 boxes/s end to end on SQLite on a 2-core machine. The issue's reference figures for other
tools (measured earlier on this machine, not re-run here since they are not installed) are printed
for scale: Label Studio bulk import ~5,000-6,000 boxes/s, FiftyOne add_samples ~1,500 boxes/s.

The SDK's share is measured on its own first (serialising every chunk body once, on one core).
``--profile`` also runs the hub's share in this process without HTTP - the same chunks through
``services.uploads.put_chunk`` under cProfile - and prints where that time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.hub_process import HubProcess, postgres_database

import predhub

ONTOLOGY = {"objects": [{"name": f"class-{i}", "kind": "box"} for i in range(10)]}
REFERENCE_BOXES_PER_S = {"label_studio_bulk_import": 5500, "fiftyone_add_samples": 1500}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_labels(samples: int, boxes: int) -> list[dict[str, Any]]:
    """Wire dicts as a model exporter would write them: boxes in pixels with a confidence."""
    labels = []
    for i in range(samples):
        objects = []
        for j in range(boxes):
            x, y = float((i * 7 + j * 31) % 600), float((i * 13 + j * 17) % 440)
            objects.append(
                {
                    "class": f"class-{j % 10}",
                    "box": [x, y, x + 20.5 + j, y + 30.25],
                    "confidence": 0.5 + j / 100,
                }
            )
        labels.append({"sample": f"img-{i:06d}.jpg", "objects": objects})
    return labels


def profile_server_ingest(
    client: predhub.Client,
    dataset: predhub.Dataset,
    database_url: str,
    token: str,
    labels: list[dict[str, Any]],
    chunk_size: int,
) -> dict[str, float]:
    """The hub's own share, without HTTP: the same chunks through ``services.uploads.put_chunk``.

    Runs in this process under cProfile on the hub's database (the hub subprocess stays idle), after
    decoding each chunk body exactly as the server's ``LabelRecords`` dependency does. Prints where the
    time goes, so that a slow ingest can be pinned on a function rather than guessed at.
    """
    from predhub.sdk._encoding import ChunkPlan
    from predhub.server.deps import LabelBody
    from predhub.services import auth, uploads
    from predhub.store.db import Database

    label_set = client.create_label_set(dataset, "profiled", model_name="bench")
    plan = ChunkPlan.by_size(labels, chunk_size)
    job = client._send(predhub.sdk._calls.create_upload(label_set.id, "strict", "replace", plan.total_chunks))
    db = Database(database_url)
    user = auth.authenticate(db, token)
    bodies = [plan.body(i) for i in range(plan.total_chunks)]
    profiler = cProfile.Profile()
    parse_s = store_s = 0.0
    profiler.enable()
    for i, body in enumerate(bodies):
        t0 = time.perf_counter()
        records = LabelBody(body.content, body.media_type).records()  # the hub's LabelRecords dependency
        t1 = time.perf_counter()
        result = uploads.put_chunk(db, user, job.id, i, records)
        store_s += time.perf_counter() - t1
        parse_s += t1 - t0
        assert result.rejected == 0, result.errors[:3]
    profiler.disable()
    db.dispose()
    boxes = sum(len(x["objects"]) for x in labels)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    total = parse_s + store_s
    print(
        f"  hub in-process (no HTTP): {boxes / total:,.0f} boxes/s - decode_records {parse_s:.2f} s, "
        f"uploads.put_chunk {store_s:.2f} s; top functions by own time (tottime) and cumulative:"
    )
    stats.sort_stats("tottime").print_stats(14)
    stats.sort_stats("cumulative").print_stats(22)
    for line in stream.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Ordered", "   List reduced")):
            print("    " + line[:160])
    return {"hub_in_process_boxes_per_s": boxes / total, "hub_parse_s": parse_s, "hub_store_s": store_s}


def bench_backend(
    name: str,
    database_url: str | None,
    samples: int,
    boxes: int,
    chunk_size: int,
    concurrency: int,
    peer_labels: int,
    profile: bool,
    repeat: int,
) -> dict[str, Any]:
    labels = make_labels(samples, boxes)
    total_boxes = samples * boxes
    with (
        tempfile.TemporaryDirectory(prefix=f"predhub-bench-{name}-") as tmp,
        HubProcess(Path(tmp), database_url) as hub,
        predhub.Client(hub.url, hub.token) as client,
    ):
        token = hub.token
        assert hub.process is not None
        server_pid = hub.process.pid
        dataset = client.create_dataset(f"bench-{name}", ONTOLOGY)
        records = [
            {
                "key": label["sample"],
                "url": f"https://example.test/{label['sample']}",
                "width": 640,
                "height": 480,
            }
            for label in labels
        ]
        t0 = time.perf_counter()
        client.add_samples(dataset, records, batch_size=1000, concurrency=2)
        samples_s = time.perf_counter() - t0

        # Each run uploads the same labels into a new label set of the same hub, so later runs also
        # show the cost of a database that already holds the earlier runs' objects.
        runs: list[tuple[float, float, float]] = []  # (wall s, hub CPU s, SDK CPU s)
        for run in range(repeat):
            label_set = client.create_label_set(dataset, f"predictions-{run}", model_name="bench")
            cpu0 = (_cpu_seconds(server_pid), time.process_time())
            t0 = time.perf_counter()
            job = client.upload_labels(label_set, labels, chunk_size=chunk_size, concurrency=concurrency)
            upload_s = time.perf_counter() - t0
            runs.append((upload_s, _cpu_seconds(server_pid) - cpu0[0], time.process_time() - cpu0[1]))
            assert job.status is predhub.UploadStatus.DONE, job
            assert (job.counts.records, job.counts.objects) == (samples, total_boxes), job.counts
        upload_s, server_cpu, client_cpu = sorted(runs)[len(runs) // 2]  # the median run

        # The peer, side by side: one request per label (Label Studio's per-prediction API shape).
        peer_set = client.create_label_set(dataset, "one-per-request", model_name="bench")
        peer = labels[:peer_labels]
        t0 = time.perf_counter()
        for label in peer:
            client.put_label(peer_set, label)
        peer_s = time.perf_counter() - t0
        assert client.get_label_set(peer_set).object_count == peer_labels * boxes
        hub_profile: dict[str, float] = {}
        if profile:
            db_url = database_url or f"sqlite:///{Path(tmp).resolve() / 'data' / 'predhub.db'}"
            hub_profile = profile_server_ingest(client, dataset, db_url, token, labels, chunk_size)

    figures: dict[str, Any] = {
        "samples_per_s": samples / samples_s,
        "runs_boxes_per_s": [total_boxes / r[0] for r in runs],
        "upload_s": upload_s,
        "boxes_per_s": total_boxes / upload_s,
        "labels_per_s": samples / upload_s,
        "one_per_request_boxes_per_s": peer_labels * boxes / peer_s,
    }
    figures["ratio_vs_one_per_request"] = figures["boxes_per_s"] / figures["one_per_request_boxes_per_s"]
    # CPU seconds spent during the upload, by side: robust to other load on a shared machine, and
    # says which side a faster ingest has to come from.
    figures["server_cpu_s"] = server_cpu
    figures["client_cpu_s"] = client_cpu
    figures["server_boxes_per_cpu_s"] = total_boxes / server_cpu if server_cpu else 0.0
    figures["client_boxes_per_cpu_s"] = total_boxes / client_cpu if client_cpu else 0.0
    f = figures
    each = ", ".join(f"{r:,.0f}" for r in f["runs_boxes_per_s"])
    print(
        f"{name:>8}: {f['boxes_per_s']:>10,.0f} boxes/s end to end, median of {repeat} runs ({each}); "
        f"{samples:,} labels x {boxes} boxes in {upload_s:.2f} s; samples {f['samples_per_s']:,.0f}/s"
    )
    print(
        f"          one label per request: {f['one_per_request_boxes_per_s']:,.0f} boxes/s "
        f"-> bulk is x{f['ratio_vs_one_per_request']:.0f}"
    )
    print(
        f"          CPU during the upload: hub {server_cpu:.2f} s ({f['server_boxes_per_cpu_s']:,.0f} "
        f"boxes per CPU-second), SDK {client_cpu:.2f} s ({f['client_boxes_per_cpu_s']:,.0f}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    figures.update(hub_profile)
    return figures


def _encode_cost(labels: list[dict[str, Any]], chunk_size: int) -> float:
    from predhub.sdk._encoding import ChunkPlan

    plan = ChunkPlan.by_size(labels, chunk_size)
    t0 = time.perf_counter()
    for i in range(plan.total_chunks):
        plan.body(i)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--boxes", type=int, default=20)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--peer-labels", type=int, default=300, help="labels sent one request each")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="uploads per backend; the median is reported")
    args = parser.parse_args()

    labels = make_labels(args.samples, args.boxes)
    encode_s = _encode_cost(labels, args.chunk_size)
    encode_rate = args.samples * args.boxes / encode_s
    print(f"SDK serialisation alone (box columns, one core): {encode_rate:,.0f} boxes/s ({encode_s:.3f} s)")
    results: dict[str, Any] = {
        "samples": args.samples,
        "boxes_per_sample": args.boxes,
        "chunk_size": args.chunk_size,
        "concurrency": args.concurrency,
        "sdk_encode_boxes_per_s": encode_rate,
        "target_sqlite_boxes_per_s": 100_000,
        "reference_boxes_per_s": REFERENCE_BOXES_PER_S,
    }
    for backend in args.backends.split(","):
        if backend == "sqlite":
            figures = bench_backend(
                "sqlite",
                None,
                args.samples,
                args.boxes,
                args.chunk_size,
                args.concurrency,
                args.peer_labels,
                args.profile,
                args.repeat,
            )
        else:
            with postgres_database() as url:
                figures = bench_backend(
                    "postgres",
                    url,
                    args.samples,
                    args.boxes,
                    args.chunk_size,
                    args.concurrency,
                    args.peer_labels,
                    args.profile,
                    args.repeat,
                )
        results[backend] = figures
    if "sqlite" in results:
        results["sqlite_meets_target"] = results["sqlite"]["boxes_per_s"] >= 100_000
        for peer, rate in REFERENCE_BOXES_PER_S.items():
            print(f"  for scale (issue 2's figure, not run here): {peer} ~{rate:,} boxes/s")
    print(json.dumps(results, separators=(",", ":"), default=float))


if __name__ == "__main__":
    main()
