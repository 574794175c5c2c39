"""Import/export benchmark: 1,000,000 boxes from a COCO results file and from Labelbox NDJSON.

    PYTHONPATH=src python bench/import_export.py [--boxes 1000000] [--samples 10000] [--formats coco,labelbox]
        [--database sqlite|postgres]

Starts a real hub (``python -m predhub.server``, SQLite or a fresh PostgreSQL database, 127.0.0.1, a
free port), creates a dataset
with ``--samples`` samples, writes each file the way the tool would (COCO results: one JSON array;
Labelbox: one NDJSON line per box), then through :class:`predhub.Client`:

1. ``import_file``: the file streamed to the hub and imported by a job (parse, convert, validate
   against the ontology and the image size, store), timed from the first byte sent to the job done;
2. ``export`` of the same label set back to the same format, timed to the last byte written;
3. the hub process's peak resident memory (``VmHWM``, reset before each step) of each step, with the
   file sizes, to show the import streams (memory does not grow with the file: compare ``--boxes``
   1000000 and 2000000); for the export also the peak of the hub and the worker processes that write
   a large export in parts, together (sampled). The hub's CPU figures leave those workers out.

Issue 3's target: >= 150,000 boxes/s import, export faster than import. Label Studio's bulk import
measured on this machine (about 5,000-6,000 boxes/s; not installed here, so printed for scale, not
re-run) is the peer figure. Ends with ONE line of JSON holding every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hub_process import HubProcess, postgres_database

import predhub

LABEL_STUDIO_BOXES_PER_S = 5500  # issue 3: Label Studio's measured bulk import, ~5,000-6,000 boxes/s
CLASSES = [f"class-{i}" for i in range(10)]
WIDTH, HEIGHT = 640, 480


def _boxes(n: int, samples: int) -> list[tuple[int, int, float, float, float, float, float]]:
    rng = random.Random(0)
    per = max(1, n // samples)
    out = []
    for i in range(n):
        x, y = rng.uniform(0, 560), rng.uniform(0, 420)
        w, h = rng.uniform(4, 80), rng.uniform(4, 60)
        out.append(
            (
                min(i // per, samples - 1),
                i % 10,
                round(x, 2),
                round(y, 2),
                round(w, 2),
                round(h, 2),
                round(rng.random(), 4),
            )
        )
    return out


def write_coco(path: Path, boxes: list[tuple[int, int, float, float, float, float, float]]) -> None:
    with path.open("wb") as f:
        f.write(b"[")
        for i, (img, cls, x, y, w, h, s) in enumerate(boxes):
            record = {"image_id": img, "category_id": cls + 1, "bbox": [x, y, w, h], "score": s}
            f.write((b"," if i else b"") + orjson.dumps(record))
        f.write(b"]")


def write_labelbox(path: Path, boxes: list[tuple[int, int, float, float, float, float, float]]) -> None:
    with path.open("wb") as f:
        for i, (img, cls, x, y, w, h, s) in enumerate(boxes):
            line = {
                "uuid": f"00000000-0000-4000-8000-{i:012d}",
                "dataRow": {"globalKey": str(img)},
                "name": CLASSES[cls],
                "confidence": s,
                "bbox": {"top": y, "left": x, "height": h, "width": w},
            }
            f.write(orjson.dumps(line) + b"\n")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


class TreeRss:
    """The largest memory of a process and all its descendants together (the export's worker
    processes, forked by the hub's fork server), as proportional set sizes sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_mb = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            total = 0
            for pid in _descendants(self.pid):
                with contextlib.suppress(OSError):
                    # Proportional: pages a worker shares with the fork server count once in all.
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Pss:"):
                            total += int(line.split()[1])
            self.peak_mb = max(self.peak_mb, total / 1024)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def reset_peak_rss(pid: int) -> float:
    """Reset the process's VmHWM to its current resident size (Linux: ``5`` to clear_refs), so the
    next reading is one step's peak; returns that size in MB."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    return peak_rss_mb(pid)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--boxes", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--formats", default="coco,labelbox")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    formats = args.formats.split(",")
    figures: dict[str, Any] = {"boxes": args.boxes, "samples": args.samples, "database": args.database}
    boxes = _boxes(args.boxes, args.samples)
    with tempfile.TemporaryDirectory(prefix="predhub-bench-formats-") as tmp:
        folder = Path(tmp)
        writers = {"coco": (write_coco, "results.json"), "labelbox": (write_labelbox, "predictions.ndjson")}
        files = {}
        for name in formats:
            write, filename = writers[name]
            files[name] = folder / filename
            write(files[name], boxes)
            figures[f"{name}_file_mb"] = round(files[name].stat().st_size / 1e6, 1)
        del boxes
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(postgres_database()) if args.database == "postgres" else None
            hub = stack.enter_context(HubProcess(folder / "hub", url))
            client = stack.enter_context(predhub.Client(hub.url, hub.token))
            assert hub.process is not None
            pid = hub.process.pid
            ontology = {"objects": [{"name": c, "kind": "box"} for c in CLASSES]}
            dataset = client.create_dataset("bench-formats", ontology)
            client.add_samples(
                dataset,
                [
                    predhub.NewSample(str(i), url=f"https://example.test/{i}.jpg", width=WIDTH, height=HEIGHT)
                    for i in range(args.samples)
                ],
            )
            figures["hub_rss_before_mb"] = round(peak_rss_mb(pid), 1)
            for name in formats:
                label_set = client.create_label_set(dataset, f"bench-{name}", kind="predictions")
                reset_peak_rss(pid)
                t0, c0 = time.perf_counter(), cpu_seconds(pid)
                job = client.import_file(label_set, files[name], format=name, mode="strict", wait=False)
                upload_seconds = time.perf_counter() - t0
                job = client.wait_job(job.id, timeout=3600)
                seconds = time.perf_counter() - t0
                # The file is sent first, then parsed and stored by the job: the two phases apart.
                figures[f"{name}_import_upload_s"] = round(upload_seconds, 2)
                if job.started_at and job.finished_at:
                    job_seconds = (job.finished_at - job.started_at).total_seconds()
                    figures[f"{name}_import_job_s"] = round(job_seconds, 2)
                # The machine is shared: the hub's own CPU time says what one free core would do.
                figures[f"{name}_import_boxes_per_hub_cpu_s"] = round(args.boxes / (cpu_seconds(pid) - c0))
                if job.status != "done":
                    raise SystemExit(f"{name} import {job.status}: {job.error}")
                stored = job.result["stored_objects"]
                assert stored == args.boxes, job.result
                import_rate = stored / seconds
                figures[f"{name}_import_s"] = round(seconds, 2)
                figures[f"{name}_import_boxes_per_s"] = round(import_rate)
                figures[f"{name}_import_peak_rss_mb"] = round(peak_rss_mb(pid), 1)
                ratio = import_rate / LABEL_STUDIO_BOXES_PER_S
                print(
                    f"{name}: import {stored:,} boxes in {seconds:.1f} s = {import_rate:,.0f} boxes/s "
                    f"({ratio:.1f}x Label Studio's ~{LABEL_STUDIO_BOXES_PER_S:,}/s; "
                    f"{figures[f'{name}_import_boxes_per_hub_cpu_s']:,} boxes per hub CPU-second); "
                    f"hub peak RSS {figures[f'{name}_import_peak_rss_mb']} MB "
                    f"for a {figures[f'{name}_file_mb']} MB file"
                )
                out = folder / f"export-{name}"
                # VmHWM so far is the import's peak: reset it, so that the figure below is the export's.
                figures[f"{name}_rss_before_export_mb"] = round(reset_peak_rss(pid), 1)
                t0, c0 = time.perf_counter(), cpu_seconds(pid)
                with TreeRss(pid) as tree:
                    report = client.export(label_set, out, format=name)
                seconds = time.perf_counter() - t0
                # The hub's own memory and CPU leave out the worker processes of an export in parts.
                figures[f"{name}_export_peak_rss_with_workers_mb"] = round(tree.peak_mb, 1)
                figures[f"{name}_export_boxes_per_hub_cpu_s"] = round(args.boxes / (cpu_seconds(pid) - c0))
                assert report["objects"] == args.boxes and not report["dropped"], report
                export_rate = args.boxes / seconds
                figures[f"{name}_export_s"] = round(seconds, 2)
                figures[f"{name}_export_boxes_per_s"] = round(export_rate)
                figures[f"{name}_export_peak_rss_mb"] = round(peak_rss_mb(pid), 1)
                figures[f"{name}_import_vs_label_studio"] = round(import_rate / LABEL_STUDIO_BOXES_PER_S, 1)
                figures[f"{name}_export_faster_than_import"] = export_rate > import_rate
                print(
                    f"{name}: export {args.boxes:,} boxes in {seconds:.1f} s = {export_rate:,.0f} boxes/s "
                    f"({export_rate / import_rate:.2f}x the import); "
                    f"hub peak RSS during the export {figures[f'{name}_export_peak_rss_mb']} MB "
                    f"(from {figures[f'{name}_rss_before_export_mb']} MB; with its worker processes "
                    f"{figures[f'{name}_export_peak_rss_with_workers_mb']} MB)"
                )
                out.unlink()
    figures["load_average_1m"] = os.getloadavg()[0]
    figures["cpu_count"] = os.cpu_count()
    figures["label_studio_reference_boxes_per_s"] = LABEL_STUDIO_BOXES_PER_S
    figures["target_import_boxes_per_s"] = 150_000
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
