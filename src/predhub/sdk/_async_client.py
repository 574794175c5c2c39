"""``predhub.AsyncClient``: the asyncio client. Same calls, same models, same retry decisions as
:class:`predhub.Client` (all in ``_base.py``/``_calls.py``); only the waiting differs: ``await`` on
``httpx.AsyncClient``, ``asyncio.sleep`` between retries, and a fixed number of worker tasks (the bound
on concurrency) pulling chunks from one shared iterator, so a 10,000-chunk upload never creates 10,000
tasks.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
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

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(BaseClient):
    """An asyncio client for one predhub hub; the same methods as :class:`predhub.Client`, awaited.

    Use ``async with AsyncClient() as hub:``, or call :meth:`aclose`.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retries: RetryPolicy | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(url, token, retries=retries)
        self._http = http if http is not None else httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # --- I/O: the only code that differs from Client -----------------------------------------------

    async def _send(self, call: Call[T]) -> T:
        for attempt in itertools.count():
            try:
                response = await self._http.send(self._build(self._http, call))
            except httpx.TransportError as exc:
                delay = self._delay_after_error(call, exc, attempt)
            else:
                retry_in = self._delay_after_response(call, response, attempt)
                if retry_in is None:
                    return self._result(call, response)
                delay = retry_in
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _pages(self, page: Callable[[str | None], Call[Page[T]]]) -> AsyncIterator[T]:
        cursor: str | None = None
        while True:
            current = await self._send(page(cursor))
            for item in current.items:
                yield item
            if current.next_cursor is None:
                return
            cursor = current.next_cursor

    async def _send_all(
        self,
        make: Callable[[int], Call[T]],
        indices: Sequence[int],
        concurrency: int,
        on_result: Callable[[int, T], None] | None = None,
    ) -> dict[int, T]:
        """Send ``make(i)`` for every index, at most ``concurrency`` at a time; stop at the first error."""
        results: dict[int, T] = {}
        pending = iter(indices)  # shared by the workers: each index is taken exactly once

        async def worker() -> None:
            for i in pending:
                results[i] = await self._send(make(i))
                if on_result is not None:
                    on_result(i, results[i])

        workers = [asyncio.create_task(worker()) for _ in range(max(1, min(concurrency, len(indices))))]
        try:
            await asyncio.gather(*workers)
        except BaseException:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            raise
        return results

    # --- who am I ----------------------------------------------------------------------------------

    async def me(self) -> Me:
        return await self._send(api.me())

    # --- users and workspaces (docs/api.md) -------------------------------------------------------

    async def create_user(self, name: str, *, is_admin: bool = False) -> User:
        """A new user (admins only); give them a token with :meth:`create_token`."""
        return await self._send(api.create_user(name, is_admin))

    async def create_token(self, user: User | int, *, name: str | None = None) -> str:
        """A new API token for a user (an admin, or the user themself)."""
        return await self._send(api.create_token(user if isinstance(user, int) else user.id, name))

    def list_workspaces(self) -> AsyncIterator[Workspace]:
        return self._pages(lambda cursor: api.list_workspaces(cursor))

    async def create_workspace(self, name: str) -> Workspace:
        return await self._send(api.create_workspace(name))

    async def add_member(self, workspace: Workspace | int, user: User | int) -> None:
        """Let a user see the workspace's datasets."""
        workspace_id = workspace if isinstance(workspace, int) else workspace.id
        await self._send(api.add_member(workspace_id, user if isinstance(user, int) else user.id))

    # --- datasets ----------------------------------------------------------------------------------

    async def create_dataset(
        self,
        name: str,
        ontology: Ontology | Mapping[str, Any],
        *,
        description: str | None = None,
        media_type: str = "image",
        workspace_id: int | None = None,
    ) -> Dataset:
        return await self._send(api.create_dataset(name, ontology, description, media_type, workspace_id))

    async def get_dataset(self, dataset: DatasetRef) -> Dataset:
        return await self._send(api.get_dataset(ref_id(dataset)))

    async def get_dataset_by_name(self, name: str) -> Dataset:
        for dataset in (await self._send(api.find_datasets(name))).items:
            if dataset.name == name:
                return dataset
        raise NotFound(404, "not_found", f"no dataset named {name!r}")

    def list_datasets(self, *, page_size: int | None = None) -> AsyncIterator[Dataset]:
        """Every dataset the token can see, page after page: ``async for dataset in hub.list_datasets()``."""
        return self._pages(lambda cursor: api.list_datasets(cursor, page_size))

    async def update_dataset(
        self,
        dataset: DatasetRef,
        *,
        description: str | None = None,
        ontology: Ontology | Mapping[str, Any] | None = None,
    ) -> Dataset:
        return await self._send(api.update_dataset(ref_id(dataset), description, ontology))

    async def delete_dataset(self, dataset: DatasetRef) -> None:
        await self._send(api.delete_dataset(ref_id(dataset)))

    # --- samples -----------------------------------------------------------------------------------

    async def upload_blob(self, image: bytes | os.PathLike[str]) -> Blob:
        return await self._send(api.upload_blob(read_image(image)))

    async def add_samples(
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
        blobs = await self._send_all(
            lambda i: api.upload_blob(read_image(plan.uploads[i][1])), range(len(plan.uploads)), concurrency
        )
        for i, blob in blobs.items():
            plan.set_blob(i, blob.sha256)
        batches = plan.batches(batch_size)
        dataset_id = ref_id(dataset)
        done = await self._send_all(
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
    ) -> AsyncIterator[Sample]:
        """The dataset's samples; ``query`` filters them and ``sort`` orders them with the hub's search
        language (docs/search.md), e.g. ``query="gt.car:>0 model.car:=0", sort="model.fp:desc"``."""
        dataset_id = ref_id(dataset)
        return self._pages(lambda cursor: api.list_samples(dataset_id, cursor, page_size, query, sort))

    async def get_sample(self, sample_id: int) -> Sample:
        return await self._send(api.get_sample(sample_id))

    async def delete_sample(self, sample: Sample | int) -> None:
        """Delete a sample and its labels in every label set."""
        await self._send(api.delete_sample(sample if isinstance(sample, int) else sample.id))

    async def get_sample_by_key(self, dataset: DatasetRef, key: str) -> Sample:
        return await self._send(api.get_sample_by_key(ref_id(dataset), key))

    async def get_sample_image(self, sample: Sample | int) -> bytes:
        return await self._send(api.get_sample_image(sample if isinstance(sample, int) else sample.id))

    # --- label sets --------------------------------------------------------------------------------

    async def create_label_set(
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
        return await self._send(
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

    async def get_label_set(self, label_set: LabelSetRef) -> LabelSet:
        return await self._send(api.get_label_set(ref_id(label_set)))

    async def get_label_set_by_name(self, dataset: DatasetRef, name: str) -> LabelSet:
        async for label_set in self.list_label_sets(dataset):
            if label_set.name == name:
                return label_set
        raise NotFound(404, "not_found", f"no label set named {name!r} in dataset {ref_id(dataset)}")

    def list_label_sets(
        self, dataset: DatasetRef, *, page_size: int | None = None
    ) -> AsyncIterator[LabelSet]:
        dataset_id = ref_id(dataset)
        return self._pages(lambda cursor: api.list_label_sets(dataset_id, cursor, page_size))

    async def update_label_set(
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
        return await self._send(api.update_label_set(ref_id(label_set), changes))

    async def delete_label_set(self, label_set: LabelSetRef) -> None:
        await self._send(api.delete_label_set(ref_id(label_set)))

    # --- labels ------------------------------------------------------------------------------------

    async def put_label(self, label_set: LabelSetRef, label: LabelLike) -> Label:
        """Set one sample's label in the set, replacing what was there; returns it as stored."""
        return await self._send(api.put_label(ref_id(label_set), label))

    async def add_labels(
        self,
        label_set: LabelSetRef,
        labels: Sequence[LabelLike],
        *,
        mode: UploadMode = "strict",
        on_conflict: OnConflict = "replace",
    ) -> LabelsResult:
        """Store many labels in one request (strict: all or nothing). For large sets use upload_labels."""
        return await self._send(api.add_labels(ref_id(label_set), labels, mode, on_conflict))

    def list_labels(self, label_set: LabelSetRef, *, page_size: int | None = None) -> AsyncIterator[Label]:
        label_set_id = ref_id(label_set)
        return self._pages(lambda cursor: api.list_labels(label_set_id, cursor, page_size))

    async def get_label(self, label_set: LabelSetRef, sample_key: str) -> Label:
        return await self._send(api.get_label(ref_id(label_set), sample_key))

    async def delete_label(self, label_set: LabelSetRef, sample_key: str) -> None:
        await self._send(api.delete_label(ref_id(label_set), sample_key))

    async def copy_label(
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
        result: dict[str, Any] = await self._send(
            api.copy_label(ref_id(label_set), sample_key, ref_id(target), mode, status)
        )
        return result

    # --- deployments (predhub.models.connect wraps the sync Client) ---

    async def create_deployment(
        self, model: str, *, device: str = "auto", reuse: bool = False
    ) -> dict[str, Any]:
        """Start ``model`` (a bundled model's name or a checkpoint path on the hub) in a worker process."""
        return await self._send(api.create_deployment(model, device, reuse))

    async def get_deployment(self, deployment_id: int) -> dict[str, Any]:
        return await self._send(api.get_deployment(deployment_id))

    async def list_deployments(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self._send(api.list_deployments()))["items"]
        return items

    async def stop_deployment(self, deployment_id: int) -> dict[str, Any]:
        return await self._send(api.deployment_action(deployment_id, "stop"))

    async def restart_deployment(self, deployment_id: int) -> dict[str, Any]:
        return await self._send(api.deployment_action(deployment_id, "restart"))

    async def delete_deployment(self, deployment_id: int) -> None:
        await self._send(api.delete_deployment(deployment_id))

    async def deployment_logs(self, deployment_id: int, *, tail: int = 200) -> list[str]:
        lines: list[str] = (await self._send(api.deployment_logs(deployment_id, tail)))["lines"]
        return lines

    async def predict_image(self, deployment_id: int, image: bytes, **params: Any) -> dict[str, Any]:
        """One image's prediction from a deployment: objects and classifications in label JSON."""
        return await self._send(
            api.predict_image(deployment_id, image, {k: v for k, v in params.items() if v is not None})
        )

    async def predict_dataset(
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
        return await self._send(api.predict_dataset(deployment_id, body))

    # --- upload jobs -------------------------------------------------------------------------------

    async def upload_labels(
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
        job = await self._send(api.create_upload(ref_id(label_set), mode, on_conflict, plan.total_chunks))
        return await self._finish_upload(job, plan, range(plan.total_chunks), concurrency, progress, on_chunk)

    async def resume_upload(
        self,
        job: UploadJobRef,
        labels: Sequence[LabelLike],
        *,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
        on_chunk: Callable[[ChunkResult], None] | None = None,
    ) -> UploadJob:
        """Finish an interrupted upload job: pass the same labels, in the same order, as the first time."""
        current = await self._send(api.get_upload(ref_id(job)))
        plan = ChunkPlan.for_job(current, labels)
        return await self._finish_upload(
            current, plan, current.missing_chunks(), concurrency, progress, on_chunk
        )

    async def _finish_upload(
        self,
        job: UploadJob,
        plan: ChunkPlan,
        chunks: Sequence[int],
        concurrency: int,
        progress: ProgressCallback | None,
        on_chunk: Callable[[ChunkResult], None] | None,
    ) -> UploadJob:
        try:
            await self._send_all(
                lambda i: api.put_chunk(job.id, i, plan.body(i)),
                chunks,
                concurrency,
                Progress(plan.total_chunks, progress, already=plan.total_chunks - len(chunks), each=on_chunk),
            )
            return await self._send(api.complete_upload(job.id))
        except (TransportError, APIError) as exc:
            raise UploadInterrupted(job.id, str(exc)) from exc

    async def get_upload(self, job: UploadJobRef) -> UploadJob:
        return await self._send(api.get_upload(ref_id(job)))

    # --- jobs --------------------------------------------------------------------------------------

    def list_jobs(self, *, page_size: int | None = None) -> AsyncIterator[Job]:
        """The server-side jobs of the workspaces the token can see, oldest first."""
        return self._pages(lambda cursor: api.list_jobs(cursor, page_size))

    async def get_job(self, job_id: int) -> Job:
        return await self._send(api.get_job(job_id))

    async def cancel_job(self, job_id: int) -> Job:
        return await self._send(api.cancel_job(job_id))

    async def import_file(
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
        """:meth:`predhub.Client.import_file`, awaited."""

        with upload_path(path) as upload:

            async def chunks() -> AsyncIterator[bytes]:
                with open(upload, "rb") as stream:
                    while chunk := await asyncio.to_thread(stream.read, 1 << 20):
                        yield chunk

            job = await self._send(
                api.import_file(ref_id(label_set), chunks(), format, mode, on_conflict, options)
            )
        return await self.wait_job(job.id, timeout=timeout) if wait else job

    async def create_dataset_from_file(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        format: str,
        image_root: str | None = None,
        description: str | None = None,
    ) -> Dataset:
        """:meth:`predhub.Client.create_dataset_from_file`, awaited."""
        from predhub.formats.ontologies import derive_ontology, samples_from_file

        source = Path(path)
        ontology = await asyncio.to_thread(derive_ontology, source, format)
        dataset = await self.create_dataset(name, ontology, description=description)
        await self.add_samples(
            dataset, await asyncio.to_thread(samples_from_file, source, format, image_root)
        )
        return await self.get_dataset(dataset.id)

    async def export(
        self,
        label_set: LabelSetRef,
        path: str | os.PathLike[str],
        *,
        format: str,
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """:meth:`predhub.Client.export`, awaited."""
        params = {"format": format}
        if options:
            params["options"] = orjson.dumps(dict(options)).decode()
        url = f"{self._api}/label-sets/{ref_id(label_set)}/export"
        async with self._http.stream("GET", url, params=params, headers=self._headers) as response:
            if response.is_error:
                await response.aread()
                raise self._error(response)
            with open(path, "wb") as out:
                # As received (no re-chunking copy), unless a proxy compressed it on the way.
                encoded = "content-encoding" in response.headers
                async for chunk in response.aiter_bytes(1 << 20) if encoded else response.aiter_raw():
                    out.write(chunk)
            report: dict[str, Any] = orjson.loads(response.headers.get("x-predhub-export-report", "{}"))
        return report

    async def post_records(
        self,
        label_set: LabelSetRef,
        records: Sequence[Any] | Mapping[str, Any],
        *,
        format: str,
        mode: UploadMode = "strict",
        on_conflict: OnConflict = "replace",
        options: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """:meth:`predhub.Client.post_records`, awaited (Kognic-style concurrent uploads)."""
        return await self._send(
            api.post_records(ref_id(label_set), records, format, mode, on_conflict, options)
        )

    # --- evaluations ---------------------------------------------------------------------------------

    async def create_evaluation(
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
        """Measure ``predictions`` against ``ground_truth`` on the server (a job)."""
        call = ev_api.create_evaluation(ref_id(ground_truth), ref_id(predictions), kind, name, params)
        created = await self._send(call)
        return await self.wait_evaluation(created.id, timeout=timeout) if wait else created

    async def get_evaluation(self, evaluation_id: int) -> Evaluation:
        return await self._send(ev_api.get_evaluation(evaluation_id))

    async def evaluation_samples(
        self, evaluation_id: int, *, sort: str = "disagreement:desc", limit: int | None = None
    ) -> list[EvaluationSample]:
        """The first page of per-sample results (most disagreeing first by default)."""
        page = await self._send(ev_api.evaluation_samples(evaluation_id, sort, None, limit))
        return list(page.items)

    async def wait_evaluation(
        self, evaluation_id: int, *, poll_interval: float = 0.5, timeout: float | None = None
    ) -> Evaluation:
        """Wait until the evaluation is finished (or ``timeout`` seconds pass: returns it as it then
        is), long-polling its job as :meth:`wait_job` does; polling every ``poll_interval`` seconds at
        most where it has no job, or where the job ended before the evaluation did."""
        waits = LongPoll(timeout, poll_interval)
        job_waited = False
        while True:
            ev = await self._send(ev_api.get_evaluation(evaluation_id))
            if ev.finished or waits.expired:
                return ev
            if ev.job_id is not None and not job_waited:
                await self.wait_job(ev.job_id, poll_interval=poll_interval, timeout=waits.left())
                job_waited = True
            elif pause := waits.pause():
                await asyncio.sleep(pause)

    async def wait_job(self, job_id: int, *, poll_interval: float = 0.5, timeout: float | None = None) -> Job:
        """Wait until the job is done, failed or cancelled (or ``timeout`` seconds pass: returns it as
        it then is).

        Long-polls the hub (``GET /jobs/{id}?wait=``, at most 10 s a request), so a finished job is
        seen at once. ``poll_interval`` is only the fallback: when the hub answers early with the job
        unfinished (a hub that ignores ``wait``, or one whose long polls are all taken), the client polls
        every 0.05 s at first, backing off to every ``poll_interval`` seconds."""
        waits = LongPoll(timeout, poll_interval)
        while True:
            job = await self._send(api.get_job(job_id, wait=waits.wait()))
            if job.status.finished or waits.expired:
                return job
            if pause := waits.pause():
                await asyncio.sleep(pause)
