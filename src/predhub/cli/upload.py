"""``predhub upload``: a labels file (NDJSON or JSON) into a label set, as a resumable upload job."""

from __future__ import annotations

from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from predhub.cli._common import (
    console,
    hub_client,
    hub_options,
    mode_option,
    on_conflict_option,
    pass_errors,
    print_errors,
    print_json,
    resolve_dataset,
    resolve_label_set,
)
from predhub.sdk import (
    Client,
    Dataset,
    LabelSet,
    LabelSetKind,
    NotFound,
    UploadInterrupted,
    UploadStatus,
    read_labels,
)

__all__ = ["upload"]


@click.command()
@click.argument("labels_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", default=None, help="Dataset id or name (needed when --label-set is a name).")
@click.option("--label-set", "label_set_ref", default=None, help="Label set id, or name within --dataset.")
@click.option(
    "--create", is_flag=True, help="Create the label set (by name) if the dataset has none of that name."
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in LabelSetKind]),
    default="predictions",
    show_default=True,
    help="Kind of a label set made by --create.",
)
@click.option("--model-name", default=None, help="Model name of a label set made by --create.")
@mode_option("strict: any bad record fails the job; partial: store the good ones.")
@on_conflict_option
@click.option("--chunk-size", default=1000, show_default=True, help="Labels per chunk.")
@click.option("--concurrency", default=4, show_default=True, help="Chunks in flight at once.")
@click.option(
    "--resume",
    "resume_job",
    type=int,
    default=None,
    help="Finish upload job JOB with the same file: sends only the chunks not stored yet.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the finished upload job as JSON.")
@hub_options
@pass_errors
def upload(
    labels_file: Path,
    dataset: str | None,
    label_set_ref: str | None,
    create: bool,
    kind: str,
    model_name: str | None,
    mode: str,
    on_conflict: str,
    chunk_size: int,
    concurrency: int,
    resume_job: int | None,
    as_json: bool,
    url: str | None,
    token: str | None,
) -> None:
    """Upload the labels in LABELS_FILE (predhub's JSON shape, one label per sample)."""
    if resume_job is None and label_set_ref is None:
        raise click.UsageError("say which label set with --label-set (or --resume an upload job)")
    records = read_labels(labels_file)
    with hub_client(url, token) as client:
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("chunks"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        )
        with progress:
            task = progress.add_task(f"uploading {len(records)} labels", total=None)

            def report(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            try:
                if resume_job is not None:
                    job = client.resume_upload(resume_job, records, concurrency=concurrency, progress=report)
                else:
                    target = _label_set(client, dataset, label_set_ref or "", create, kind, model_name)
                    job = client.upload_labels(
                        target,
                        records,
                        chunk_size=chunk_size,
                        concurrency=concurrency,
                        mode=mode,  # type: ignore[arg-type]
                        on_conflict=on_conflict,  # type: ignore[arg-type]
                        progress=report,
                    )
            except UploadInterrupted as exc:
                raise click.ClickException(
                    f"{exc}\nresume with: predhub upload {labels_file} --resume {exc.job_id}"
                ) from exc
    if as_json:
        print_json(job)
    else:
        console.print(
            f"upload job {job.id}: [bold]{job.status.value}[/] - {job.counts.records} labels, "
            f"{job.counts.objects} objects stored, {job.counts.rejected} rejected"
        )
        if job.errors:
            print_errors(job.errors, total=job.counts.rejected or None)
    if job.status is not UploadStatus.DONE:
        raise SystemExit(1)


def _label_set(
    client: Client, dataset_ref: str | None, ref: str, create: bool, kind: str, model_name: str | None
) -> LabelSet:
    dataset: Dataset | None = resolve_dataset(client, dataset_ref) if dataset_ref is not None else None
    try:
        return resolve_label_set(client, dataset, ref)
    except NotFound:
        if not create or dataset is None or ref.isdigit():
            raise
    return client.create_label_set(dataset, ref, kind=kind, model_name=model_name)
