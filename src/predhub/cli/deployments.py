"""``predhub deployments``: models the hub runs in supervised worker processes."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from predhub.cli._common import console, hub_client, hub_options, print_json

__all__ = ["deployments"]


def _table(items: list[dict[str, Any]]) -> Table:
    table = Table("id", "model", "status", "device", "framework", "restarts", "pid", "error")
    for d in items:
        table.add_row(
            str(d["id"]), str(d["model"]), str(d["status"]), str(d["device"]), str(d.get("framework") or ""),
            str(d["restarts"]), str(d.get("pid") or ""), str(d.get("error") or ""),
        )  # fmt: skip
    return table


@click.group()
def deployments() -> None:
    """Models the hub runs (restarted on crash, kept across hub restarts); predict with `predhub predict`."""


@deployments.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the deployments as JSON.")
@hub_options
def list_(as_json: bool, url: str | None, token: str | None) -> None:
    """List the deployments of your workspaces."""
    with hub_client(url, token) as client:
        items = client.list_deployments()
    print_json(items) if as_json else console.print(_table(items))


@deployments.command()
@click.argument("model")
@click.option(
    "--device",
    type=click.Choice(["auto", "cpu", "gpu"]),
    default="auto",
    show_default=True,
    help="Where the worker runs the model; auto takes a GPU when the framework reports one.",
)
@click.option("--reuse", is_flag=True, help="Return the running deployment of MODEL if there is one.")
@click.option("--json", "as_json", is_flag=True, help="Print the deployment as JSON.")
@hub_options
def start(model: str, device: str, reuse: bool, as_json: bool, url: str | None, token: str | None) -> None:
    """Start MODEL (a bundled model's name or a checkpoint path on the hub) in a worker process."""
    with hub_client(url, token) as client:
        info = client.create_deployment(model, device=device, reuse=reuse)
    print_json(info) if as_json else console.print(
        f"deployment {info['id']}: {info['model']} {info['status']}"
    )


@deployments.command()
@click.argument("deployment_id", type=int)
@hub_options
def stop(deployment_id: int, url: str | None, token: str | None) -> None:
    """Stop deployment DEPLOYMENT_ID (it stays listed; `restart` runs it again)."""
    with hub_client(url, token) as client:
        info = client.stop_deployment(deployment_id)
    console.print(f"deployment {info['id']}: {info['status']}")


@deployments.command()
@click.argument("deployment_id", type=int)
@hub_options
def restart(deployment_id: int, url: str | None, token: str | None) -> None:
    """Start deployment DEPLOYMENT_ID's worker again, under the same id."""
    with hub_client(url, token) as client:
        info = client.restart_deployment(deployment_id)
    console.print(f"deployment {info['id']}: {info['status']}")


@deployments.command()
@click.argument("deployment_id", type=int)
@click.option("--tail", default=50, show_default=True, help="How many of the last lines to print.")
@hub_options
def logs(deployment_id: int, tail: int, url: str | None, token: str | None) -> None:
    """Print what deployment DEPLOYMENT_ID's worker wrote, across its restarts."""
    with hub_client(url, token) as client:
        lines = client.deployment_logs(deployment_id, tail=tail)
    click.echo("\n".join(lines))
