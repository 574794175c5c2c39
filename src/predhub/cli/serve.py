"""``predhub serve``: run a hub (a thin shell over :func:`predhub.server.serve`)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["serve"]


@click.command()
@click.option(
    "--data-dir", type=click.Path(path_type=Path), default=None, help="Database and blobs [./predhub-data]."
)
@click.option("--database-url", default=None, help="SQLAlchemy URL; default SQLite in the data dir.")
@click.option(
    "--media-root", type=click.Path(path_type=Path), default=None, help="Folder sample paths are under."
)
@click.option("--host", default=None, help="Interface to listen on [127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [8470].")
@click.option("--max-body-bytes", type=int, default=None, help="Larger request bodies get 413.")
@click.option("--job-threads", type=int, default=None, help="Job worker threads (0: none) [1].")
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    help="uvicorn log level: debug, info, warning, error.",
)
def serve(log_level: str, **options: object) -> None:
    """Serve a hub. The first start creates user admin and writes its token to the config file."""
    from predhub.server import Settings
    from predhub.server import serve as run

    given = {k: v for k, v in options.items() if v is not None}
    run(Settings(**given), log_level=log_level)  # type: ignore[arg-type]
