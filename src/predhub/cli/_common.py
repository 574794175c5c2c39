"""What the resource commands share: hub options, one client per command, errors as CLI errors, output.

The commands are shells over :class:`predhub.Client`; nothing here talks HTTP or knows the REST paths.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from predhub.sdk import Client, Dataset, LabelSet, PredhubError, RecordError

__all__ = [
    "console",
    "hub_client",
    "hub_options",
    "mode_option",
    "on_conflict_option",
    "pass_errors",
    "print_errors",
    "print_json",
    "resolve_dataset",
    "resolve_label_set",
]

P = ParamSpec("P")
R = TypeVar("R")

console = Console(highlight=False)


def hub_options(command: Callable[P, R]) -> Callable[P, R]:
    """``--url``/``--token`` on a command; both default to the environment, then the config file."""
    command = click.option(
        "--token", envvar="PREDHUB_TOKEN", default=None, help="API token [default: from the config file]"
    )(command)
    command = click.option(
        "--url", envvar="PREDHUB_URL", default=None, help="Hub URL [default: from the config file]"
    )(command)
    return command


def mode_option(strict_help: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``--mode strict|partial`` of the commands that store labels; ``strict_help`` says what strict does."""
    return click.option(
        "--mode",
        type=click.Choice(["strict", "partial"]),
        default="strict",
        show_default=True,
        help=strict_help,
    )


on_conflict_option = click.option(
    "--on-conflict",
    type=click.Choice(["replace", "append", "skip"]),
    default="replace",
    show_default=True,
    help="What to do with a sample that already has a label in the set.",
)


@contextmanager
def hub_client(url: str | None, token: str | None) -> Iterator[Client]:
    """A client for one command; any SDK error becomes a one-line CLI error (exit status 1)."""
    try:
        with Client(url, token) as client:
            yield client
    except PredhubError as exc:
        raise click.ClickException(str(exc)) from exc


def resolve_dataset(client: Client, ref: str) -> Dataset:
    """A dataset by id (all digits) or by name."""
    return client.get_dataset(int(ref)) if ref.isdigit() else client.get_dataset_by_name(ref)


def resolve_label_set(client: Client, dataset: Dataset | None, ref: str) -> LabelSet:
    """A label set by id (all digits), or by name within ``dataset``."""
    if ref.isdigit():
        return client.get_label_set(int(ref))
    if dataset is None:
        raise click.UsageError(f"label set {ref!r} is a name: say which dataset with --dataset")
    return client.get_label_set_by_name(dataset, ref)


def print_json(value: Any) -> None:
    """Machine-readable output (``--json``): dataclasses, enums and datetimes as JSON."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATACLASS
    click.echo(orjson.dumps(value, option=options, default=_jsonable).decode())


def _jsonable(value: Any) -> Any:
    # An ontology writes its own JSON shape (the API's); other models are their public fields.
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {f.name: getattr(value, f.name) for f in fields if not f.name.startswith("_")}
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def print_errors(errors: tuple[RecordError, ...], total: int | None = None, limit: int = 20) -> None:
    table = Table("chunk", "record", "field", "message", title="rejected records", title_justify="left")
    for e in errors[:limit]:
        table.add_row(*("" if v is None else str(v) for v in (e.chunk, e.record, e.field)), e.message)
    console.print(table)
    hidden = (total if total is not None else len(errors)) - min(limit, len(errors))
    if hidden > 0:
        console.print(f"... and {hidden} more")


def pass_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a ``ValueError`` from reading input (a bad file) into a CLI error."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (ValueError, OSError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper
