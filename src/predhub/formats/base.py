"""What every format converter shares: records in, labels out, errors that name record and field.

A *record* is the unit a format's files are made of: one NDJSON line (Labelbox), one task (Label
Studio), one OpenLABEL document, one Segments label, one Supervisely annotation, one COCO annotation or
result, one YOLO txt or VOC XML file. Converting a record yields a :class:`Parsed`: the neutral
:class:`~predhub.core.Label` it describes (possibly only part of a sample's label, as with Labelbox's
one-annotation lines) together with the format path of each object and classification in it, so that
an error found on the neutral label can be reported in the format's own words
(``line 812: bbox.width: must be >= 0``).

Converters are pure: no file, network or database access. Reading files lives in
:mod:`predhub.formats.io`, fetching mask URLs in :mod:`predhub.formats.fetch`.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from predhub.core import Label, Ontology
from predhub.core.box_run import BoxRun

__all__ = [
    "ExportOptions",
    "ExportReport",
    "Format",
    "Framing",
    "ImportOptions",
    "Parsed",
    "Record",
    "RecordError",
]


class Framing(enum.StrEnum):
    """How a file of this format is cut into records (see :mod:`predhub.formats.io`)."""

    NDJSON = "ndjson"  # one JSON record per line
    JSON = "json"  # a JSON array of records, NDJSON, or one JSON document
    COCO = "coco"  # a COCO dataset dict (images, categories, annotations) or a results array
    PER_SAMPLE = "per-sample"  # one file per sample, named after it (Supervisely, YOLO, VOC)


@dataclass(frozen=True, slots=True)
class Record:
    """One record of a stream: its 0-based position, its parsed content, and the sample key when the
    framing (a file name) carries it. ``error`` is set instead of ``data`` when the record could not
    even be read (invalid JSON)."""

    index: int
    data: Any
    key: str | None = None
    error: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class RecordError:
    """A problem with one record, ``field`` a path in the format's own names."""

    record: int
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"
    unit: str = "record"  # "line" for line-based files, reported 1-based

    def __str__(self) -> str:
        where = f"line {self.record + 1}" if self.unit == "line" else f"record {self.record}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"record": self.record, "field": self.field, "message": self.message}


@dataclass(slots=True)
class Parsed:
    """What one record says about one sample.

    ``object_paths[i]`` is the format path of ``label.objects[i]`` inside the record ("" when the record
    *is* the object, as a Labelbox line is); likewise ``classification_paths``. ``width``/``height`` are
    the image size when the record carries it. ``warnings`` are tolerated slips (field, message).
    """

    label: Label
    object_paths: list[str] = field(default_factory=list)
    classification_paths: list[str] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    model_version: str | None = None
    warnings: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """Context a format needs that its records do not carry.

    - ``ontology``: the dataset's ontology; used to validate and to tell single choice from free text
      where a format writes both as a string (OpenLABEL, Segments, Supervisely).
    - ``categories``: integer class id -> class name (COCO results, Segments, YOLO); derived from the
      ontology (1-based for COCO/Segments, 0-based for YOLO) when absent.
    - ``image_ids``: format image id -> sample key (COCO results, whose records name images by id).
    - ``sizes``: sample key -> (width, height), for formats without the image size (YOLO, Labelbox...).
    - ``masks``: URL -> PNG bytes of masks the records reference; the caller fetches them.
    - ``yolo_task``: "auto" reads 5/6-token lines as boxes and longer ones as polygons; "obb" reads
      9/10-token lines as rotated boxes. Lines of a point class naming keypoints are pose lines.
    """

    ontology: Ontology | None = None
    categories: Mapping[int, str] | None = None
    image_ids: Mapping[Any, str] | None = None
    sizes: Mapping[str, tuple[int, int]] | None = None
    masks: Mapping[str, bytes] | None = None
    yolo_task: Literal["auto", "obb"] = "auto"
    max_mask_pixels: int = 100_000_000

    def size_of(self, key: str) -> tuple[int, int] | None:
        return None if self.sizes is None else self.sizes.get(key)


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Context an export needs: the ontology (class ids, option lists), image sizes for formats in
    relative units, and the names the target platform expects."""

    ontology: Ontology | None = None
    categories: Mapping[int, str] | None = None
    image_ids: Mapping[str, Any] | None = None  # sample key -> format image id (COCO)
    sizes: Mapping[str, tuple[int, int]] | None = None
    model_version: str | None = None
    ground_truth: bool = False  # COCO dataset vs results; Label Studio annotations vs predictions
    stream: str = "CAM"  # OpenLABEL camera stream name
    mask_prefix: str = "masks/"  # where exported mask PNGs are written, relative to the export

    def size_of(self, key: str) -> tuple[int, int] | None:
        return None if self.sizes is None else self.sizes.get(key)


@dataclass(slots=True)
class ExportReport:
    """What an export could not carry, per kind of thing, instead of dropping it silently.

    ``dropped["polygon.holes"] == 3`` means three polygons lost their holes. ``converted`` counts
    things written in another form (a rotated box as a polygon). ``assets`` holds files an export
    refers to (mask PNGs), name -> bytes, for the writer to put beside the records.
    """

    format: str
    labels: int = 0
    records: int = 0
    objects: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    converted: Counter[str] = field(default_factory=Counter)
    assets: dict[str, bytes] = field(default_factory=dict)

    def drop(self, what: str, n: int = 1) -> None:
        self.dropped[what] += n

    def convert(self, what: str, n: int = 1) -> None:
        self.converted[what] += n

    @property
    def lossless(self) -> bool:
        return not self.dropped

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "labels": self.labels,
            "records": self.records,
            "objects": self.objects,
            "dropped": dict(self.dropped),
            "converted": dict(self.converted),
        }

    def __str__(self) -> str:
        lines = [f"{self.format}: {self.labels} labels, {self.objects} objects, {self.records} records"]
        lines += [f"  could not carry {n} x {what}" for what, n in sorted(self.dropped.items())]
        lines += [f"  wrote {n} x {what}" for what, n in sorted(self.converted.items())]
        return "\n".join(lines)


class Format(Protocol):
    """A registered format: ``parse`` one record, ``export`` one label, and name fields its own way."""

    @property
    def name(self) -> str: ...

    @property
    def framing(self) -> Framing: ...

    @property
    def sample_field(self) -> str:
        """The record field that names the sample, for "sample not in dataset" errors."""
        ...

    @property
    def unit(self) -> str:
        """What a record is called in error messages: "line" or "record"."""
        ...

    def parse(self, record: Record, options: ImportOptions) -> list[Parsed]:
        """The labels one record describes; raises :class:`~predhub.core.FieldError` (format path)."""
        ...

    def export(self, label: Label, options: ExportOptions, report: ExportReport) -> list[Any]:
        """The records that carry one label; what cannot be carried is counted in ``report``."""
        ...

    @property
    def export_boxes_fn(self) -> Callable[[BoxRun, ExportOptions, ExportReport], tuple[int, bytes]] | None:
        """The bulk writer for runs of plain-box labels (their record count and bytes), if any."""
        ...

    @property
    def export_boxes_ids(self) -> bool:
        """Whether the bulk writer writes the boxes' object ids (a run read for it needs them)."""
        ...

    def rename(self, neutral_path: str) -> str:
        """A path inside a neutral object (``.box.width``) in the format's names (``.bbox.width``)."""
        ...


Rename = Callable[[str], str]
