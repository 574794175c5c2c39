"""Formats by name: the names the REST API, the SDK and the CLI accept (``format="labelbox"``)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from predhub.core import Label
from predhub.core.box_run import BoxRun
from predhub.formats.base import ExportOptions, ExportReport, Format, Framing, ImportOptions, Parsed, Record

__all__ = ["FORMAT_NAMES", "Converter", "UnknownFormat", "get_format", "register"]


@dataclass(frozen=True, slots=True)
class Converter:
    """A format assembled from a converter module's pure functions (implements :class:`Format`)."""

    name: str
    framing: Framing
    sample_field: str
    parse_fn: Callable[[Record, ImportOptions], list[Parsed]]
    export_fn: Callable[[Label, ExportOptions, ExportReport], list[Any]]
    # Optional bulk writer for runs of plain-box labels: the records export_fn gives label by label,
    # counted and already serialised as the framing joins them (see predhub.formats.io.write_stream).
    export_boxes_fn: Callable[[BoxRun, ExportOptions, ExportReport], tuple[int, bytes]] | None = None
    # Whether that writer writes object ids: when not, an export does not read them from the store.
    export_boxes_ids: bool = True
    renames: tuple[tuple[str, str], ...] = ()
    unit: str = "record"
    description: str = ""
    _patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Renames apply to whole path segments: ".box" must not rewrite ".boxes".
        self._patterns.extend((re.compile(re.escape(old) + r"(?=$|[.\[])"), new) for old, new in self.renames)

    def parse(self, record: Record, options: ImportOptions) -> list[Parsed]:
        return self.parse_fn(record, options)

    def export(self, label: Label, options: ExportOptions, report: ExportReport) -> list[Any]:
        return self.export_fn(label, options, report)

    def rename(self, neutral_path: str) -> str:
        for pattern, new in self._patterns:
            neutral_path = pattern.sub(new, neutral_path)
        return neutral_path


# name -> module defining CONVERTER; imported on first use so `import predhub.formats` stays light.
_MODULES: dict[str, str] = {
    "labelbox": "predhub.formats.labelbox",
    "labelstudio": "predhub.formats.labelstudio",
    "openlabel": "predhub.formats.openlabel",
    "segments": "predhub.formats.segments",
    "supervisely": "predhub.formats.supervisely",
    "coco": "predhub.formats.coco",
    "yolo": "predhub.formats.yolo",
    "voc": "predhub.formats.voc",
}
_LOADED: dict[str, Format] = {}

FORMAT_NAMES: tuple[str, ...] = tuple(_MODULES)


class UnknownFormat(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown format {name!r}; known: {', '.join(sorted(_MODULES))}")
        self.name = name


def register(name: str, module: str) -> None:
    """Register a converter module (defining ``CONVERTER``) under ``name``; plugins call this."""
    _MODULES[name] = module
    _LOADED.pop(name, None)


def get_format(name: str) -> Format:
    if name not in _MODULES:
        raise UnknownFormat(name)
    if name not in _LOADED:
        converter: Format = importlib.import_module(_MODULES[name]).CONVERTER
        _LOADED[name] = converter
    return _LOADED[name]
