"""From a stream of records to validated labels, in ``strict`` or ``partial`` mode.

Each record is converted by its format, checked against the dataset (sample exists, ontology, image
size) with :func:`predhub.core.validate_label`, and every problem is reported against the record and
the field *in the format's own names* (``line 812: bbox.width: must be >= 0 (x1 < x0)``).

- ``partial``: labels from valid records are yielded; a record with any error is left out whole.
- ``strict``: labels are yielded until the first error; the stream is then read to the end to report
  every error, and :class:`ImportRejected` is raised. The consumer writes inside one transaction and
  rolls back on the exception, so nothing is half-written.

Consecutive records about the same sample (Labelbox lines, COCO results) are merged into one label.
A sample may still appear again later in the stream; consumers append to what they stored for it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from predhub.core import Box, FieldError, GeometryKind, Label, validate_label
from predhub.core.validation import OUTSIDE_MARGIN, check_geometry
from predhub.formats.base import Format, ImportOptions, Parsed, Record, RecordError

__all__ = [
    "MAX_MERGED_OBJECTS",
    "MAX_REPORTED",
    "ImportMode",
    "ImportRejected",
    "ImportReport",
    "import_records",
    "merge_labels",
    "read_record",
]

# Reports keep the first errors and count the rest, so a bad 1 GB file cannot exhaust memory.
MAX_REPORTED = 1000
# Consecutive records of one sample are merged up to this many objects; past it the label is yielded
# in parts (the consumer appends), so a file of a million boxes on one image stays bounded too.
MAX_MERGED_OBJECTS = 10_000


class ImportMode(enum.StrEnum):
    STRICT = "strict"
    PARTIAL = "partial"


@dataclass(slots=True)
class ImportReport:
    format: str
    mode: ImportMode = ImportMode.STRICT
    records: int = 0
    rejected: int = 0
    labels: int = 0
    objects: int = 0
    errors: list[RecordError] = field(default_factory=list)
    error_count: int = 0
    warnings: list[RecordError] = field(default_factory=list)
    warning_count: int = 0
    model_versions: set[str] = field(default_factory=set)

    def error(self, e: RecordError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(e)

    def warn(self, e: RecordError) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_REPORTED:
            self.warnings.append(e)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "mode": self.mode.value,
            "records": self.records,
            "rejected": self.rejected,
            "labels": self.labels,
            "objects": self.objects,
            "error_count": self.error_count,
            "errors": [e.to_dict() for e in self.errors],
            "warning_count": self.warning_count,
            "warnings": [e.to_dict() for e in self.warnings],
            "model_versions": sorted(self.model_versions),
        }


class ImportRejected(ValueError):
    """Strict mode found errors: nothing of the file may be kept."""

    def __init__(self, report: ImportReport) -> None:
        shown = "; ".join(str(e) for e in report.errors[:5])
        super().__init__(f"{report.error_count} errors in {report.rejected} records: {shown}")
        self.report = report


def import_records(
    fmt: Format,
    records: Iterable[Record],
    options: ImportOptions,
    *,
    mode: ImportMode | str = ImportMode.STRICT,
    samples: Container[str] | None = None,
    report: ImportReport | None = None,
) -> Iterator[Label]:
    """Validated labels from ``records``; errors and warnings go to ``report``.

    ``samples`` holds the dataset's sample keys; a label for any other key is an error.
    """
    mode = ImportMode(mode)
    report = report if report is not None else ImportReport(fmt.name, mode)
    report.mode = mode
    box_classes = _box_classes(options)
    pending: Label | None = None
    for record in records:
        labels = read_record(fmt, record, options, samples, report, box_classes)
        if labels is None or (mode is ImportMode.STRICT and report.error_count):
            continue  # in strict mode keep reading to report every error, but yield nothing more
        for label in labels:
            report.objects += len(label.objects)
            if (
                pending is not None
                and pending.sample_key == label.sample_key
                and len(pending.objects) < MAX_MERGED_OBJECTS
            ):
                _merge_into(pending, label)
                continue
            if pending is not None:
                report.labels += 1
                yield pending
            pending = label
    if mode is ImportMode.STRICT and report.error_count:
        raise ImportRejected(report)
    if pending is not None:
        report.labels += 1
        yield pending


def read_record(
    fmt: Format,
    record: Record,
    options: ImportOptions,
    samples: Container[str] | None,
    report: ImportReport,
    box_classes: frozenset[str] | None = None,
) -> list[Label] | None:
    """One record's validated labels (not merged with its neighbours), or None after reporting its
    errors; counts the record (and a rejection) in ``report``, not its objects: the caller counts
    those it keeps. ``box_classes`` is the ontology's box classes when the caller has them at hand."""
    report.records += 1
    if box_classes is None:
        box_classes = _box_classes(options)
    parsed = _parse(fmt, record, options, samples, report, box_classes)
    if parsed is None:
        report.rejected += 1
        return None
    return [p.label for p in parsed]


