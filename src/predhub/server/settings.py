"""Server settings: flags of ``python -m predhub.server`` / ``predhub serve``, or ``PREDHUB_*`` variables."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from predhub.store.db import sqlite_url

__all__ = ["DEFAULT_PORT", "Settings", "config_path"]

DEFAULT_PORT = 8470


def config_path() -> Path:
    """The file holding ``{"url", "token"}``: ``$PREDHUB_CONFIG``, else ~/.config/predhub/config.json."""
    env = os.environ.get("PREDHUB_CONFIG")
    return Path(env) if env else Path.home() / ".config" / "predhub" / "config.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PREDHUB_", extra="ignore")

    data_dir: Path = Field(
        default=Path("predhub-data"), description="folder for the SQLite database and blobs"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default SQLite in the data dir. PostgreSQL: postgresql+psycopg://…",
    )
    media_root: Path | None = Field(default=None, description="folder that sample `path`s are relative to")
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_body_bytes: int = Field(default=256 * 1024 * 1024, description="larger request bodies get 413")
    max_import_bytes: int = Field(
        default=16 * 1024**3,
        description="largest file POST /label-sets/{id}/imports takes (streamed to disk)",
    )
    job_threads: int = Field(default=1, description="job worker threads in this server process (0: none)")
    export_processes: int | None = Field(
        default=None,
        description="processes that write a large export in parts (unset: one per CPU, up to 4; 1: one)",
    )
    allowed_mask_hosts: list[str] = Field(
        default_factory=list,
        description="hosts the hub may fetch mask PNGs from (exact, or *.example.com); none by default",
    )
    allow_private_mask_hosts: bool = Field(
        default=False, description="let mask fetches reach private and loopback addresses (tests, intranets)"
    )
    image_hosts: list[str] = Field(
        default_factory=lambda: ["*"],
        description="hosts the hub may fetch sample images from to read their size (exact, or "
        "*.example.com); every public host by default",
    )
    allow_private_image_hosts: bool = Field(
        default=False,
        description="let sample-size fetches reach private and loopback addresses (tests, intranets)",
    )
    local_login: bool = Field(
        default=True,
        description="hand the local admin's token to browsers on this machine (turn off behind a proxy)",
    )
    write_config: bool = Field(
        default=True, description="write {url, token} to the config file on first start"
    )

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir.resolve() / "predhub.db")

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def thumbnail_dir(self) -> Path:
        return self.data_dir / "thumbnails"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
