"""``predhub jobs``: the state of server-side jobs and upload jobs."""

from __future__ import annotations

import click
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from predhub.cli._common import console, hub_client, hub_options, print_errors, print_json
from predhub.sdk import Job, JobStatus, UploadJob

__all__ = ["jobs"]


@click.group()
def jobs() -> None:
    """Server-side jobs (imports, evaluations, predictions) and upload jobs."""


@jobs.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON.")
@hub_options
def list_(as_json: bool, url: str | None, token: str | None) -> None:
    """List the server-side jobs the token can see."""
    with hub_client(url, token) as client:
        found = list(client.list_jobs())
    if as_json:
        print_json(found)
        return
    table = Table("id", "kind", "status", "progress", "created", "message")
    for job in found:
        created = job.created_at.isoformat(timespec="seconds") if job.created_at else ""
        table.add_row(
            str(job.id), job.kind, job.status.value, f"{job.progress:.0%}", created, job.message or ""
        )
    console.print(table)


@jobs.command()
@click.argument("job_id", type=int)
@click.option("--upload", is_flag=True, help="JOB_ID is an upload job (from `predhub upload`).")
@click.option("--json", "as_json", is_flag=True, help="Print the job as JSON.")
@hub_options
def show(job_id: int, upload: bool, as_json: bool, url: str | None, token: str | None) -> None:
    """Show job JOB_ID: status, progress, result or errors."""
    with hub_client(url, token) as client:
        job: Job | UploadJob = client.get_upload(job_id) if upload else client.get_job(job_id)
    if as_json:
        print_json(job)
    elif isinstance(job, UploadJob):
        total = job.total_chunks if job.total_chunks is not None else "?"
        console.print(
            f"upload job {job.id} into label set {job.label_set_id}: [bold]{job.status.value}[/] "
            f"({len(job.chunks_stored)}/{total} chunks, {job.counts.records} labels, "
            f"{job.counts.objects} objects, {job.counts.rejected} rejected)"
        )
        if job.errors:
            print_errors(job.errors, total=job.counts.rejected or None)
    else:
        _print_job(job)


@jobs.command()
@click.argument("job_id", type=int)
@click.option("--poll-interval", default=0.5, show_default=True, help="Seconds between polls.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished job as JSON.")
@hub_options
def wait(job_id: int, poll_interval: float, as_json: bool, url: str | None, token: str | None) -> None:
    """Wait for job JOB_ID to finish, with a progress bar; exit 1 unless it is done."""
    with hub_client(url, token) as client:
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json,
        )
        with progress:
            task = progress.add_task(f"job {job_id}", total=1.0)
            while True:
                job = client.wait_job(job_id, poll_interval=poll_interval, timeout=poll_interval)
                progress.update(task, completed=job.progress, description=f"job {job_id} {job.status.value}")
                if job.status.finished:
                    break
    if as_json:
        print_json(job)
    else:
        _print_job(job)
    if job.status is not JobStatus.DONE:
        raise SystemExit(1)


def _print_job(job: Job) -> None:
    console.print(f"job {job.id} ({job.kind}): [bold]{job.status.value}[/] {job.progress:.0%}")
    if job.message:
        console.print(job.message)
    if job.error:
        console.print(f"[red]error:[/] {job.error}")
    if job.result is not None:
        print_json(job.result)
