"""Pascal VOC XML, one file per image: ``<filename>``, ``<size>``, ``<object>`` with ``<name>``,
``<pose>``, ``<truncated>``, ``<difficult>`` and ``<bndbox>`` corners that are 1-based and inclusive
(pixel columns xmin..xmax), so the neutral box is ``(xmin - 1, ymin - 1, xmax, ymax)``. The
non-standard ``<score>`` some tools add is read as the confidence."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from predhub.core import Box, FieldError, Label, Object
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "export_label", "parse_record"]

_CORNERS = ("xmin", "ymin", "xmax", "ymax")


def _text(el: ET.Element | None, tag: str) -> str | None:
    child = el.find(tag) if el is not None else None
    return None if child is None or child.text is None else child.text.strip()


def _num(el: ET.Element | None, tag: str, path: str) -> float:
    value = _text(el, tag)
    if value is None:
        raise FieldError(f"{path}.{tag}", "is required")
    try:
        f = float(value)
    except ValueError as exc:
        raise FieldError(f"{path}.{tag}", f"must be a number, got {value!r}") from exc
    if not math.isfinite(f):
        raise FieldError(f"{path}.{tag}", "must be finite")
    return f


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    if not isinstance(record.data, str):
        raise FieldError("", "a VOC record is the text of one XML file")
    if "<!ENTITY" in record.data:
        raise FieldError("", "XML entity declarations are not accepted")
    try:
        root = ET.fromstring(record.data)
    except ET.ParseError as exc:
        raise FieldError("", f"invalid XML: {exc}") from exc
    key = _text(root, "filename") or record.key
    if not key:
        raise FieldError("filename", "is required")
    size = root.find("size")
    width = int(_num(size, "width", "size")) if size is not None else None
    height = int(_num(size, "height", "size")) if size is not None else None
    parsed = Parsed(Label(key), width=width, height=height)
    for i, el in enumerate(root.findall("object")):
        path = f"object[{i}]"
        name = _text(el, "name")
        if not name:
            raise FieldError(f"{path}.name", "is required")
        bb = el.find("bndbox")
        if bb is None:
            raise FieldError(f"{path}.bndbox", "is required")
        xmin, ymin, xmax, ymax = (_num(bb, t, f"{path}.bndbox") for t in _CORNERS)
        score = _text(el, "score")
        obj = Object(
            name, Box(xmin - 1, ymin - 1, xmax, ymax), 1.0 if score is None else _num(el, "score", path)
        )
        for tag in ("pose", "truncated", "difficult", "occluded"):
            value = _text(el, tag)
            if value is not None:
                obj.attributes[tag] = int(value) if value.isdigit() else value
        if el.find("part") is not None:
            # VOC's person layout: head, hands and feet boxes inside the person's box.
            parsed.warnings.append((f"{path}.part", "object parts are not kept"))
        parsed.label.objects.append(obj)
        parsed.object_paths.append(path)
    return [parsed]


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[tuple[str, str]]:
    size = options.size_of(label.sample_key)
    parts = [f"<annotation>\n  <filename>{escape(label.sample_key)}</filename>\n"]
    if size is not None:
        parts.append(f"  <size><width>{size[0]}</width><height>{size[1]}</height><depth>3</depth></size>\n")
    for obj in label.objects:
        g = obj.geometry
        if not isinstance(g, Box):
            report.drop(type(g).__name__.lower())
            continue
        if g.rotation:
            report.convert("rotated box as its enclosing box")
            c = g.corners()
            g = Box(float(c[:, 0].min()), float(c[:, 1].min()), float(c[:, 0].max()), float(c[:, 1].max()))
        corners = [g.x0 + 1, g.y0 + 1, g.x1, g.y1]
        rounded = [round(v) for v in corners]
        if rounded != corners:
            report.convert("box rounded to whole pixels")
        xmin, ymin, xmax, ymax = rounded
        body = [f"    <name>{escape(obj.class_name)}</name>\n"]
        attributes: dict[str, Any] = dict(obj.attributes)
        for tag in ("pose", "truncated", "difficult", "occluded"):
            if tag in attributes:
                body.append(f"    <{tag}>{escape(str(attributes.pop(tag)))}</{tag}>\n")
        if attributes:
            report.drop("object.attributes")
        if obj.confidence != 1.0:
            body.append(f"    <score>{obj.confidence!r}</score>\n")
        if obj.classifications:
            report.drop("object.classifications")
        bndbox = "".join(f"<{t}>{v}</{t}>" for t, v in zip(_CORNERS, (xmin, ymin, xmax, ymax), strict=True))
        body.append(f"    <bndbox>{bndbox}</bndbox>\n")
        parts.append("  <object>\n" + "".join(body) + "  </object>\n")
    parts.append("</annotation>\n")
    if label.classifications:
        report.drop("classification", len(label.classifications))
    if label.score is not None:
        report.drop("label.score")
    stem = label.sample_key.rsplit(".", 1)[0] if "." in label.sample_key else label.sample_key
    return [(f"{stem}.xml", "".join(parts))]


CONVERTER = Converter(
    name="voc",
    framing=Framing.PER_SAMPLE,
    sample_field="filename",
    parse_fn=parse_record,
    export_fn=export_label,
    renames=(
        (".class", ".name"),
        (".box.width", ".bndbox.xmax"),
        (".box.height", ".bndbox.ymax"),
        (".box", ".bndbox"),
        (".confidence", ".score"),
    ),
    unit="file",
    description="Pascal VOC XML (one file per image, 1-based inclusive corners)",
)
