"""The CLI tests' runner (a module of its own: `from conftest import` is ambiguous across folders)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from predhub.cli.main import cli

__all__ = ["Run"]


class Run:
    """``run("datasets", "list")`` invokes the predhub command as a user would, against the hub."""

    def __init__(self, url: str, token: str, tmp_path: Path) -> None:
        # No ambient config: the URL and token come from the environment, as in CI.
        self.env = {
            "PREDHUB_URL": url,
            "PREDHUB_TOKEN": token,
            "PREDHUB_CONFIG": str(tmp_path / "none.json"),
            # wide enough that rich never folds the long unique names of the shared hub's datasets
            "COLUMNS": "300",
        }
        self.runner = CliRunner()

    def __call__(self, *args: str, ok: bool = True) -> Result:
        result = self.runner.invoke(cli, list(args), env=self.env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result
