"""Server-side jobs (imports, evaluations, predictions, sample sizes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from predhub.server.deps import DEFAULT_PAGE, CurrentUser, Cursor, HubDep, Limit
from predhub.server.responses import json_response, page_response
from predhub.server.schemas import JobPublic, PageOf
from predhub.services import jobs

router = APIRouter(tags=["jobs"])

# Bounds checked by the service (a 422 naming ``wait``), so that the message says what is allowed.
Wait = Annotated[
    float | None,
    Query(
        description=f"long poll: answer once the job is done, failed or cancelled, or after this many "
        f"seconds (0 < wait <= {jobs.MAX_WAIT:g}); absent: answer at once"
    ),
]


@router.get("/jobs", response_model=PageOf[JobPublic])
def list_jobs(hub: HubDep, user: CurrentUser, limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Response:
    return page_response(jobs.list_jobs(hub.db, user, limit=limit, cursor=cursor))


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(job_id: int, hub: HubDep, user: CurrentUser, wait: Wait = None) -> Response:
    # A sync handler: the wait blocks one of the server's worker threads, never the event loop.
    return json_response(jobs.get(hub.db, user, job_id, wait=wait))


@router.post("/jobs/{job_id}/cancel", response_model=JobPublic)
def cancel_job(job_id: int, hub: HubDep, user: CurrentUser) -> Response:
    return json_response(jobs.cancel(hub.db, user, job_id))
