"""A large export written in parts, by several processes at once, one range of labels each.

Reading rows through the database driver makes a Python object of every value, under the GIL: one
process reads about a million boxes a second, however many threads it runs (each row's step hands
the GIL over, so a reader thread only slows the writer). So a label set of many objects is cut into
ranges of label ids holding about as many objects each; worker processes write the records of all
ranges but the first to part files while the request's own thread writes the first into the export,
and each part is appended to it in order once written. The file is byte for byte the one a single
process writes: every part is written by the same code, and records never span labels.

Every part reads the same snapshot of the store. On SQLite the request holds the write lock until
each worker has begun its read transaction, so that no commit falls between them (writers wait a
moment, as they wait for any write; if another write holds the lock for over a second, the export is
written in one piece instead); on PostgreSQL the workers adopt the request's exported snapshot.

Workers come from a fork server: forked from a clean process that has imported this module, not from
the threaded hub (whose locks a fork would copy mid-use), and fast to start.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from itertools import pairwise
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from predhub.formats import ExportOptions, ExportReport, Format, get_format
from predhub.formats.io import append_file, records_framing, write_assets, write_records
from predhub.services.export_items import items_between
from predhub.store.db import Database
from predhub.store.export_pages import LAST_ID

__all__ = ["MAX_PROCESSES", "MIN_PART_OBJECTS", "plan_parts", "start_fork_server", "write_in_parts"]

MIN_PART_OBJECTS = 250_000  # a part smaller than this is not worth a process
MAX_PROCESSES = 4
_START_TIMEOUT = 10.0  # seconds for workers to begin reading (SQLite writers wait meanwhile)
_HOLD_TIMEOUT = 1.0  # seconds to wait for SQLite's write lock before writing in one piece instead

log = logging.getLogger(__name__)

Bounds = tuple[int, int]  # label ids (after, upto]
_SNAPSHOT_ID = re.compile(r"[0-9A-F-]+")  # pg_export_snapshot(): "00000003-0000001B-1"


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def start_fork_server() -> None:
    """Start the fork server now (a second or so, once), rather than in the first large export.
    Should it fail, large exports are written in one piece; the hub runs on."""
    from multiprocessing import forkserver

    try:
        _context()
        forkserver.ensure_running()
    except Exception:
        log.warning("no fork server: large exports will be written by one process", exc_info=True)


def default_processes() -> int:
    """One per CPU this process may use, up to :data:`MAX_PROCESSES`; 1 where there is no fork
    server (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(cpus, MAX_PROCESSES))


