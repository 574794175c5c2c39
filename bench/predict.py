"""predict() over 200 image files against a bare loop calling the same model on decoded arrays.

The target (issue 5): decoding and pre-processing overlap inference, so predict() over files runs
within 10% of a bare loop that gets its images already decoded. Two bare loops, the faster is the
baseline: OpenCV DNN called directly (``blobFromImage`` + ``forward``, what a user would write),
and the adapter's own ``prepare`` + ``run`` called serially (the same work predict() does, minus
decoding and the pipeline). Both use the default detector
(SSD MobileNet v2 through OpenCV DNN) on the scikit-image photos, resized to varied sizes and
written as JPEG/PNG files. Prints both figures and the ratio, then one JSON line.

    PYTHONPATH=src python bench/predict.py [--images 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from predhub.models import PredictOptions, deploy

PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "motorcycle_left.png", "rocket.jpg")


def make_images(folder: Path, count: int) -> list[Path]:
    spec = importlib.util.find_spec("skimage")
    assert spec is not None and spec.submodule_search_locations
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    sources = [Image.open(data / name).convert("RGB") for name in PHOTOS]
    paths = []
    for i in range(count):
        image = sources[i % len(sources)]
        scale = 0.6 + 0.8 * ((i * 7919) % 100) / 100  # 0.6x .. 1.4x, deterministic
        resized = image.resize((round(image.width * scale), round(image.height * scale)))
        path = folder / f"{i:04d}.{'jpg' if i % 2 else 'png'}"
        resized.save(path, quality=90)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (fair under varying load)")
    args = parser.parse_args()
    import cv2

    model = deploy("ssd-mobilenet-v2-coco")
    net = model.runner.net  # type: ignore[attr-defined]
    batch = model.runner.preferred_batch_size
    times = {"bare": 0.0, "bare_adapter": 0.0, "predict": 0.0, "batched": 0.0}
    objects = dict.fromkeys(times, 0)
    options = PredictOptions()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_images(Path(tmp), args.images)
        decoded = [np.asarray(Image.open(p).convert("RGB")) for p in paths]
        model.predict(decoded[:8])  # warm up OpenCV's graph and thread pool

        def bare(chunk: range) -> None:
            for i in chunk:
                net.setInput(cv2.dnn.blobFromImage(decoded[i], size=(300, 300)))
                out = net.forward()
                objects["bare"] += int((out[0, 0, :, 2] >= 0.5).sum())

        def bare_adapter(chunk: range) -> None:
            # The adapter's own pre-processing, inference and decoding, called serially.
            runner = model.runner
            for i in chunk:
                [out] = runner.run([runner.prepare(decoded[i], options)], options)
                objects["bare_adapter"] += len(out.objects.filter(conf=0.5))

        def predict(chunk: range) -> None:
            objects["predict"] += sum(
                len(p.objects) for p in model.predict([paths[i] for i in chunk], batch_size=1)
            )

        def batched(chunk: range) -> None:
            objects["batched"] += sum(len(p.objects) for p in model.predict([paths[i] for i in chunk]))

        # The machine is shared: interleave the contenders in rounds, rotating who goes first, so
        # that load from elsewhere falls on all of them alike.
        runs = {"bare": bare, "bare_adapter": bare_adapter, "predict": predict, "batched": batched}
        order = list(runs)
        size = -(-args.images // args.rounds)
        for r in range(args.rounds):
            chunk = range(r * size, min(args.images, (r + 1) * size))
            for name in order[r % len(order) :] + order[: r % len(order)]:
                start = time.perf_counter()
                runs[name](chunk)
                times[name] += time.perf_counter() - start

    n = args.images
    # The stricter of the two bare loops is the baseline.
    baseline = min(times["bare"], times["bare_adapter"])
    ratio = times["predict"] / baseline
    ratio_batched = times["batched"] / baseline
    rows = [
        ("bare loop, cv2 on arrays", times["bare"], None),
        ("bare loop, adapter on arrays", times["bare_adapter"], None),
        ("predict(files), batch_size=1", times["predict"], ratio),
        (f"predict(files), batch_size={batch}", times["batched"], ratio_batched),
    ]
    for label, seconds, r in rows:
        tail = "" if r is None else f"  ratio {r:.3f}"
        print(f"{label:30s}: {seconds:7.2f} s  ({n / seconds:5.1f} img/s){tail}")
    load = os.getloadavg()[0]
    print(f"objects found: {objects}; load average {load:.1f} on {os.cpu_count()} cores")
    print(
        json.dumps(
            {
                "bench": "predict",
                "model": model.name,
                "images": n,
                "rounds": args.rounds,
                "bare_loop_s": round(times["bare"], 3),
                "bare_adapter_loop_s": round(times["bare_adapter"], 3),
                "predict_s": round(times["predict"], 3),
                "predict_ratio": round(ratio, 3),
                "predict_batched_s": round(times["batched"], 3),
                "predict_batched_ratio": round(ratio_batched, 3),
                "batch_size": batch,
                "objects": objects,
                "within_10_percent": ratio <= 1.10,
                "load_average_1m": round(load, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
