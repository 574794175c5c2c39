"""Every setting is documented in docs/server.md, and every flag there exists on both commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from predhub.cli.serve import serve
from predhub.server.settings import Settings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "server.md").read_text()
ROWS = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| (`--[\w-]+`)? ?\|", DOC, re.M)}


def test_every_setting_is_documented() -> None:
    assert set(ROWS) == set(Settings.model_fields)


def test_documented_flags_exist_on_both_commands() -> None:
    flags = {flag.strip("`") for flag in ROWS.values() if flag}
    cli_help = CliRunner().invoke(serve, ["--help"]).output
    module_help = subprocess.run(
        [sys.executable, "-m", "predhub.server", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for flag in flags:
        assert flag in cli_help and flag in module_help, flag
    assert set(re.findall(r"--[a-z][\w-]+", module_help)) - {"--help", "--log-level"} == flags