def _parse(
    fmt: Format,
    record: Record,
    options: ImportOptions,
    samples: Container[str] | None,
    report: ImportReport,
    box_classes: frozenset[str] = frozenset(),
) -> list[Parsed] | None:
    """The record's labels, or None after reporting its errors."""
    if record.error is not None:
        report.error(RecordError(record.index, "", record.error, unit=fmt.unit))
        return None
    if record.warning is not None:
        report.warn(RecordError(record.index, "", record.warning, "warning", fmt.unit))
    try:
        parsed = fmt.parse(record, options)
    except FieldError as exc:
        report.error(RecordError(record.index, exc.field, exc.message, unit=fmt.unit))
        return None
    errors: list[RecordError] = []
    for p in parsed:
        for path, message in p.warnings:
            report.warn(RecordError(record.index, path, message, "warning", fmt.unit))
        if p.model_version is not None:
            report.model_versions.add(p.model_version)
        key = p.label.sample_key
        if samples is not None and key not in samples:
            errors.append(
                RecordError(
                    record.index, fmt.sample_field, f"sample {key!r} is not in the dataset", unit=fmt.unit
                )
            )
        size = (p.width, p.height) if p.width is not None and p.height is not None else options.size_of(key)
        width, height = size if size is not None else (None, None)
        if box_classes and _plain_boxes_ok(p.label, box_classes, width, height):
            continue
        for e in _check(p.label, options, width, height):
            errors.append(RecordError(record.index, _format_path(fmt, p, e.field), e.message, unit=fmt.unit))
    if errors:
        for record_error in errors:
            report.error(record_error)
        return None
    return parsed


def _box_classes(options: ImportOptions) -> frozenset[str]:
    if options.ontology is None:
        return frozenset()
    return frozenset(o.name for o in options.ontology.objects if o.kind is GeometryKind.BOX)


def _plain_boxes_ok(label: Label, box_classes: frozenset[str], width: int | None, height: int | None) -> bool:
    """The hot path (millions of detector boxes): True when every object is an axis-aligned box of a
    box class, finite, not inverted, inside the image margin, with a confidence in [0, 1] and nothing
    else to check. Anything else, or any doubt, goes to :func:`predhub.core.validate_label`, so the
    errors reported are always the core's (as ``services.ingest`` does for its own format)."""
    if label.classifications or (label.score is not None and label.score - label.score != 0):
        return False
    bounded = width is not None and height is not None
    if bounded:
        assert width is not None and height is not None
        mx, my = OUTSIDE_MARGIN * width, OUTSIDE_MARGIN * height
        lo_x, hi_x, lo_y, hi_y = -mx, width + mx, -my, height + my
    for obj in label.objects:
        g = obj.geometry
        if type(g) is not Box or g.rotation or obj.classifications or obj.class_name not in box_classes:
            return False
        x0, y0, x1, y1 = g.x0, g.y0, g.x1, g.y1
        # x - x is 0 for finite numbers and NaN otherwise; comparisons with NaN are False.
        if (x0 - x0) + (y0 - y0) + (x1 - x1) + (y1 - y1) != 0 or not (x1 >= x0 and y1 >= y0):
            return False
        if bounded and (x0 < lo_x or x1 > hi_x or y0 < lo_y or y1 > hi_y):
            return False
        if not 0.0 <= obj.confidence <= 1.0:
            return False
    return True


def _check(label: Label, options: ImportOptions, width: int | None, height: int | None) -> list[FieldError]:
    if options.ontology is not None:
        return validate_label(label, options.ontology, width, height)
    # No ontology to check against (a file read on its own): the checks that need none.
    errors: list[FieldError] = []
    for i, obj in enumerate(label.objects):
        errors.extend(e.under(f"objects[{i}]") for e in check_geometry(obj.geometry, width, height))
        if not (0.0 <= obj.confidence <= 1.0):
            errors.append(FieldError(f"objects[{i}].confidence", "must be between 0 and 1"))
    if label.score is not None and not np.isfinite(label.score):
        errors.append(FieldError("score", "must be finite"))
    return errors


_PART = re.compile(r"^(objects|classifications)\[(\d+)\](.*)$")


def _format_path(fmt: Format, parsed: Parsed, neutral: str) -> str:
    """``objects[2].box.width`` -> the format's path of object 2, then its own name for ``box.width``."""
    match = _PART.match(neutral)
    if match is None:
        return fmt.rename("." + neutral).lstrip(".")
    paths = parsed.object_paths if match[1] == "objects" else parsed.classification_paths
    index = int(match[2])
    base = paths[index] if index < len(paths) else f"{match[1]}[{index}]"
    rest = fmt.rename(match[3])
    return (base + rest).lstrip(".") if base else rest.lstrip(".")


def _merge_into(target: Label, other: Label) -> None:
    target.objects.extend(other.objects)
    target.classifications.extend(other.classifications)
    if other.score is not None:
        target.score = other.score


def merge_labels(labels: Iterable[Label]) -> list[Label]:
    """All labels of a stream merged per sample, in first-seen order (for small, in-memory imports)."""
    by_key: dict[str, Label] = {}
    for label in labels:
        if label.sample_key in by_key:
            _merge_into(by_key[label.sample_key], label)
        else:
            by_key[label.sample_key] = label
    return list(by_key.values())