def plan_parts(
    conn: Connection, label_set_id: int, processes: int, min_objects: int = MIN_PART_OBJECTS
) -> list[Bounds]:
    """Ranges of label ids covering the label set, in order, with about equal object counts and at
    least ``min_objects`` each: at most ``processes`` of them (one range when the set is small)."""
    total = conn.execute(
        text("SELECT coalesce(sum(object_count), 0) FROM labels WHERE label_set_id = :ls"),
        {"ls": label_set_id},
    ).scalar_one()
    parts = min(processes, int(total) // max(1, min_objects))
    if parts < 2:
        return [(0, LAST_ID)]
    # Each label goes to the part its last object falls in; a part ends at its largest label id.
    ends = conn.execute(
        text(
            "SELECT max(id) FROM (SELECT id, sum(object_count) OVER (ORDER BY id) AS upto "
            "FROM labels WHERE label_set_id = :ls) AS running "
            "GROUP BY (upto - 1) * :parts / :total ORDER BY 1"
        ),
        {"ls": label_set_id, "parts": parts, "total": int(total)},
    ).scalars()
    bounds = list(pairwise([0, *ends]))
    bounds[-1] = (bounds[-1][0], LAST_ID)  # labels added since are someone else's snapshot's
    return bounds


def write_in_parts(
    db: Database,
    label_set_id: int,
    fmt: Format,
    options: ExportOptions,
    out: Path,
    report: ExportReport,
    *,
    ids: bool,
    processes: int,
    min_objects: int | None = None,
) -> bool:
    """Write the label set's records to ``out`` (and its assets beside it) in parts, counting in
    ``report``; False, having written nothing, when the set is too small for parts or the workers
    did not start (the caller then writes it in one piece)."""
    if processes < 2 or "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    with db.read() as conn:
        bounds = plan_parts(conn, label_set_id, processes, min_objects or MIN_PART_OBJECTS)
    if len(bounds) < 2:
        return False
    # Running already when the hub started it; if not, it starts here, before writers are held.
    start_fork_server()
    folder = Path(tempfile.mkdtemp(prefix="export-parts-", dir=out.parent))
    try:
        paths = [folder / f"part-{k}" for k in range(1, len(bounds))]
        head, separator, tail = records_framing(fmt)
        with db.read(snapshot=True) as conn:
            workers = _start_workers(db, conn, label_set_id, fmt, options, bounds[1:], paths, ids)
            if workers is None:
                return False
            # The first part straight into the file; each worker's part after it, once written.
            with workers, out.open("wb") as stream:
                stream.write(head)
                items = items_between(conn, label_set_id, *bounds[0], ids=ids)
                written = write_records(fmt, items, options, stream, report)
                for part, path in zip(workers.reports(), paths, strict=True):
                    _merge(report, part)
                    if part.records:
                        stream.write(separator if written else b"")
                        append_file(path, stream)
                        written += part.records
                stream.write(tail)
        write_assets(report, out.parent)
        return True
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class _Workers:
    """Started worker processes and the parent's ends of their pipes."""

    def __init__(self, processes: list[Any], pipes: list[Pipe]) -> None:
        self.processes = processes
        self.pipes = pipes

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for pipe in self.pipes:
            pipe.close()

    def ready(self, timeout: float) -> bool:
        """Whether every worker has begun its read transaction within ``timeout`` seconds."""
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                return False
            kind, _ = pipe.recv()
            if kind != "ready":
                return False
        return True

    def reports(self) -> Iterator[ExportReport]:
        """Each worker's report, in part order, once it has written its part."""
        for process, pipe in zip(self.processes, self.pipes, strict=True):
            try:
                kind, value = pipe.recv()
            except EOFError:
                raise RuntimeError(f"export worker {process.pid} exited with {process.exitcode}") from None
            if kind != "done":
                raise RuntimeError(f"export worker failed: {value}")
            yield value


def _start_workers(
    db: Database,
    conn: Connection,
    label_set_id: int,
    fmt: Format,
    options: ExportOptions,
    bounds: list[Bounds],
    paths: list[Path],
    ids: bool,
) -> _Workers | None:
    """A worker for each of ``bounds``, writing to ``paths``, reading the snapshot ``conn`` reads;
    None if they did not all begin in time (they are stopped)."""
    ctx = _context()
    snapshot = None
    holding = contextlib.ExitStack()
    with holding:
        if db.is_sqlite:
            # No commit until every worker has its snapshot; a writer busy now: no parts this time.
            if not holding.enter_context(db.hold_writes(_HOLD_TIMEOUT)):
                return None
            conn.execute(text("SELECT 1 FROM label_sets LIMIT 1")).all()  # this snapshot begins
        else:
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        processes: list[Any] = []
        pipes: list[Pipe] = []
        workers = _Workers(processes, pipes)
        try:
            for part_bounds, path in zip(bounds, paths, strict=True):
                parent, child = ctx.Pipe(duplex=False)
                process = ctx.Process(
                    target=_write_part,
                    args=(db.url, snapshot, label_set_id, fmt.name, options, part_bounds, ids, path, child),
                    name="predhub-export-part",
                    daemon=True,
                )
                pipes.append(parent)
                process.start()
                processes.append(process)
                child.close()  # the parent's copy: so a worker that dies shows as EOF
        except Exception:  # no fork server, no process: the export is written in one piece
            workers.stop()
            return None
        if not workers.ready(_START_TIMEOUT):
            workers.stop()
            return None
    return workers


def _write_part(
    url: str,
    snapshot: str | None,
    label_set_id: int,
    format_name: str,
    options: ExportOptions,
    bounds: Bounds,
    ids: bool,
    path: Path,
    pipe: Pipe,
) -> None:
    """A worker: one part's records to ``path``; says "ready" once reading, then its report."""
    # Millions of short-lived, acyclic objects in a process that exits when done: the cyclic
    # collector would only walk them, again and again (the server tunes it the same way).
    gc.disable()
    db = Database(url, checkpoints=False)
    try:
        fmt = get_format(format_name)
        report = ExportReport(format_name)
        with db.read(snapshot=True) as conn:
            if snapshot is not None:
                if not _SNAPSHOT_ID.fullmatch(snapshot):
                    raise ValueError(f"not a snapshot id: {snapshot!r}")
                conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # takes no parameters
            conn.execute(text("SELECT 1 FROM label_sets LIMIT 1")).all()
            pipe.send(("ready", None))
            with path.open("wb") as stream:
                items = items_between(conn, label_set_id, *bounds, ids=ids)
                write_records(fmt, items, options, stream, report)
        pipe.send(("done", report))
    except BaseException as exc:  # told to the request, which raises it
        pipe.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        pipe.close()
        db.dispose()


def _merge(report: ExportReport, part: ExportReport) -> None:
    report.labels += part.labels
    report.records += part.records
    report.objects += part.objects
    report.dropped.update(part.dropped)
    report.converted.update(part.converted)
    report.assets.update(part.assets)
