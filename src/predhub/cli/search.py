"""``predhub search``: a dataset's samples filtered and sorted with the query language (docs/search.md)."""

from __future__ import annotations

import itertools

import click
from rich.table import Table

from predhub.cli._common import console, hub_client, hub_options, print_json, resolve_dataset

__all__ = ["search"]


@click.command()
@click.argument("dataset")
@click.argument("query", required=False, default="")
@click.option("--sort", default=None, help="Sort keys, e.g. 'my-model.disagreement:desc,key'.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print the samples as JSON.")
@hub_options
def search(
    dataset: str, query: str, sort: str | None, limit: int, as_json: bool, url: str | None, token: str | None
) -> None:
    """Samples of DATASET (name or id) matching QUERY, e.g. 'ground-truth.car:>0 my-model.car:=0'."""
    with hub_client(url, token) as client:
        found = resolve_dataset(client, dataset)
        pages = client.list_samples(found, query=query or None, sort=sort, page_size=min(limit, 1000))
        samples = list(itertools.islice(pages, limit))
    if as_json:
        print_json(samples)
        return
    title = f"{len(samples)} sample(s) of {found.name}"
    table = Table("id", "key", "size", title=title, title_justify="left")
    for s in samples:
        table.add_row(str(s.id), s.key, f"{s.width}x{s.height}" if s.width else "")
    console.print(table)
