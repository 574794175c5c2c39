"""The web gallery: static pages served by the hub; they talk to the REST API like any client."""

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"
