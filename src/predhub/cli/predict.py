"""``predhub predict MODEL INPUT...``: run a model, print its predictions or write them into a hub.

A shell over :func:`predhub.models.deploy` and :func:`predhub.models.upload_predictions`.
"""

from __future__ import annotations

from typing import Any

import click
import orjson
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from predhub.cli._common import console, hub_client, hub_options, resolve_dataset
from predhub.core.serde import classification_to_dict, object_to_dict
from predhub.models import (
    BUNDLED,
    DEFAULT_DETECTOR,
    FrameSelection,
    HubSamples,
    ModelError,
    Prediction,
    UploadMode,
    deploy,
    upload_predictions,
)

__all__ = ["predict"]


def _record(p: Prediction) -> dict[str, Any]:
    return {
        "source": p.source,
        "frame_index": p.frame_index,
        "sample_id": p.sample_id,
        "width": p.width,
        "height": p.height,
        "model": p.model,
        "model_version": p.model_version,
        "objects": [object_to_dict(o) for o in p.objects.to_objects()],
        "classifications": [classification_to_dict(c) for c in p.classifications],
    }


def _summary(p: Prediction) -> str:
    where = p.source if p.frame_index is None else f"{p.source} frame {p.frame_index}"
    found = [f"{name} {score:.2f}" for name, score in zip(p.classes, p.scores, strict=True)]
    if p.objects.texts is not None:
        found = [f"{text!r} {score:.2f}" for text, score in zip(p.objects.texts, p.scores, strict=True)]
    found += [f"{c.name}={c.answer} {c.confidence or 0:.2f}" for c in p.classifications]
    return f"[bold]{where}[/bold]: " + (", ".join(found) if found else "[dim]nothing[/dim]")


def _settings(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--setting")
        try:
            out[key] = orjson.loads(value)
        except orjson.JSONDecodeError:
            out[key] = value
    return out


@click.command()
@click.argument("model")
@click.argument("inputs", nargs=-1)
@click.option(
    "--dataset", help="Write into this dataset (id or name); with no INPUT, predict on its samples."
)
@click.option("--label-set", help="The label set to write (name or id); with create, the new set's name.")
@click.option(
    "--upload",
    type=click.Choice([m.value for m in UploadMode]),
    help="How to write into the label set [default with --dataset: create].",
)
@click.option("--prelabel", is_flag=True, help="Write the labels as pre-labels (status prelabel) for review.")
@click.option("--query", help="With --dataset and no INPUT: only the samples this search selects.")
@click.option("--samples-of", help="With --dataset and no INPUT: only samples labelled in this label set.")
@click.option("--recursive", is_flag=True, help="Look for images in sub-folders of a folder INPUT.")
@click.option("--conf", type=float, help="Drop objects scoring below this [default: the model's].")
@click.option("--classes", help="Keep only these classes (comma-separated).")
@click.option("--batch-size", type=int, help="Images per model call [default: the model's].")
@click.option("--img-size", type=int, help="Network input size (square) [default: the model's].")
@click.option("--stride", type=int, default=1, show_default=True, help="Videos: every n-th frame.")
@click.option("--start-frame", type=int, help="Videos: first frame.")
@click.option("--end-frame", type=int, help="Videos: stop before this frame.")
@click.option("--start-time", type=float, help="Videos: start at this second.")
@click.option("--end-time", type=float, help="Videos: stop at this second.")
@click.option("--max-frames", type=int, help="Videos: at most this many frames.")
@click.option("--setting", "settings", multiple=True, help="Model setting KEY=VALUE (repeatable).")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "gpu"]),
    default="auto",
    show_default=True,
    help="Where the model runs; auto takes a GPU when the framework reports one.",
)
@click.option("--allow-url", multiple=True, help="URL prefix INPUT URLs may be fetched from (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per prediction (NDJSON).")
@hub_options
def predict(
    model: str,
    inputs: tuple[str, ...],
    dataset: str | None,
    label_set: str | None,
    upload: str | None,
    prelabel: bool,
    query: str | None,
    samples_of: str | None,
    recursive: bool,
    conf: float | None,
    classes: str | None,
    batch_size: int | None,
    img_size: int | None,
    stride: int,
    start_frame: int | None,
    end_frame: int | None,
    start_time: float | None,
    end_time: float | None,
    max_frames: int | None,
    settings: tuple[str, ...],
    device: str,
    allow_url: tuple[str, ...],
    as_json: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Run MODEL on INPUT (images, folders, videos, URLs) and print what it finds.

    MODEL is a checkpoint file or a bundled model:"""
    if not inputs and dataset is None:
        raise click.UsageError("give an INPUT to predict on, or --dataset to predict on a hub's samples")
    if (upload or label_set or prelabel) and dataset is None:
        raise click.UsageError(
            "--upload, --label-set and --prelabel write into a hub: say where with --dataset"
        )
    try:
        frames = FrameSelection(stride, start_frame, end_frame, start_time, end_time, max_frames)
        handle = deploy(model, device=device, url_allowlist=allow_url or None)  # type: ignore[arg-type]
        arguments: dict[str, Any] = {
            "batch_size": batch_size,
            "img_size": img_size,
            "conf": conf,
            "classes": None if classes is None else [c.strip() for c in classes.split(",") if c.strip()],
            "settings": _settings(settings),
        }
        if dataset is None:
            _print(
                handle.predict_detached(list(inputs), recursive=recursive, frames=frames, **arguments),
                as_json,
            )
            return
        with hub_client(url, token) as client:
            ds = resolve_dataset(client, dataset)
            source: Any = (
                list(inputs) if inputs else HubSamples(client, ds, query=query, label_set=samples_of)
            )
            session = handle.predict_detached(source, recursive=recursive, frames=frames, **arguments)
            predictions = _print(session, as_json)
            threshold = float(handle.options(settings=arguments["settings"]).settings["iou_merge_threshold"])
            result = upload_predictions(
                client,
                predictions,
                dataset=ds,
                label_set=label_set,
                mode=upload or UploadMode.CREATE,
                prelabel=prelabel,
                iou_merge_threshold=threshold,
            )
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    done = f"wrote {result.labels} labels ({result.objects} objects) into label set {result.label_set.name!r}"
    extra = [f"{result.samples_added} new samples"] if result.samples_added else []
    if result.duplicates_dropped:
        extra.append(f"{result.duplicates_dropped} duplicate objects dropped")
    click.echo(done + (f" ({', '.join(extra)})" if extra else ""), err=True)


def _print(session: Any, as_json: bool) -> list[Prediction]:
    """Stream the session's predictions to stdout as they come, with a progress bar on stderr."""
    from rich.console import Console

    predictions: list[Prediction] = []
    progress = Progress(
        TextColumn("predicting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=Console(stderr=True), transient=True,
    )  # fmt: skip
    with progress:
        task = progress.add_task("predict", total=session.total)
        for prediction in session:
            predictions.append(prediction)
            if as_json:
                click.echo(orjson.dumps(_record(prediction)).decode())
            else:
                console.print(_summary(prediction))
            progress.advance(task)
    return predictions


predict.help = (
    (predict.help or "") + " " + ", ".join(sorted(BUNDLED)) + f" (the detector: {DEFAULT_DETECTOR})."
)
