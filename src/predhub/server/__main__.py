"""``python -m predhub.server --data-dir D --host H --port P [--database-url URL]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from predhub.server.run import serve
from predhub.server.settings import DEFAULT_PORT, Settings

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m predhub.server", description="Serve a predhub hub.")
    parser.add_argument("--data-dir", type=Path, help="folder for the SQLite database and blobs")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in the data dir)")
    parser.add_argument("--media-root", type=Path, help="folder that sample paths are relative to")
    parser.add_argument("--host", default=None, help="default 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--max-body-bytes", type=int, default=None, help="larger bodies get 413")
    parser.add_argument("--job-threads", type=int, default=None, help="job worker threads (0: none)")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    given = {k: v for k, v in vars(args).items() if v is not None and k in Settings.model_fields}
    serve(Settings(**given), log_level=args.log_level)


if __name__ == "__main__":
    main()
