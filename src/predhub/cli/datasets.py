"""``predhub datasets``: create, list, show and delete datasets."""

from __future__ import annotations

from pathlib import Path

import click
import orjson
from rich.table import Table

from predhub.cli._common import console, hub_client, hub_options, pass_errors, print_json, resolve_dataset
from predhub.core import Ontology

__all__ = ["datasets"]


@click.group()
def datasets() -> None:
    """Datasets: images with an ontology, ground truth and prediction sets."""


@datasets.command()
@click.argument("name")
@click.option(
    "--ontology",
    "ontology_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help='JSON file: {"objects": [{"name", "kind"}, ...], "classifications": [...]}',
)
@click.option("--description", default=None, help="What the dataset holds.")
@click.option("--json", "as_json", is_flag=True, help="Print the dataset as JSON.")
@hub_options
@pass_errors
def create(
    name: str, ontology_file: Path, description: str | None, as_json: bool, url: str | None, token: str | None
) -> None:
    """Create dataset NAME with the ontology in a JSON file."""
    try:
        ontology = Ontology.from_dict(orjson.loads(ontology_file.read_bytes()))
    except orjson.JSONDecodeError as exc:
        raise click.ClickException(f"{ontology_file}: not valid JSON: {exc}") from exc
    except ValueError as exc:
        raise click.ClickException(f"{ontology_file}: {exc}") from exc
    with hub_client(url, token) as client:
        dataset = client.create_dataset(name, ontology, description=description)
    if as_json:
        print_json(dataset)
    else:
        console.print(
            f"created dataset {dataset.id} [bold]{dataset.name}[/] ({len(ontology.objects)} classes)"
        )


@datasets.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the datasets as JSON.")
@hub_options
def list_(as_json: bool, url: str | None, token: str | None) -> None:
    """List the datasets the token can see."""
    with hub_client(url, token) as client:
        found = list(client.list_datasets())
    if as_json:
        print_json(found)
        return
    table = Table("id", "name", "samples", "classes", "description")
    for d in found:
        table.add_row(str(d.id), d.name, str(d.sample_count), str(len(d.ontology.objects)), d.description)
    console.print(table)


@datasets.command()
@click.argument("dataset")
@click.option("--json", "as_json", is_flag=True, help="Print the dataset and its label sets as JSON.")
@hub_options
def show(dataset: str, as_json: bool, url: str | None, token: str | None) -> None:
    """Show DATASET (id or name): its ontology and label sets."""
    with hub_client(url, token) as client:
        found = resolve_dataset(client, dataset)
        label_sets = list(client.list_label_sets(found))
    if as_json:
        print_json({"dataset": found, "label_sets": label_sets})
        return
    console.print(f"[bold]{found.name}[/] (id {found.id}, {found.media_type}, {found.sample_count} samples)")
    if found.description:
        console.print(found.description)
    classes = ", ".join(f"{o.name} ({o.kind.value})" for o in found.ontology.objects)
    console.print(f"classes: {classes or '-'}")
    if found.ontology.classifications:
        console.print(f"classifications: {', '.join(c.name for c in found.ontology.classifications)}")
    table = Table(
        "id", "label set", "kind", "model", "labels", "objects", title="label sets", title_justify="left"
    )
    for s in label_sets:
        model = " ".join(v for v in (s.model_name, s.model_version) if v)
        table.add_row(str(s.id), s.name, s.kind.value, model, str(s.label_count), str(s.object_count))
    console.print(table)


@datasets.command()
@click.argument("dataset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@hub_options
def delete(dataset: str, yes: bool, url: str | None, token: str | None) -> None:
    """Delete DATASET (id or name) with its samples and label sets."""
    with hub_client(url, token) as client:
        found = resolve_dataset(client, dataset)
        if not yes:
            click.confirm(f"Delete dataset {found.name!r} ({found.sample_count} samples)?", abort=True)
        client.delete_dataset(found)
    console.print(f"deleted dataset {found.id} {found.name}")
