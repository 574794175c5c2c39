"""Images a hub holds, as predict() inputs: a dataset's samples, those a query selects, those with
a label in a label set, or sample ids. Their bytes are fetched through the SDK in the loading thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from predhub.models.errors import InputError
from predhub.models.inputs import ImageRef

if TYPE_CHECKING:
    from predhub.sdk import Client, Dataset, LabelSet, Sample

__all__ = ["HubSamples"]


@dataclass(frozen=True)
class HubSamples:
    """Samples of a hub to predict on.

    ``dataset`` (id, name or :class:`predhub.Dataset`) with optionally ``query`` (the hub's search
    language, e.g. ``"ground-truth.car:>0"``) or ``label_set`` (only samples that have a label
    there); or ``sample_ids`` alone.
    """

    client: Client
    dataset: int | str | Dataset | None = None
    query: str | None = None
    label_set: int | str | LabelSet | None = None
    sample_ids: Sequence[int] | None = None

    def resolve_dataset(self) -> Dataset | None:
        from predhub.sdk import Dataset

        if self.dataset is None or isinstance(self.dataset, Dataset):
            return self.dataset
        if isinstance(self.dataset, int):
            return self.client.get_dataset(self.dataset)
        return self.client.get_dataset_by_name(self.dataset)

    def _label_set_id(self, dataset: Dataset) -> int:
        from predhub.sdk import LabelSet

        if isinstance(self.label_set, LabelSet):
            return self.label_set.id
        if isinstance(self.label_set, int):
            return self.label_set
        return self.client.get_label_set_by_name(dataset, str(self.label_set)).id

    def samples(self) -> list[Sample]:
        if self.sample_ids is not None:
            return [self.client.get_sample(int(i)) for i in self.sample_ids]
        dataset = self.resolve_dataset()
        if dataset is None:
            raise InputError("input", "HubSamples needs a dataset or sample_ids")
        samples = list(self.client.list_samples(dataset, query=self.query))
        if self.label_set is not None:
            labelled = {label.sample_key for label in self.client.list_labels(self._label_set_id(dataset))}
            samples = [s for s in samples if s.key in labelled]
        return samples

    def image_refs(self, index: int) -> list[ImageRef]:
        """One reference per sample; its bytes are fetched when the loading thread reaches it."""
        client = self.client

        def fetcher(sample_id: int) -> Any:
            return lambda: client.get_sample_image(sample_id)

        return [
            ImageRef(
                index,
                f"sample {s.id} ({s.key})",
                sample_id=s.id,
                sample_key=s.key,
                dataset_id=s.dataset_id,
                fetch=fetcher(s.id),
            )
            for s in self.samples()
        ]
