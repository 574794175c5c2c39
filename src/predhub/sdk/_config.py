"""Where the SDK finds the hub: arguments first, then the environment, then the config file.

``predhub serve`` writes ``{"url": ..., "token": ...}`` to the config file on its first start
(docs/api.md), so that on one machine nothing needs typing. The file is ``$PREDHUB_CONFIG`` when set,
else ``~/.config/predhub/config.json``. ``$PREDHUB_URL`` and ``$PREDHUB_TOKEN`` override the file
(handy in CI), and explicit arguments override everything.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from predhub.sdk._exceptions import ConfigError

__all__ = ["DEFAULT_URL", "Config", "config_path", "load_config"]

DEFAULT_URL = "http://127.0.0.1:8470"


@dataclass(frozen=True, slots=True)
class Config:
    url: str
    token: str


def config_path() -> Path:
    """The config file the SDK reads and ``predhub serve`` writes."""
    env = os.environ.get("PREDHUB_CONFIG")
    return Path(env).expanduser() if env else Path.home() / ".config" / "predhub" / "config.json"


def _read_file(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the predhub config file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a JSON object with 'url' and 'token'")
    return {k: v for k, v in data.items() if k in ("url", "token") and isinstance(v, str)}


def load_config(url: str | None = None, token: str | None = None) -> Config:
    """Resolve the hub URL and API token; raises :class:`ConfigError` when no token is found."""
    if url is None or token is None:
        path = config_path()
        stored = _read_file(path)
        url = url or os.environ.get("PREDHUB_URL") or stored.get("url") or DEFAULT_URL
        token = token or os.environ.get("PREDHUB_TOKEN") or stored.get("token")
        if not token:
            raise ConfigError(
                f"no API token: pass token=..., set $PREDHUB_TOKEN, or run `predhub serve` once so that it "
                f"writes {path}"
            )
    return Config(url.rstrip("/"), token)
