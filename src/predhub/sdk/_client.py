"""``predhub.Client``: the blocking client. Builds nothing and parses nothing itself (see ``_base.py``
and ``_calls.py``); it sends calls, sleeps between retries, and runs bulk work on a few threads.

Bulk uploads use a small thread pool over one ``httpx.Client`` rather than an event loop under the
hood: httpx's sync pool is thread-safe, the threads spend their time blocked on sockets with the GIL
released, and a hidden event loop would break callers that already run one (Jupyter, async servers).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
import orjson

from predhub.core import Label, Ontology
from predhub.sdk import _calls as api
from predhub.sdk import _evaluations as ev_api
from predhub.sdk._base import (
    DEFAULT_TIMEOUT,
    BaseClient,
    Call,
    LongPoll,
    Progress,
    RetryPolicy,
)
from predhub.sdk._encoding import ChunkPlan
from predhub.sdk._evaluations import Evaluation, EvaluationSample
from predhub.sdk._exceptions import APIError, NotFound, TransportError, UploadInterrupted
from predhub.sdk._files import upload_path
from predhub.sdk._models import (
    Blob,
    ChunkResult,
    Dataset,
    Job,
    LabelSet,
    LabelSetKind,
    LabelsResult,
    Me,
    Page,
    Sample,
    SamplesResult,
    UploadJob,
    User,
    Workspace,
)
from predhub.sdk._samples import SamplePlan, read_image
from predhub.sdk._types import (
    DatasetRef,
    LabelLike,
    LabelSetRef,
    NewSample,
    OnConflict,
    ProgressCallback,
    UploadJobRef,
    UploadMode,
    ref_id,
)

__all__ = ["Client"]

T = TypeVar("T")


class Client(BaseClient):
    """A blocking client for one predhub hub.

    ``url`` and ``token`` default to ``$PREDHUB_URL``/``$PREDHUB_TOKEN``, then the config file that
    ``predhub serve`` writes. Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retries: RetryPolicy | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        super().__init__(url, token, retries=retries)
        self._http = http if http is not None else httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- I/O: the only code that differs from AsyncClient ------------------------------------------

    def _send(self, call: Call[T]) -> T:
        for attempt in itertools.count():
            try:
                response = self._http.send(self._build(self._http, call))
            except httpx.TransportError as exc:
                delay = self._delay_after_error(call, exc, attempt)
            else:
                retry_in = self._delay_after_response(call, response, attempt)
                if retry_in is None:
                    return self._result(call, response)
                delay = retry_in
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _pages(self, page: Callable[[str | None], Call[Page[T]]]) -> Iterator[T]:
        cursor: str | None = None
        while True:
            current = self._send(page(cursor))
            yield from current.items
            if current.next_cursor is None:
                return
            cursor = current.next_cursor

    def _send_all(
        self,
        make: Callable[[int], Call[T]],
        indices: Sequence[int],
        concurrency: int,
        on_result: Callable[[int, T], None] | None = None,
    ) -> dict[int, T]:
        """Send ``make(i)`` for every index, at most ``concurrency`` at a time; stop at the first error."""
        results: dict[int, T] = {}
        if not indices:
            return results
        with ThreadPoolExecutor(max(1, min(concurrency, len(indices))), thread_name_prefix="predhub") as pool:
            futures = {pool.submit(lambda i=i: self._send(make(i))): i for i in indices}  # type: ignore[misc]
            try:
                for future in as_completed(futures):
                    index = futures[future]
                    results[index] = future.result()
                    if on_result is not None:
                        on_result(index, results[index])
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return results

    # --- who am I ----------------------------------------------------------------------------------

    def me(self) -> Me:
        return self._send(api.me())

    # --- users and workspaces (docs/api.md) -------------------------------------------------------

    def create_user(self, name: str, *, is_admin: bool = False) -> User:
        """A new user (admins only); give them a token with :meth:`create_token`."""
        return self._send(api.create_user(name, is_admin))

    def create_token(self, user: User | int, *, name: str | None = None) -> str:
        """A new API token for a user (an admin, or the user themself)."""
        return self._send(api.create_token(user if isinstance(user, int) else user.id, name))

    def list_workspaces(self) -> Iterator[Workspace]:
        return self._pages(lambda cursor: api.list_workspaces(cursor))

    def create_workspace(self, name: str) -> Workspace:
        return self._send(api.create_workspace(name))

    def add_member(self, workspace: Workspace | int, user: User | int) -> None:
        """Let a user see the workspace's datasets."""
        workspace_id = workspace if isinstance(workspace, int) else workspace.id
        self._send(api.add_member(workspace_id, user if isinstance(user, int) else user.id))

    # --- datasets ----------------------------------------------------------------------------------

    def create_dataset(
        self,
        name: str,
        ontology: Ontology | Mapping[str, Any],
        *,
        description: str | None = None,
        media_type: str = "image",
        workspace_id: int | None = None,
    ) -> Dataset:
        return self._send(api.create_dataset(name, ontology, description, media_type, workspace_id))

    def get_dataset(self, dataset: DatasetRef) -> Dataset:
        return self._send(api.get_dataset(ref_id(dataset)))

    def get_dataset_by_name(self, name: str) -> Dataset:
        for dataset in self._send(api.find_datasets(name)).items:
            if dataset.name == name:
                return dataset
        raise NotFound(404, "not_found", f"no dataset named {name!r}")

    def list_datasets(self, *, page_size: int | None = None) -> Iterator[Dataset]:
        """Every dataset the token can see, page after page."""
        return self._pages(lambda cursor: api.list_datasets(cursor, page_size))

    def update_dataset(
        self,
        dataset: DatasetRef,
        *,
        description: str | None = None,
        ontology: Ontology | Mapping[str, Any] | None = None,
    ) -> Dataset:
        return self._send(api.update_dataset(ref_id(dataset), description, ontology))

    def delete_dataset(self, dataset: DatasetRef) -> None:
        self._send(api.delete_dataset(ref_id(dataset)))

    # --- samples -----------------------------------------------------------------------------------

    def upload_blob(self, image: bytes | os.PathLike[str]) -> Blob:
        return self._send(api.upload_blob(read_image(image)))

    def add_samples(
        self,
        dataset: DatasetRef,
        samples: Iterable[NewSample | Mapping[str, Any]],
        *,
        batch_size: int = 1000,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
    ) -> SamplesResult:
        """Add samples in batches (each all-or-nothing); local images go to the blob store first.

        Returns the new sample ids in input order, and the ids of the jobs that read the sizes of URL
        images given without them (``wait_job`` on them before relying on ``width``/``height``).
        """
        plan = SamplePlan.of(samples)
        blobs = self._send_all(
            lambda i: api.upload_blob(read_image(plan.uploads[i][1])), range(len(plan.uploads)), concurrency
        )
        for i, blob in blobs.items():
            plan.set_blob(i, blob.sha256)
        batches = plan.batches(batch_size)
        dataset_id = ref_id(dataset)
        done = self._send_all(
            lambda i: api.create_samples(dataset_id, batches[i]),
            range(len(batches)),
            concurrency,
            Progress[SamplesResult](len(batches), progress),
        )
        return SamplesResult.merge([done[i] for i in range(len(batches))])

    def list_samples(
        self,
        dataset: DatasetRef,
        *,
        page_size: int | None = None,
        query: str | None = None,
        sort: str | None = None,
    ) -> Iterator[Sample]:
        """The dataset's samples; ``query`` filters them and ``sort`` orders them with the hub's search
        language (docs/search.md), e.g. ``query="gt.car:>0 model.car:=0", sort="model.fp:desc"``."""
        dataset_id = ref_id(dataset)
        return self._pages(lambda cursor: api.list_samples(dataset_id, cursor, page_size, query, sort))

    def get_sample(self, sample_id: int) -> Sample:
        return self._send(api.get_sample(sample_id))

    def delete_sample(self, sample: Sample | int) -> None:
        """Delete a sample and its labels in every label set."""
        self._send(api.delete_sample(sample if isinstance(sample, int) else sample.id))

    def get_sample_by_key(self, dataset: DatasetRef, key: str) -> Sample:
        return self._send(api.get_sample_by_key(ref_id(dataset), key))

    def get_sample_image(self, sample: Sample | int) -> bytes:
        return self._send(api.get_sample_image(sample if isinstance(sample, int) else sample.id))

    # --- label sets --------------------------------------------------------------------------------

    def create_label_set(
        self,
        dataset: DatasetRef,
        name: str,
        *,
        kind: LabelSetKind | str = LabelSetKind.PREDICTIONS,
        description: str | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
        class_mapping: Mapping[str, str] | None = None,
    ) -> LabelSet:
        return self._send(
            api.create_label_set(
                ref_id(dataset),
                name,
                LabelSetKind(kind),
                description,
                model_name,
                model_version,
                class_mapping,
            )
        )

    def get_label_set(self, label_set: LabelSetRef) -> LabelSet:
        return self._send(api.get_label_set(ref_id(label_set)))

    def get_label_set_by_name(self, dataset: DatasetRef, name: str) -> LabelSet:
        for label_set in self.list_label_sets(dataset):
            if label_set.name == name:
                return label_set
        raise NotFound(404, "not_found", f"no label set named {name!r} in dataset {ref_id(dataset)}")

    def list_label_sets(self, dataset: DatasetRef, *, page_size: int | None = None) -> Iterator[LabelSet]:
        dataset_id = ref_id(dataset)
        return self._pages(lambda cursor: api.list_label_sets(dataset_id, cursor, page_size))

    def update_label_set(
        self,
        label_set: LabelSetRef,
        *,
        name: str | None = None,
        description: str | None = None,
        model_name: str | None = None,
        model_version: str | None = None,
        class_mapping: Mapping[str, str] | None = None,
    ) -> LabelSet:
        """Change what is given (None leaves a field as it is)."""
        changes = {
            "name": name,
            "description": description,
            "model_name": model_name,
            "model_version": model_version,
            "class_mapping": None if class_mapping is None else dict(class_mapping),
        }
        return self._send(api.update_label_set(ref_id(label_set), changes))

    def delete_label_set(self, label_set: LabelSetRef) -> None:
        self._send(api.delete_label_set(ref_id(label_set)))

    # --- labels ------------------------------------------------------------------------------------

    def put_label(self, label_set: LabelSetRef, label: LabelLike) -> Label:
        """Set one sample's label in the set, replacing what was there; returns it as stored."""
        return self._send(api.put_label(ref_id(label_set), label))

    def add_labels(
        self,
        label_set: LabelSetRef,
        labels: Sequence[LabelLike],
        *,
        mode: UploadMode = "strict",
        on_conflict: OnConflict = "replace",
    ) -> LabelsResult:
        """Store many labels in one request (strict: all or nothing). For large sets use upload_labels."""
        return self._send(api.add_labels(ref_id(label_set), labels, mode, on_conflict))

    def list_labels(self, label_set: LabelSetRef, *, page_size: int | None = None) -> Iterator[Label]:
        label_set_id = ref_id(label_set)
        return self._pages(lambda cursor: api.list_labels(label_set_id, cursor, page_size))

    def get_label(self, label_set: LabelSetRef, sample_key: str) -> Label:
        return self._send(api.get_label(ref_id(label_set), sample_key))

    def delete_label(self, label_set: LabelSetRef, sample_key: str) -> None:
        self._send(api.delete_label(ref_id(label_set), sample_key))

    def copy_label(
        self,
        label_set: LabelSetRef,
        sample_key: str,
        target: LabelSetRef,
        *,
        mode: str = "replace",
        status: str | None = None,
    ) -> dict[str, Any]:
        """Copy one sample's label into another label set of the dataset (``mode`` replace or append;
        ``status`` e.g. "prelabel" to queue the copy for review)."""
        result: dict[str, Any] = self._send(
            api.copy_label(ref_id(label_set), sample_key, ref_id(target), mode, status)
        )
        return result

    # --- deployments (see predhub.models.connect for a handle that predicts like a local model) ---

    def create_deployment(self, model: str, *, device: str = "auto", reuse: bool = False) -> dict[str, Any]:
        """Start ``model`` (a bundled model's name or a checkpoint path on the hub) in a worker process."""
        return self._send(api.create_deployment(model, device, reuse))

    def get_deployment(self, deployment_id: int) -> dict[str, Any]:
        return self._send(api.get_deployment(deployment_id))

    def list_deployments(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._send(api.list_deployments())["items"]
        return items

    def stop_deployment(self, deployment_id: int) -> dict[str, Any]:
        return self._send(api.deployment_action(deployment_id, "stop"))

    def restart_deployment(self, deployment_id: int) -> dict[str, Any]:
        return self._send(api.deployment_action(deployment_id, "restart"))

    def delete_deployment(self, deployment_id: int) -> None:
        self._send(api.delete_deployment(deployment_id))

    def deployment_logs(self, deployment_id: int, *, tail: int = 200) -> list[str]:
        lines: list[str] = self._send(api.deployment_logs(deployment_id, tail))["lines"]
        return lines

    def predict_image(self, deployment_id: int, image: bytes, **params: Any) -> dict[str, Any]:
        """One image's prediction from a deployment: objects and classifications in label JSON."""
        return self._send(
            api.predict_image(deployment_id, image, {k: v for k, v in params.items() if v is not None})
        )

    def predict_dataset(
        self,
        deployment_id: int,
        dataset: DatasetRef,
        *,
        label_set: LabelSetRef | str | None = None,
        upload: str = "create",
        sample_ids: Sequence[int] | None = None,
        prelabel: bool = False,
        conf: float | None = None,
        classes: Sequence[str] | None = None,
        img_size: int | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Job:
        """Queue a job in which the hub runs the deployment over the dataset's samples (or
        ``sample_ids``) and writes the labels into ``label_set`` (``upload``: create, append,
        replace, iou_merge); follow it with :meth:`wait_job`."""
        body: dict[str, Any] = {"dataset_id": ref_id(dataset), "upload": upload, "prelabel": prelabel}
        if label_set is not None:
            body["label_set"] = label_set if isinstance(label_set, str) else ref_id(label_set)
        optional = {"sample_ids": sample_ids, "conf": conf, "classes": classes, "img_size": img_size}
        body.update(
            {k: list(v) if isinstance(v, Sequence) else v for k, v in optional.items() if v is not None}
        )
        if settings is not None:
            body["settings"] = dict(settings)
        return self._send(api.predict_dataset(deployment_id, body))

    # --- upload jobs -------------------------------------------------------------------------------

    def upload_labels(
        self,
        label_set: LabelSetRef,
        labels: Sequence[LabelLike],
        *,
        chunk_size: int = 1000,
        concurrency: int = 4,
        mode: UploadMode = "strict",
        on_conflict: OnConflict = "replace",
        progress: ProgressCallback | None = None,
        on_chunk: Callable[[ChunkResult], None] | None = None,
    ) -> UploadJob:
        """Upload labels as a resumable upload job: chunks sent ``concurrency`` at a time, then completed.

        Raises :class:`UploadInterrupted` (with the job id) if a chunk cannot be sent after retries;
        :meth:`resume_upload` with the same labels then sends only the chunks the hub has not stored.
        """
        plan = ChunkPlan.by_size(labels, chunk_size)
        job = self._send(api.create_upload(ref_id(label_set), mode, on_conflict, plan.total_chunks))
        return self._finish_upload(job, plan, range(plan.total_chunks), concurrency, progress, on_chunk)

    def resume_upload(
        self,
        job: UploadJobRef,
        labels: Sequence[LabelLike],
        *,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
        on_chunk: Callable[[ChunkResult], None] | None = None,
    ) -> UploadJob:
        """Finish an interrupted upload job: pass the same labels, in the same order, as the first time."""
        current = self._send(api.get_upload(ref_id(job)))
        plan = ChunkPlan.for_job(current, labels)
        return self._finish_upload(current, plan, current.missing_chunks(), concurrency, progress, on_chunk)

    def _finish_upload(
        self,
        job: UploadJob,
        plan: ChunkPlan,
        chunks: Sequence[int],
        concurrency: int,
        progress: ProgressCallback | None,
        on_chunk: Callable[[ChunkResult], None] | None,
    ) -> UploadJob:
        try:
            self._send_all(
                lambda i: api.put_chunk(job.id, i, plan.body(i)),
                chunks,
                concurrency,
                Progress(plan.total_chunks, progress, already=plan.total_chunks - len(chunks), each=on_chunk),
            )
            return self._send(api.complete_upload(job.id))
        except (TransportError, APIError) as exc:
            raise UploadInterrupted(job.id, str(exc)) from exc

    def get_upload(self, job: UploadJobRef) -> UploadJob:
        return self._send(api.get_upload(ref_id(job)))

    # --- other formats -----------------------------------------------------------------------------

    def import_file(
        self,
        label_set: LabelSetRef,
        path: str | os.PathLike[str],
        *,
        format: str,
        mode: UploadMode = "strict",
        on_conflict: OnConflict = "replace",
        options: Mapping[str, Any] | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> Job:
        """Import a file of ``format`` (labelbox, labelstudio, openlabel, segments, supervisely, coco,
        yolo, voc; per-sample formats as a zip) into a label set. The file is streamed to the hub and
        imported by a job; with ``wait`` the finished job is returned (its ``result`` is the report,
        its ``error`` lists the rejected records of a failed strict import)."""
        with upload_path(path) as upload, open(upload, "rb") as stream:
            chunks = iter(lambda: stream.read(1 << 20), b"")
            job = self._send(api.import_file(ref_id(label_set), chunks, format, mode, on_conflict, options))
        return self.wait_job(job.id, timeout=timeout) if wait else job

    def create_dataset_from_file(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        format: str,
        image_root: str | None = None,
        description: str | None = None,
    ) -> Dataset:
        """A dataset whose ontology and samples come from a COCO dataset or a Label Studio file:
        a class per category or region label, a sample per image (under ``image_root``, an http(s)
        URL prefix, or by path under the hub's media root)."""
        from predhub.formats.ontologies import derive_ontology, samples_from_file

        source = Path(path)
        dataset = self.create_dataset(name, derive_ontology(source, format), description=description)
        self.add_samples(dataset, samples_from_file(source, format, image_root))
        return self.get_dataset(dataset.id)

    def post_records(
        self,
        label_set: LabelSetRef,
        records: Sequence[Any] | Mapping[str, Any],
        *,
        format: str,
        mode: UploadMode = "strict",
        on_conflict: OnConflict = "replace",
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store a few records of ``format`` now (one OpenLABEL document, as Kognic's upload posts)."""
        return self._send(api.post_records(ref_id(label_set), records, format, mode, on_conflict, options))

    def export(
        self,
        label_set: LabelSetRef,
        path: str | os.PathLike[str],
        *,
        format: str,
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Write the label set to ``path`` as ``format`` (a zip for per-sample formats and masks);
        returns the export report: what the format could not carry, per kind."""
        params = {"format": format}
        if options:
            params["options"] = orjson.dumps(dict(options)).decode()
        url = f"{self._api}/label-sets/{ref_id(label_set)}/export"
        with self._http.stream("GET", url, params=params, headers=self._headers) as response:
            if response.is_error:
                response.read()
                raise self._error(response)
            with open(path, "wb") as out:
                # As received (no re-chunking copy), unless a proxy compressed it on the way.
                encoded = "content-encoding" in response.headers
                for chunk in response.iter_bytes(1 << 20) if encoded else response.iter_raw():
                    out.write(chunk)
            report: dict[str, Any] = orjson.loads(response.headers.get("x-predhub-export-report", "{}"))
        return report

    # --- jobs --------------------------------------------------------------------------------------

    def list_jobs(self, *, page_size: int | None = None) -> Iterator[Job]:
        """The server-side jobs of the workspaces the token can see, oldest first."""
        return self._pages(lambda cursor: api.list_jobs(cursor, page_size))

    def get_job(self, job_id: int) -> Job:
        return self._send(api.get_job(job_id))

    def cancel_job(self, job_id: int) -> Job:
        return self._send(api.cancel_job(job_id))

    # --- evaluations ---------------------------------------------------------------------------------

    def create_evaluation(
        self,
        ground_truth: LabelSetRef,
        predictions: LabelSetRef,
        *,
        kind: str = "detection",
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        wait: bool = True,
        timeout: float | None = None,
    ) -> Evaluation:
        """Measure ``predictions`` against ``ground_truth`` on the server (a job); with ``wait`` poll
        until it is done, failed or cancelled."""
        created = self._send(
            ev_api.create_evaluation(ref_id(ground_truth), ref_id(predictions), kind, name, params)
        )
        return self.wait_evaluation(created.id, timeout=timeout) if wait else created

    def get_evaluation(self, evaluation_id: int) -> Evaluation:
        return self._send(ev_api.get_evaluation(evaluation_id))

    def list_evaluations(self, dataset: DatasetRef, *, page_size: int | None = None) -> Iterator[Evaluation]:
        dataset_id = ref_id(dataset)
        return self._pages(lambda cursor: ev_api.list_evaluations(dataset_id, cursor, page_size))

    def evaluation_samples(
        self, evaluation_id: int, *, sort: str = "disagreement:desc", page_size: int | None = None
    ) -> Iterator[EvaluationSample]:
        """Per-sample results, most disagreeing first by default."""
        return self._pages(lambda cursor: ev_api.evaluation_samples(evaluation_id, sort, cursor, page_size))

    def evaluation_confusion_cell(self, evaluation_id: int, row: int, col: int) -> dict[str, Any]:
        """The samples and object ids behind one confusion-matrix cell (last index: background)."""
        return self._send(ev_api.confusion_cell(evaluation_id, row, col))

    def wait_evaluation(
        self, evaluation_id: int, *, poll_interval: float = 0.5, timeout: float | None = None
    ) -> Evaluation:
        """Wait until the evaluation is finished (or ``timeout`` seconds pass: returns it as it then
        is), long-polling its job as :meth:`wait_job` does; polling every ``poll_interval`` seconds at
        most where it has no job, or where the job ended before the evaluation did."""
        waits = LongPoll(timeout, poll_interval)
        job_waited = False
        while True:
            ev = self._send(ev_api.get_evaluation(evaluation_id))
            if ev.finished or waits.expired:
                return ev
            if ev.job_id is not None and not job_waited:
                self.wait_job(ev.job_id, poll_interval=poll_interval, timeout=waits.left())
                job_waited = True
            elif pause := waits.pause():
                time.sleep(pause)

    def wait_job(self, job_id: int, *, poll_interval: float = 0.5, timeout: float | None = None) -> Job:
        """Wait until the job is done, failed or cancelled (or ``timeout`` seconds pass: returns it as
        it then is).

        Long-polls the hub (``GET /jobs/{id}?wait=``, at most 10 s a request), so a finished job is
        seen at once. ``poll_interval`` is only the fallback: when the hub answers early with the job
        unfinished (a hub that ignores ``wait``, or one whose long polls are all taken), the client polls
        every 0.05 s at first, backing off to every ``poll_interval`` seconds."""
        waits = LongPoll(timeout, poll_interval)
        while True:
            job = self._send(api.get_job(job_id, wait=waits.wait()))
            if job.status.finished or waits.expired:
                return job
            if pause := waits.pause():
                time.sleep(pause)
