"""``predhub import`` and ``predhub export``: files in the formats other tools use, over the SDK."""

from __future__ import annotations

from pathlib import Path

import click
import orjson

from predhub.cli._common import (
    console,
    hub_client,
    hub_options,
    mode_option,
    on_conflict_option,
    pass_errors,
    print_json,
    resolve_dataset,
)
from predhub.formats.registry import FORMAT_NAMES
from predhub.sdk import Client, Dataset, JobStatus, LabelSet, LabelSetKind, NotFound

__all__ = ["export_command", "import_command"]

_FORMAT = click.option(
    "--format", "format_", type=click.Choice(FORMAT_NAMES), required=True, help="The file's format."
)
_OPTIONS = click.option(
    "--options",
    "options_json",
    default=None,
    help='Format options as JSON, e.g. \'{"image_ids": {"42": "img-42.jpg"}, "categories": {"1": "car"}}\'.',
)


def _options(text: str | None) -> dict[str, object] | None:
    if not text:
        return None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--options") from None
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--options")
    return value


def _dataset(
    client: Client, ref: str, create: bool, file: Path, format_: str, image_root: str | None
) -> Dataset:
    try:
        return resolve_dataset(client, ref)
    except NotFound:
        if not create or ref.isdigit():
            raise
    if format_ not in ("coco", "labelstudio"):
        raise click.UsageError("--create-dataset reads the ontology from a coco or labelstudio file")
    dataset = client.create_dataset_from_file(ref, file, format=format_, image_root=image_root)
    console.print(f"created dataset {dataset.name!r} ({dataset.id}) with {dataset.sample_count} samples")
    return dataset


def _label_set(client: Client, dataset: Dataset, ref: str, kind: str) -> LabelSet:
    if ref.isdigit():
        return client.get_label_set(int(ref))
    try:
        return client.get_label_set_by_name(dataset, ref)
    except NotFound:
        return client.create_label_set(dataset, ref, kind=kind)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@_FORMAT
@click.option("--dataset", "dataset_ref", required=True, help="Dataset id or name.")
@click.option("--label-set", "label_set_ref", required=True, help="Label set id, or name (created if new).")
@click.option("--create-dataset", is_flag=True, help="Create the dataset, ontology and samples from FILE.")
@click.option(
    "--image-root", default=None, help="URL prefix of the images of a dataset made by --create-dataset."
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in LabelSetKind]),
    default="predictions",
    show_default=True,
    help="Kind of a label set created here.",
)
@mode_option("strict: any bad record and nothing is stored; partial: store the good records.")
@on_conflict_option
@_OPTIONS
@click.option("--json", "as_json", is_flag=True, help="Print the finished job as JSON.")
@hub_options
@pass_errors
def import_command(
    file: Path,
    format_: str,
    dataset_ref: str,
    label_set_ref: str,
    create_dataset: bool,
    image_root: str | None,
    kind: str,
    mode: str,
    on_conflict: str,
    options_json: str | None,
    as_json: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Import FILE (a folder or zip for yolo, voc, supervisely) into a label set."""
    options = _options(options_json)
    with hub_client(url, token) as client:
        dataset = _dataset(client, dataset_ref, create_dataset, file, format_, image_root)
        label_set = _label_set(client, dataset, label_set_ref, kind)
        with console.status(f"importing {file.name} into {label_set.name!r}", spinner="dots"):
            job = client.import_file(
                label_set,
                file,
                format=format_,
                mode=mode,  # type: ignore[arg-type]
                on_conflict=on_conflict,  # type: ignore[arg-type]
                options=options,
            )
    if as_json:
        print_json(job)
    elif job.status is JobStatus.DONE:
        r = job.result or {}
        console.print(
            f"import job {job.id}: [bold]done[/] - {r.get('records', 0)} records, "
            f"{r.get('stored', 0)} labels, {r.get('stored_objects', 0)} objects stored, "
            f"{r.get('rejected', 0)} records rejected"
        )
        for e in (r.get("errors") or [])[:20]:
            console.print(f"  record {e['record']}: {e['field']}: {e['message']}" if e["field"] else f"  {e}")
    else:
        console.print(f"import job {job.id}: [bold red]{job.status.value}[/]\n{job.error or ''}")
    if job.status is not JobStatus.DONE:
        raise SystemExit(1)


@click.command("export")
@_FORMAT
@click.option(
    "--dataset", "dataset_ref", default=None, help="Dataset id or name (when --label-set is a name)."
)
@click.option("--label-set", "label_set_ref", required=True, help="Label set id, or name within --dataset.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="File to write.")
@_OPTIONS
@click.option("--json", "as_json", is_flag=True, help="Print the export report as JSON.")
@hub_options
@pass_errors
def export_command(
    format_: str,
    dataset_ref: str | None,
    label_set_ref: str,
    output: Path,
    options_json: str | None,
    as_json: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Export a label set as a file of --format, saying what the format could not carry."""
    with hub_client(url, token) as client:
        if label_set_ref.isdigit():
            label_set = client.get_label_set(int(label_set_ref))
        else:
            if dataset_ref is None:
                raise click.UsageError(
                    f"label set {label_set_ref!r} is a name: say which dataset with --dataset"
                )
            label_set = client.get_label_set_by_name(resolve_dataset(client, dataset_ref), label_set_ref)
        report = client.export(label_set, output, format=format_, options=_options(options_json))
    if as_json:
        print_json(report)
        return
    console.print(f"wrote {output}: {report.get('labels', 0)} labels, {report.get('objects', 0)} objects")
    for what, n in sorted((report.get("dropped") or {}).items()):
        console.print(f"  [yellow]could not carry[/] {n} x {what}")
    for what, n in sorted((report.get("converted") or {}).items()):
        console.print(f"  wrote {n} x {what}")
