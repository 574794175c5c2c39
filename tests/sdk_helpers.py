"""Data the SDK tests share (a module of its own: `from conftest import` is ambiguous across folders)."""

from __future__ import annotations

from typing import Any

__all__ = ["ONTOLOGY"]

ONTOLOGY: dict[str, Any] = {
    "objects": [
        {"name": "car", "kind": "box"},
        {"name": "person", "kind": "box"},
        {"name": "road", "kind": "polygon"},
    ],
    "classifications": [
        {"name": "weather", "kind": "single", "options": [{"name": "sun"}, {"name": "rain"}]},
    ],
}
