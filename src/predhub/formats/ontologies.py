"""A dataset's ontology derived from a COCO or Label Studio file (``predhub import --create-dataset``).

The conversion itself is pure (:func:`predhub.formats.coco.ontology_from_coco`,
:func:`predhub.formats.labelstudio.ontology_from_tasks`); this module only reads enough of the file.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import ijson

from predhub.core import Ontology
from predhub.formats.coco import ontology_from_coco
from predhub.formats.io import iter_json, read_coco_header
from predhub.formats.labelstudio import ontology_from_tasks

__all__ = ["SAMPLE_RECORDS", "derive_ontology", "samples_from_file"]

# Enough records to see every class's kind in practice, few enough to stay quick on a 1 GB file.
SAMPLE_RECORDS = 10_000


def derive_ontology(path: Path, format: str, sample: int = SAMPLE_RECORDS) -> Ontology:
    """The ontology a COCO dataset (categories, kinds from a sample of annotations) or a Label Studio
    file (every label, choice and text control in its whole stream) implies."""
    with path.open("rb") as stream:
        if format == "coco":
            header = read_coco_header(stream)
            if header is None:
                raise ValueError(
                    "a COCO results file has no categories: create the dataset from the COCO dataset"
                )
            _, categories = header
            annotations = itertools.islice(ijson.items(stream, "annotations.item", use_float=True), sample)
            return ontology_from_coco(categories, annotations)
        if format == "labelstudio":
            return ontology_from_tasks(r.data for r in iter_json(stream) if isinstance(r.data, dict))
    raise ValueError(f"an ontology can be derived from coco or labelstudio files, not {format!r}")


def samples_from_file(path: Path, format: str, image_root: str | None = None) -> list[dict[str, Any]]:
    """The samples a COCO dataset (its ``images``) or a Label Studio file (each task's image) names,
    as sample records for the hub: keyed as the import keys them, located under ``image_root`` (an
    http(s) URL prefix) or by ``path`` relative to the hub's media root."""

    def located(key: str, ref: str) -> dict[str, Any]:
        if image_root:
            return {"key": key, "url": f"{image_root.rstrip('/')}/{ref.lstrip('/')}"}
        if ref.startswith(("http://", "https://")):
            return {"key": key, "url": ref}
        return {"key": key, "path": ref.lstrip("/")}

    out: dict[str, dict[str, Any]] = {}
    with path.open("rb") as stream:
        if format == "coco":
            header = read_coco_header(stream)
            if header is None:
                raise ValueError(
                    "a COCO results file names no images: create the dataset from the COCO dataset"
                )
            for image in header[0]:
                name = str(image.get("file_name", image.get("id")))
                record = located(name, name)
                if "width" in image and "height" in image:
                    record.update(width=int(image["width"]), height=int(image["height"]))
                out.setdefault(name, record)
            return list(out.values())
        if format == "labelstudio":
            for r in iter_json(stream):
                data = r.data.get("data") if isinstance(r.data, dict) else None
                ref = data.get("image") if isinstance(data, dict) else None
                if isinstance(ref, str):
                    key = ref.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
                    out.setdefault(
                        key, located(key, ref if ref.startswith("http") or not image_root else key)
                    )
            return list(out.values())
    raise ValueError(f"samples can be read from coco or labelstudio files, not {format!r}")
