"""Labelbox NDJSON: one line per annotation (an object or an image-level classification).

Boxes are ``{"top", "left", "height", "width"}``; polygons and polylines (``line``) lists of
``{"x", "y"}``; masks ``{"instanceURI", "colorRGB"}`` (the PNG bytes come from the caller in
``ImportOptions.masks``, keyed by URI) or ``{"png": <base64>}``. Classifications nest to any depth:
radio ``"answer": {...}``, checklist ``"answer": [...]``, free text ``"answer": "..."`` (formats.md §1).

Two slips from Labelbox's own examples (seed 001) are read with a warning: ``colorRGB`` written as a
Python tuple, and a checklist answer written as a bare object instead of a list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson

from predhub.core import (
    Answer,
    Box,
    Classification,
    ClassificationKind,
    ClassificationSpec,
    FieldError,
    Label,
    Mask,
    Object,
    Point,
    Polygon,
    Polyline,
)
from predhub.core.box_run import BoxRun
from predhub.core.geometry import Geometry
from predhub.formats import raster
from predhub.formats._common import class_specs, join, number, points_array, string
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.json_rows import number_tokens, per_row, string_tokens, write_rows
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "export_boxes", "export_label", "parse_record"]

_GEOMETRY_KEYS = ("bbox", "polygon", "line", "point", "mask")
_NUMBER = (int, float)
Warnings = list[tuple[str, str]]


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    data = record.data
    if not isinstance(data, dict):
        raise FieldError("", "a line must be a JSON object")
    key = _sample_key(data.get("dataRow"))
    name = data.get("name", data.get("schemaId"))
    if not isinstance(name, str) or not name:
        raise FieldError("name", 'is required (or "schemaId")')
    geometry_keys = [k for k in _GEOMETRY_KEYS if k in data]
    warnings: Warnings = []
    if len(geometry_keys) > 1:
        raise FieldError(geometry_keys[1], f"one geometry per line, got {geometry_keys}")
    if not geometry_keys:
        specs = class_specs(options.ontology, None)
        c = _classification(data, "", specs, warnings)
        return [Parsed(Label(key, classifications=[c]), classification_paths=[""], warnings=warnings)]
    gkey = geometry_keys[0]
    geometry = _geometry(gkey, data[gkey], options, warnings)
    confidence = data.get("confidence")
    nested = data.get("classifications", [])
    if not isinstance(nested, list):
        raise FieldError("classifications", "must be a list")
    specs = class_specs(options.ontology, name)
    obj = Object(
        class_name=name,
        geometry=geometry,
        confidence=1.0 if confidence is None else number(confidence, "confidence"),
        classifications=[
            _classification(c, f"classifications[{i}]", specs, warnings) for i, c in enumerate(nested)
        ],
        id=None if data.get("uuid") is None else str(data["uuid"]),
    )
    metrics = data.get("customMetrics")
    if metrics is not None:
        obj.attributes["customMetrics"] = metrics
    size = (geometry.width, geometry.height) if isinstance(geometry, Mask) else (None, None)
    return [
        Parsed(
            Label(key, objects=[obj]),
            object_paths=[""],
            width=size[0],
            height=size[1],
            warnings=warnings,
        )
    ]


def _sample_key(data_row: Any) -> str:
    if not isinstance(data_row, dict):
        raise FieldError("dataRow", 'must be {"globalKey": ...} or {"id": ...}')
    keys = [k for k in ("globalKey", "id") if data_row.get(k) is not None]
    if len(keys) != 1:
        raise FieldError("dataRow", 'needs exactly one of "globalKey" and "id"')
    return string(data_row[keys[0]], f"dataRow.{keys[0]}")


def _xy(value: Any, path: str) -> list[list[float]]:
    if not isinstance(value, list):
        raise FieldError(path, 'must be a list of {"x", "y"}')
    out = []
    for i, p in enumerate(value):
        if not isinstance(p, dict):
            raise FieldError(f"{path}[{i}]", 'must be {"x", "y"}')
        out.append([number(p.get("x"), f"{path}[{i}].x"), number(p.get("y"), f"{path}[{i}].y")])
    return out


def _geometry(key: str, value: Any, options: ImportOptions, warnings: Warnings) -> Geometry:
    if key == "bbox":
        if type(value) is dict and len(value) == 4:
            # The hot path: four plain finite numbers (x - x is 0 only when finite), else the checks below.
            top: Any = value.get("top")
            left: Any = value.get("left")
            h: Any = value.get("height")
            w: Any = value.get("width")
            if (
                type(top) in _NUMBER
                and type(left) in _NUMBER
                and type(h) in _NUMBER
                and type(w) in _NUMBER
                and (top - top) + (left - left) + (h - h) + (w - w) == 0
            ):
                return Box(float(left), float(top), float(left + w), float(top + h))
        if not isinstance(value, dict):
            raise FieldError("bbox", 'must be {"top", "left", "height", "width"}')
        top, left, h, w = (number(value.get(k), f"bbox.{k}") for k in ("top", "left", "height", "width"))
        return Box(left, top, left + w, top + h)
    if key == "polygon":
        return Polygon(points_array(_xy(value, "polygon"), "polygon"))
    if key == "line":
        return Polyline(points_array(_xy(value, "line"), "line"))
    if key == "point":
        if not isinstance(value, dict):
            raise FieldError("point", 'must be {"x", "y"}')
        return Point(number(value.get("x"), "point.x"), number(value.get("y"), "point.y"))
    return _mask(value, options, warnings)


def _mask(value: Any, options: ImportOptions, warnings: Warnings) -> Mask:
    if not isinstance(value, dict):
        raise FieldError("mask", 'must be {"instanceURI", "colorRGB"} or {"png": ...}')
    if "png" in value:
        try:
            png = base64.b64decode(string(value["png"], "mask.png"), validate=True)
        except binascii.Error as exc:
            raise FieldError("mask.png", "must be base64") from exc
        return Mask.from_array(raster.mask_from_png(png, "mask.png", None, options.max_mask_pixels))
    uri = string(value.get("instanceURI"), "mask.instanceURI")
    color = value.get("colorRGB")
    if isinstance(color, tuple):
        warnings.append(("mask.colorRGB", f"must be a JSON array, read the tuple {color} as a list"))
        color = list(color)
    if (
        not isinstance(color, list)
        or len(color) != 3
        or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 255 for c in color)
    ):
        raise FieldError("mask.colorRGB", "must be [r, g, b] with integers 0..255")
    try:
        png_bytes = None if options.masks is None else options.masks.get(uri)
    except ValueError as exc:  # a fetcher's refusal (host not allowed, too large, ...)
        raise FieldError("mask.instanceURI", str(exc)) from exc
    if png_bytes is None:
        raise FieldError("mask.instanceURI", f"the PNG at {uri!r} was not provided (fetch masks first)")
    rgb = (color[0], color[1], color[2])
    return Mask.from_array(raster.mask_from_png(png_bytes, "mask.instanceURI", rgb, options.max_mask_pixels))


def _classification(
    data: Any, path: str, specs: Sequence[ClassificationSpec], warnings: Warnings
) -> Classification:
    if not isinstance(data, dict):
        raise FieldError(path, 'must be {"name", "answer"}')
    name = data.get("name", data.get("schemaId"))
    if not isinstance(name, str) or not name:
        raise FieldError(join(path, "name"), "is required")
    if "answer" not in data:
        raise FieldError(join(path, "answer"), "is required")
    answer = data["answer"]
    apath = join(path, "answer")
    spec = next((s for s in specs if s.name == name), None)
    conf = data.get("confidence")
    confidence = None if conf is None else number(conf, join(path, "confidence"))
    if isinstance(answer, str):
        return Classification(name, ClassificationKind.TEXT, text=answer, confidence=confidence)
    if isinstance(answer, dict) and spec is not None and spec.kind is ClassificationKind.MULTI:
        warnings.append((apath, f"checklist {name!r} answers must be a list; read one bare answer as a list"))
        answer = [answer]
    if isinstance(answer, dict):
        return Classification(name, ClassificationKind.SINGLE, [_answer(answer, apath, spec, warnings)])
    if isinstance(answer, list):
        return Classification(
            name,
            ClassificationKind.MULTI,
            [_answer(a, f"{apath}[{i}]", spec, warnings) for i, a in enumerate(answer)],
        )
    raise FieldError(apath, "must be a string (text), an object (radio) or a list (checklist)")


def _answer(data: Any, path: str, spec: ClassificationSpec | None, warnings: Warnings) -> Answer:
    if not isinstance(data, dict):
        raise FieldError(path, 'must be {"name", "confidence"?}')
    name = data.get("name", data.get("schemaId"))
    if not isinstance(name, str) or not name:
        raise FieldError(join(path, "name"), "is required")
    conf = data.get("confidence")
    nested = data.get("classifications", [])
    if not isinstance(nested, list):
        raise FieldError(join(path, "classifications"), "must be a list")
    option = spec.option(name) if spec else None
    sub_specs = option.classifications if option else ()
    return Answer(
        name,
        None if conf is None else number(conf, join(path, "confidence")),
        [
            _classification(c, f"{join(path, 'classifications')}[{i}]", sub_specs, warnings)
            for i, c in enumerate(nested)
        ],
    )


# --- export -------------------------------------------------------------------------------------


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    row = {"globalKey": label.sample_key}
    for i, obj in enumerate(label.objects):
        line: dict[str, Any] = {
            "uuid": obj.id or _uuid(label.sample_key, "o", i),
            "dataRow": row,
            "name": obj.class_name,
        }
        line.update(_export_geometry(obj.geometry, label.sample_key, i, options, report))
        if obj.confidence != 1.0:
            line["confidence"] = obj.confidence
        if obj.classifications:
            line["classifications"] = [_export_classification(c, report) for c in obj.classifications]
        attributes = dict(obj.attributes)
        if "customMetrics" in attributes:
            line["customMetrics"] = attributes.pop("customMetrics")
        if attributes:
            report.drop("object.attributes")
        lines.append(line)
    for j, c in enumerate(label.classifications):
        line = {"uuid": _uuid(label.sample_key, "c", j), "dataRow": row}
        line.update(_export_classification(c, report))
        lines.append(line)
    if label.score is not None:
        report.drop("label.score")
    return lines


def export_boxes(run: BoxRun, options: ExportOptions, report: ExportReport) -> tuple[int, bytes]:
    """The lines of a run of plain-box labels, in bulk: their number, and the NDJSON text. The same
    lines, in the same order, as :func:`export_label` gives label by label (nothing is lost, so
    ``report`` is left as it is)."""
    ids: Sequence[str | None] = run.ids
    if None in ids or "" in ids:
        # An object stored without an id gets the stable uuid export_label gives it (by its index).
        ids = list(ids)
        start = 0
        for key, count in zip(run.keys, run.counts, strict=True):
            for i in range(start, start + count):
                if not ids[i]:
                    ids[i] = _uuid(key, "o", i - start)
            start += count
    names = {name: orjson.dumps(name) for name in set(run.classes)}
    keys = [orjson.dumps(key) for key in run.keys]
    # "confidence" is left out where it is 1, as export_label leaves it out.
    scored = run.confidence != 1.0
    confidence = np.where(scored, np.array(number_tokens([run.confidence]), dtype=object), b"")
    count = run.box_count
    body = write_rows(
        [
            b'{"uuid":"',
            string_tokens(ids),  # type: ignore[arg-type]  # None filled in above
            b'","dataRow":{"globalKey":',
            per_row(keys, run.counts),
            b'},"name":',
            [names[name] for name in run.classes],
            # A column a token: cheaper than two columns a token joined by a key.
            b',"bbox":{"top":',
            number_tokens([run.y0]),
            b',"left":',
            number_tokens([run.x0]),
            b',"height":',
            number_tokens([run.y1 - run.y0]),
            b',"width":',
            number_tokens([run.x1 - run.x0]),
            b"}",
            np.where(scored, b',"confidence":', b"").tolist(),
            confidence.tolist(),
            b"}",
        ],
        count,
        b"\n",
    )
    return count, body + b"\n" if count else b""


_NAMESPACE_URL = uuid.NAMESPACE_URL.bytes


def _uuid(key: str, kind: str, index: int) -> str:
    """uuid.uuid5(NAMESPACE_URL, "predhub:<key>:<kind><index>") as a string, without building UUID
    objects (RFC 4122 §4.3: SHA-1 of namespace + name, version 5, variant 10xx)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_URL + f"predhub:{key}:{kind}{index}".encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    x = digest.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def _export_geometry(
    geometry: Geometry, key: str, index: int, options: ExportOptions, report: ExportReport
) -> dict[str, Any]:
    if isinstance(geometry, Box):
        if geometry.rotation:
            report.convert("rotated box as polygon")
            return {"polygon": [{"x": x, "y": y} for x, y in geometry.corners().tolist()]}
        return {
            "bbox": {
                "top": geometry.y0,
                "left": geometry.x0,
                "height": geometry.height,
                "width": geometry.width,
            }
        }
    if isinstance(geometry, Polygon):
        if geometry.holes:
            report.drop("polygon.holes")
        return {"polygon": [{"x": x, "y": y} for x, y in geometry.points.tolist()]}
    if isinstance(geometry, Polyline):
        return {"line": [{"x": x, "y": y} for x, y in geometry.points.tolist()]}
    if isinstance(geometry, Point):
        return {"point": {"x": geometry.x, "y": geometry.y}}
    name = f"{options.mask_prefix}{_safe(key)}-{index}.png"
    report.assets[name] = raster.encode_png(geometry.to_array())
    return {"mask": {"instanceURI": name, "colorRGB": [255, 255, 255]}}


