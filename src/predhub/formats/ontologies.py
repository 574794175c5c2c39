"""A dataset's ontology derived from a COCO or Label Studio file (``predhub import --create-dataset``).

The conversion itself is pure (:func:`predhub.formats.coco.ontology_from_coco`,
:func:`predhub.formats.labelstudio.ontology_from_tasks`); this module only reads enough of the file.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import ijson

from predhub.core import Ontology
from predhub.formats.coco import ontology_from_coco
from predhub.formats.io import iter_json, read_coco_header
from predhub.formats.labelstudio import ontology_from_tasks

__all__ = ["SAMPLE_RECORDS", "derive_ontology"]

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
