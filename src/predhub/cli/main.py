"""Entry point of the ``predhub`` command.

Each command group lives in its own module under ``predhub.cli`` and is registered here, so adding a
command never touches another's module.
"""

from __future__ import annotations

import importlib

import click

__all__ = ["cli", "main"]

# (module, attribute) of every top-level command; imported lazily so `predhub --help` stays fast
# and a command's heavy dependencies load only when it runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("predhub.cli.serve", "serve"),
    "datasets": ("predhub.cli.datasets", "datasets"),
    "demo": ("predhub.cli.demo", "demo"),
    "deployments": ("predhub.cli.deployments", "deployments"),
    "eval": ("predhub.cli.eval", "eval_group"),
    "export": ("predhub.cli.formats", "export_command"),
    "import": ("predhub.cli.formats", "import_command"),
    "jobs": ("predhub.cli.jobs", "jobs"),
    "label-sets": ("predhub.cli.label_sets", "label_sets"),
    "predict": ("predhub.cli.predict", "predict"),
    "upload": ("predhub.cli.upload", "upload"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attr = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command


@click.group(cls=_LazyGroup)
@click.version_option(package_name="predhub")
def cli() -> None:
    """predhub: a self-hosted hub for model predictions on image datasets."""


def main() -> None:
    cli()