def _safe(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", key)


def _export_answer(answer: Answer, report: ExportReport) -> dict[str, Any]:
    out: dict[str, Any] = {"name": answer.name}
    if answer.confidence is not None:
        out["confidence"] = answer.confidence
    if answer.classifications:
        out["classifications"] = [_export_classification(c, report) for c in answer.classifications]
    return out


def _export_classification(c: Classification, report: ExportReport) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name}
    if c.kind is ClassificationKind.TEXT:
        out["answer"] = c.text or ""
        if c.confidence is not None:
            out["confidence"] = c.confidence
        return out
    if c.confidence is not None:
        report.drop("classification.confidence (Labelbox keeps it per answer)")
    answers = [_export_answer(a, report) for a in c.answers]
    out["answer"] = answers if c.kind is ClassificationKind.MULTI else (answers[0] if answers else {})
    return out


CONVERTER = Converter(
    name="labelbox",
    framing=Framing.NDJSON,
    sample_field="dataRow.globalKey",
    parse_fn=parse_record,
    export_fn=export_label,
    export_boxes_fn=export_boxes,
    renames=((".class", ".name"), (".box", ".bbox"), (".polyline", ".line"), (".answers", ".answer")),
    unit="line",
    description="Labelbox NDJSON predictions / model-assisted labels (one annotation per line)",
)
