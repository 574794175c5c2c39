"""Converters between predhub's neutral labels and the formats teams already have.

Each format is a module of pure functions (``labelbox``, ``labelstudio``, ``openlabel``, ``segments``,
``supervisely``, ``coco``, ``yolo``, ``voc``) registered by name; :func:`get_format` returns it.
:func:`import_records` turns a stream of records into validated labels (strict or partial), and
:mod:`predhub.formats.io` reads and writes files as streams.
"""

from predhub.formats.base import (
    ExportOptions,
    ExportReport,
    Format,
    Framing,
    ImportOptions,
    Parsed,
    Record,
    RecordError,
)
from predhub.formats.fetch import FetchError, FetchPolicy, fetch_mask
from predhub.formats.importing import ImportMode, ImportRejected, ImportReport, import_records, merge_labels
from predhub.formats.io import export_file, open_records
from predhub.formats.ontologies import derive_ontology
from predhub.formats.registry import FORMAT_NAMES, UnknownFormat, get_format, register

__all__ = [
    "FORMAT_NAMES",
    "ExportOptions",
    "ExportReport",
    "FetchError",
    "FetchPolicy",
    "Format",
    "Framing",
    "ImportMode",
    "ImportOptions",
    "ImportRejected",
    "ImportReport",
    "Parsed",
    "Record",
    "RecordError",
    "UnknownFormat",
    "derive_ontology",
    "export_file",
    "fetch_mask",
    "get_format",
    "import_records",
    "merge_labels",
    "open_records",
    "register",
]
