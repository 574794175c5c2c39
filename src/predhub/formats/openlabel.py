"""Kognic OpenLABEL 1.0 (2D camera predictions), one document per scene (formats.md §3).

A record is the body Kognic's upload takes, ``{"sceneUuid", "openlabelContent": {"openlabel": ...}}``
(seed 000), or a bare ``{"openlabel": ...}`` whose frame's ``external_id`` names the sample. Geometry
sits in ``frames["0"].objects.<id>.object_data``: ``bbox`` ``[xc, yc, w, h]`` (centre based),
``rbbox`` ``[xc, yc, w, h, alpha]`` (radians, clockwise on screen), ``poly2d`` (``closed`` picks
polygon or polyline), ``point2d`` (with ``id``s: the keypoints of one set, the object being the set),
``image`` (base64 PNG mask). Each geometry names its camera in a ``stream`` text attribute and its
confidence in a ``confidence`` num attribute. The object's class is ``objects.<id>.type``. Single
images are one-frame scenes.

What a scene holds beyond one image (other frames, other streams, static object data, contexts) is
reported as not kept, and poly2d ``hierarchy`` carries polygon holes: :mod:`._openlabel_scene`.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import uuid
from typing import Any

import numpy as np

from predhub.core import Box, FieldError, Label, Mask, Object, Point, Polygon, Polyline
from predhub.core.geometry import Geometry
from predhub.formats import _openlabel_scene as scene
from predhub.formats import raster
from predhub.formats._attributes import classification_from_value, value_from_classification
from predhub.formats._common import class_specs, number, points_array, string
from predhub.formats._keypoints import INSTANCE, KEYPOINT, is_keypoint
from predhub.formats.base import ExportOptions, ExportReport, Framing, ImportOptions, Parsed, Record
from predhub.formats.registry import Converter

__all__ = ["CONVERTER", "export_label", "parse_record"]

_GEOMETRIES = ("bbox", "rbbox", "poly2d", "point2d", "image")
_OBJECT_ID = re.compile(
    r"^(\d+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
_ATTRIBUTE_TYPES = ("text", "num", "boolean", "vec")


def parse_record(record: Record, options: ImportOptions) -> list[Parsed]:
    data = record.data
    if not isinstance(data, dict):
        raise FieldError("", "must be a JSON object")
    prefix = ""
    key = record.key
    if "openlabelContent" in data:
        key = string(data.get("sceneUuid"), "sceneUuid")
        data, prefix = data["openlabelContent"], "openlabelContent."
    if not isinstance(data, dict) or not isinstance(data.get("openlabel"), dict):
        raise FieldError(f"{prefix}openlabel", "is required")
    ol = data["openlabel"]
    base = f"{prefix}openlabel"
    version = (ol.get("metadata") or {}).get("schema_version")
    if version != "1.0.0":
        raise FieldError(f"{base}.metadata.schema_version", f'must be "1.0.0", got {version!r}')
    frames = ol.get("frames") or {}
    if not isinstance(frames, dict) or not frames or not all(str(k).isdigit() for k in frames):
        raise FieldError(f"{base}.frames", "must hold frames keyed by digit strings (an image is frame 0)")
    frame_key = min(frames, key=int)
    fpath = f"{base}.frames.{frame_key}"
    frame = frames[frame_key]
    if key is None:
        external = ((frame or {}).get("frame_properties") or {}).get("external_id")
        if not external:
            raise FieldError(
                f"{fpath}.frame_properties.external_id", "names the sample when there is no sceneUuid"
            )
        key = str(external)
    streams = ol.get("streams") or {}
    objects = ol.get("objects") or {}
    parsed = Parsed(Label(key))
    scene.scene_warnings(ol, base, frame_key, parsed)
    kept_stream: list[str] = []  # the stream whose image this sample is: the first one named
    for oid, entry in ((frame or {}).get("objects") or {}).items():
        opath = f"{fpath}.objects.{oid}"
        declared = objects.get(oid)
        if not isinstance(declared, dict) or not isinstance(declared.get("type"), str):
            raise FieldError(
                f"{base}.objects.{oid}.type", "every object in a frame must be declared with a type"
            )
        cls = declared["type"]
        odata = (entry or {}).get("object_data") or {}
        shared = _attributes(odata, f"{opath}.object_data", cls, options, parsed, streams)
        shared_stream = shared.pop("stream", None)
        for other in sorted(set(odata) - set(_GEOMETRIES) - set(_ATTRIBUTE_TYPES)):
            # 3D geometry (cuboid, poly3d, point3d), matrices, binaries: not an image's 2D geometry.
            parsed.warnings.append((f"{opath}.object_data.{other}", f"{other!r} data is not kept"))
        for gkey in _GEOMETRIES:
            items = odata.get(gkey) or []
            holes = scene.holes(items, f"{opath}.object_data.{gkey}", parsed) if gkey == "poly2d" else {}
            for k, item in enumerate(items):
                gpath = f"{opath}.object_data.{gkey}[{k}]"
                if k in holes and holes[k] is None:
                    continue  # a hole, read with its polygon
                geometry = _geometry(gkey, item, gpath, options)
                own_holes = holes.get(k)
                if own_holes:
                    assert isinstance(geometry, Polygon)
                    rings = [
                        _geometry(gkey, items[h], f"{opath}.object_data.{gkey}[{h}]", options)
                        for h in own_holes
                    ]
                    geometry = Polygon(
                        geometry.points, tuple(r.points for r in rings if isinstance(r, Polygon))
                    )
                own = _attributes(
                    item.get("attributes") or {}, f"{gpath}.attributes", cls, options, parsed, streams
                )
                if not scene.in_stream(own.pop("stream", shared_stream), kept_stream, gpath, parsed):
                    continue
                conf = own.pop("confidence", shared.get("confidence", 1.0))
                obj = Object(cls, geometry, conf, id=str(oid))
                for source in (shared, own):
                    for name, value in source.items():
                        if name == "confidence":
                            continue
                        if isinstance(value, list) and value and not isinstance(value[0], str):
                            obj.attributes[name] = value
                        elif c := classification_from_value(name, value, class_specs(options.ontology, cls)):
                            obj.classifications.append(c)
                        else:
                            obj.attributes[name] = value
                if gkey == "point2d" and "id" in item:
                    # Points with ids are the keypoints of one set: the object is the set.
                    obj.attributes.update({INSTANCE: str(oid), KEYPOINT: item.get("name", item["id"])})
                    obj.id = None
                parsed.label.objects.append(obj)
                parsed.object_paths.append(gpath)
    return [parsed]


def _attributes(
    data: dict[str, Any], path: str, cls: str, options: ImportOptions, parsed: Parsed, streams: dict[str, Any]
) -> dict[str, Any]:
    """Typed attribute lists (text/num/boolean/vec) as one name -> value dict; checks ``stream``."""
    out: dict[str, Any] = {}
    for atype in _ATTRIBUTE_TYPES:
        for i, attr in enumerate(data.get(atype) or []):
            apath = f"{path}.{atype}[{i}]"
            if not isinstance(attr, dict) or not isinstance(attr.get("name"), str):
                raise FieldError(apath, 'must be {"name", "val"}')
            name, val = attr["name"], attr.get("val")
            if atype == "num":
                val = number(val, f"{apath}.val")
            elif atype == "boolean" and not isinstance(val, bool):
                raise FieldError(f"{apath}.val", "must be true or false")
            elif atype == "text":
                val = string(val, f"{apath}.val")
            elif atype == "vec" and not isinstance(val, list):
                raise FieldError(f"{apath}.val", "must be a list")
            if name == "stream" and val not in streams:
                parsed.warnings.append(
                    (f"{apath}.val", f"stream {val!r} is not declared in openlabel.streams")
                )
            out[name] = val
    return out


def _geometry(gkey: str, item: Any, path: str, options: ImportOptions) -> Geometry:
    if not isinstance(item, dict):
        raise FieldError(path, "must be a JSON object")
    val = item.get("val")
    vpath = f"{path}.val"
    if gkey == "image":
        if item.get("encoding", "base64") != "base64":
            raise FieldError(f"{path}.encoding", 'must be "base64"')
        try:
            png = base64.b64decode(string(val, vpath), validate=True)
        except binascii.Error as exc:
            raise FieldError(vpath, "must be base64") from exc
        return Mask.from_array(raster.mask_from_png(png, vpath, None, options.max_mask_pixels))
    if not isinstance(val, list):
        raise FieldError(vpath, "must be a list of numbers")
    if gkey in ("bbox", "rbbox"):
        n = 4 if gkey == "bbox" else 5
        if len(val) != n:
            raise FieldError(vpath, f"must hold {n} numbers")
        xc, yc, w, h = (number(v, f"{vpath}[{i}]") for i, v in enumerate(val[:4]))
        rotation = math.degrees(number(val[4], f"{vpath}[4]")) if n == 5 else 0.0
        return Box(xc - w / 2, yc - h / 2, xc + w / 2, yc + h / 2, rotation)
    if gkey == "point2d":
        if len(val) != 2:
            raise FieldError(vpath, "must be [x, y]")
        return Point(number(val[0], f"{vpath}[0]"), number(val[1], f"{vpath}[1]"))
    mode = item.get("mode", "MODE_POLY2D_ABSOLUTE")
    if mode != "MODE_POLY2D_ABSOLUTE":
        raise FieldError(f"{path}.mode", f"{mode!r}: only MODE_POLY2D_ABSOLUTE is read (not chain codes)")
    closed = item.get("closed")
    if not isinstance(closed, bool):
        raise FieldError(f"{path}.closed", "is required (true: polygon, false: polyline)")
    pts = points_array(val, vpath, flat=True)
    return Polygon(pts) if closed else Polyline(pts)


# --- export -------------------------------------------------------------------------------------


def export_label(label: Label, options: ExportOptions, report: ExportReport) -> list[dict[str, Any]]:
    objects: dict[str, dict[str, Any]] = {}
    frame_objects: dict[str, Any] = {}
    sets: dict[tuple[str, Any], str] = {}  # keypoint set -> its object: one point2d per keypoint
    for i, obj in enumerate(label.objects):
        key = (obj.class_name, obj.attributes[INSTANCE]) if is_keypoint(obj) else None
        own = obj.id if key is None else sets.get(key, str(key[1]))
        oid = own if own is not None and _OBJECT_ID.match(own) else None
        if oid is None or (oid in objects and (key is None or sets.get(key) != oid)):
            if obj.id is not None:
                report.convert("object id as UUID")
            oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"predhub:{label.sample_key}:{i}"))
        gkey, item = _export_geometry(obj, i, report)
        if gkey is None:
            continue
        if key is not None:
            oid = sets.setdefault(key, oid)
            kp = obj.attributes.get(KEYPOINT, i)
            count = len(frame_objects.get(oid, {}).get("object_data", {}).get("point2d", []))
            item.update(name=str(kp), id=kp if isinstance(kp, int) and not isinstance(kp, bool) else count)
        attributes: dict[str, list[dict[str, Any]]] = {
            "text": [{"name": "stream", "val": options.stream}],
            "num": [{"name": "confidence", "val": obj.confidence}],
        }
        for c in obj.classifications:
            value = value_from_classification(c, report)
            attributes.setdefault("vec" if isinstance(value, list) else "text", []).append(
                {"name": c.name, "val": value}
            )
        for name, value in obj.attributes.items():
            if name in (INSTANCE, KEYPOINT) and is_keypoint(obj):
                continue  # the set's object and the point2d's name say these
            atype = (
                "boolean" if isinstance(value, bool) else "num" if isinstance(value, int | float) else None
            )
            if atype is None and isinstance(value, list):
                atype = "vec"
            if atype is None:
                report.drop("object.attributes (not a number, boolean or list)")
                continue
            attributes.setdefault(atype, []).append({"name": name, "val": value})
        item["attributes"] = attributes
        objects[oid] = {"name": oid, "type": obj.class_name}
        data = frame_objects.setdefault(oid, {"object_data": {}})["object_data"]
        data.setdefault(gkey, []).extend([item, *scene.export_holes(obj, i, options.stream)])
    if label.classifications:
        report.drop("classification (image level)", len(label.classifications))
    if label.score is not None:
        report.drop("label.score")
    document = {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "streams": {options.stream: {"type": "camera"}},
            "objects": objects,
            "frames": {
                "0": {
                    "frame_properties": {"timestamp": 0, "external_id": label.sample_key, "streams": {}},
                    "objects": frame_objects,
                }
            },
        }
    }
    return [{"sceneUuid": label.sample_key, "openlabelContent": document}]


def _export_geometry(obj: Object, index: int, report: ExportReport) -> tuple[str | None, dict[str, Any]]:
    g = obj.geometry
    if isinstance(g, Box):
        xc, yc = (g.x0 + g.x1) / 2, (g.y0 + g.y1) / 2
        if g.rotation:
            return "rbbox", {
                "name": f"rbbox-{index}",
                "val": [xc, yc, g.width, g.height, math.radians(g.rotation)],
            }
        return "bbox", {"name": f"bbox-{index}", "val": [xc, yc, g.width, g.height]}
    if isinstance(g, Polygon | Polyline):
        item = {
            "name": f"poly2d-{index}",
            "val": np.asarray(g.points).ravel().tolist(),
            "closed": isinstance(g, Polygon),
            "mode": "MODE_POLY2D_ABSOLUTE",
        }
        if isinstance(g, Polygon) and g.holes:
            # The outer ring is item 0 of the object's poly2d list, its holes items 1..n (_openlabel_scene).
            item["hierarchy"] = [-1, -1, 1, -1]
        return "poly2d", item
    if isinstance(g, Point):
        return "point2d", {"name": f"point2d-{index}", "val": [g.x, g.y]}
    png = raster.encode_png(g.to_array())
    return "image", {
        "name": f"image-{index}",
        "val": base64.b64encode(png).decode("ascii"),
        "mime_type": "image/png",
        "encoding": "base64",
    }


CONVERTER = Converter(
    name="openlabel",
    framing=Framing.JSON,
    sample_field="sceneUuid",
    parse_fn=parse_record,
    export_fn=export_label,
    renames=(
        (".box.width", ".val[2]"),
        (".box.height", ".val[3]"),
        (".box", ".val"),
        (".polygon", ".val"),
        (".polyline", ".val"),
        (".point", ".val"),
        (".mask", ".val"),
        (".confidence", ".attributes.num.confidence"),
        (".class", ".type"),
    ),
    description="Kognic OpenLABEL 1.0 prediction documents (one per scene)",
)
