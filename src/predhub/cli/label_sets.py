"""``predhub label-sets``: create and list the label sets of a dataset."""

from __future__ import annotations

from pathlib import Path

import click
import orjson
from rich.table import Table

from predhub.cli._common import console, hub_client, hub_options, print_json, resolve_dataset
from predhub.sdk import LabelSetKind

__all__ = ["label_sets"]


@click.group("label-sets")
def label_sets() -> None:
    """Label sets: the ground truth, or one model run's predictions, over a dataset."""


@label_sets.command()
@click.argument("dataset")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in LabelSetKind]),
    default=LabelSetKind.PREDICTIONS.value,
    show_default=True,
    help="The ground truth, or one model run's predictions.",
)
@click.option("--description", default=None, help="What the label set holds.")
@click.option("--model-name", default=None, help="The model that made the predictions.")
@click.option("--model-version", default=None, help="The version of that model.")
@click.option(
    "--class-mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help='JSON file {"pred_class": "gt_class" | "_background"} for predictions that use other names.',
)
@click.option("--json", "as_json", is_flag=True, help="Print the label set as JSON.")
@hub_options
def create(
    dataset: str,
    name: str,
    kind: str,
    description: str | None,
    model_name: str | None,
    model_version: str | None,
    class_mapping: Path | None,
    as_json: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Create label set NAME in DATASET (id or name)."""
    mapping = None
    if class_mapping is not None:
        try:
            mapping = orjson.loads(class_mapping.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise click.ClickException(f"{class_mapping}: not valid JSON: {exc}") from exc
    with hub_client(url, token) as client:
        label_set = client.create_label_set(
            resolve_dataset(client, dataset),
            name,
            kind=kind,
            description=description,
            model_name=model_name,
            model_version=model_version,
            class_mapping=mapping,
        )
    if as_json:
        print_json(label_set)
    else:
        console.print(f"created label set {label_set.id} [bold]{label_set.name}[/] ({label_set.kind.value})")


@label_sets.command("list")
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print the label sets as JSON.")
@hub_options
def list_(dataset: str, as_json: bool, url: str | None, token: str | None) -> None:
    """List the label sets of DATASET (id or name)."""
    with hub_client(url, token) as client:
        found = list(client.list_label_sets(resolve_dataset(client, dataset)))
    if as_json:
        print_json(found)
        return
    table = Table("id", "name", "kind", "model", "labels", "objects")
    for s in found:
        model = " ".join(v for v in (s.model_name, s.model_version) if v)
        table.add_row(str(s.id), s.name, s.kind.value, model, str(s.label_count), str(s.object_count))
    console.print(table)
