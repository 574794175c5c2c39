"""Every command and option is documented: `--help` works everywhere and each option has help text."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from predhub.cli.main import COMMANDS, cli

CLIENT_COMMANDS = sorted(COMMANDS)  # every command, so none can go undocumented


def _leaves(name: str, command: click.Command) -> list[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        return [leaf for sub, c in command.commands.items() for leaf in _leaves(f"{name} {sub}", c)]
    return [(name, command)]


@pytest.mark.parametrize("name", CLIENT_COMMANDS)
def test_help_and_option_help(name: str) -> None:
    assert name in COMMANDS
    group = cli.get_command(click.Context(cli), name)
    assert group is not None and group.help
    for path, command in _leaves(name, group):
        result = CliRunner().invoke(cli, [*path.split(), "--help"])
        assert result.exit_code == 0, result.output
        assert command.help, f"`predhub {path}` has no help text"
        for param in command.params:
            if isinstance(param, click.Option) and param.name not in ("help",):
                assert param.help, f"`predhub {path}` option {param.opts} has no help text"


def test_every_command_the_readme_shows_exists() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    shown = {line.split()[1] for line in readme.splitlines() if line.startswith("predhub ")}
    assert shown <= set(COMMANDS), f"the README shows commands that do not exist: {shown - set(COMMANDS)}"
    section = readme.split("## CLI", 1)[1]
    for name in ("datasets", "demo", "jobs", "label-sets", "serve", "upload"):
        assert f"predhub {name}" in section, f"the README's CLI section does not show `predhub {name}`"
