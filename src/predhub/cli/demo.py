"""``predhub demo``: start a hub on SQLite with real images, ground truth and predictions; serve it."""

from __future__ import annotations

import os
import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING

import click

from predhub.cli._common import console

if TYPE_CHECKING:
    from predhub.demo.hub import LocalHub

__all__ = ["demo"]


def _has_display() -> bool:
    # A headless server has no browser to open; only try where a desktop session is there.
    return sys.platform in ("darwin", "win32") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("predhub-data"),
    show_default=True,
    help="Folder for the hub's SQLite database and blobs.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface the hub listens on.")
@click.option("--port", default=8470, show_default=True, help="Port the hub listens on.")
@click.option("--no-serve", is_flag=True, help="Exit after printing the summary instead of serving the hub.")
@click.option(
    "--predictions",
    type=click.Choice(["detector", "shipped"]),
    default="detector",
    show_default=True,
    help="Where the prediction set comes from: the real SSD detector run now, or the hand-written file.",
)
def demo(data_dir: Path, host: str, port: int, no_serve: bool, predictions: str) -> None:
    """Start a hub on SQLite in a local folder with a dataset of real images, its ground truth and a
    prediction set; print a summary, then serve the hub until Ctrl-C."""
    from predhub.demo import run_demo
    from predhub.demo.detector import DetectorPredictions
    from predhub.demo.predictions import ShippedPredictions

    def ready(hub: LocalHub) -> None:
        url = hub.url
        console.print(f"\nserving the hub at [bold]{url}[/] (API docs: {url}/api/v1/docs) - Ctrl-C to stop")
        if _has_display():
            webbrowser.open(url)  # the gallery; the local admin is logged in automatically

    try:
        run_demo(
            data_dir,
            host=host,
            port=port,
            serve=not no_serve,
            predictions=(
                DetectorPredictions(say=console.print) if predictions == "detector" else ShippedPredictions()
            ),
            say=lambda line: console.print(f"[dim]{line}[/]"),
            show=console.print,
            on_ready=ready,
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
