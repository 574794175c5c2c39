"""What the demo prints: the dataset, its label sets, and how many objects of each class each holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table

from predhub.core import Label
from predhub.sdk import Client, Dataset

__all__ = ["DatasetSummary", "LabelSetSummary", "summarize"]


@dataclass(frozen=True, slots=True)
class LabelSetSummary:
    name: str
    kind: str
    model: str | None
    labels: int
    objects: int
    per_class: dict[str, int]


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    url: str
    name: str
    samples: int
    classes: tuple[str, ...]
    label_sets: tuple[LabelSetSummary, ...]
    other_datasets: int

    def label_set(self, name: str) -> LabelSetSummary:
        return next(s for s in self.label_sets if s.name == name)

    def __rich__(self) -> RenderableType:
        sets = Table("label set", "kind", "model", "labels", "objects", title=None)
        for s in self.label_sets:
            sets.add_row(s.name, s.kind, s.model or "", str(s.labels), str(s.objects))
        counts = Table("class", *(s.name for s in self.label_sets), title="objects per class")
        for cls in self.classes:
            counts.add_row(cls, *(str(s.per_class.get(cls, 0)) for s in self.label_sets))
        others = f" (and {self.other_datasets} other datasets)" if self.other_datasets else ""
        head = f"[bold]dataset {self.name}[/]: {self.samples} samples, {len(self.classes)} classes{others}"
        return Group(head, sets, counts)


def _per_class(labels: Iterable[Label]) -> dict[str, int]:
    return dict(Counter(obj.class_name for label in labels for obj in label.objects))


def summarize(client: Client, dataset: Dataset) -> DatasetSummary:
    """Read back from the hub what the demo stored (counts come from the hub, not from the files)."""
    fresh = client.get_dataset(dataset)
    label_sets = tuple(
        LabelSetSummary(
            name=s.name,
            kind=s.kind.value,
            model=" ".join(v for v in (s.model_name, s.model_version) if v) or None,
            labels=s.label_count,
            objects=s.object_count,
            per_class=_per_class(client.list_labels(s)),
        )
        for s in client.list_label_sets(fresh)
    )
    others = sum(1 for d in client.list_datasets() if d.id != fresh.id)
    return DatasetSummary(
        client.url, fresh.name, fresh.sample_count, tuple(fresh.ontology.class_names), label_sets, others
    )
