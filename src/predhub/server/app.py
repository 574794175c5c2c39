"""The FastAPI application: ``create_app(settings)`` wires settings, storage, routes and error handling."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from predhub.gallery import STATIC_DIR
from predhub.server.deps import Hub
from predhub.server.errors import install_error_handlers
from predhub.server.limits import BodyLimit
from predhub.server.routes import (
    datasets,
    deployments,
    evaluations,
    gallery,
    imports,
    jobs,
    label_sets,
    labels,
    me,
    review,
    samples,
    uploads,
)
from predhub.server.settings import Settings
from predhub.services import export_parts
from predhub.services.deployments import Supervisor
from predhub.services.samples import SampleStore
from predhub.store.blobs import LocalBlobStore
from predhub.store.db import Database
from predhub.store.jobs import Worker
from predhub.store.migrate import migrate

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    hub = Hub(
        settings=settings,
        db=db,
        store=SampleStore(LocalBlobStore(settings.blob_dir), settings.media_root),
    )

    supervisor = Supervisor(db, settings.data_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        migrate(db)
        supervisor.start()  # deployments that should run start again, under their ids
        if (settings.export_processes or export_parts.default_processes()) > 1:
            # Large exports fork their workers from it: started now, not in the first such request.
            threading.Thread(
                target=export_parts.start_fork_server, name="predhub-fork-server", daemon=True
            ).start()
        worker = None
        if settings.job_threads > 0:
            # Job kinds register themselves when their service modules are imported.
            import predhub.services.jobs  # noqa: F401

            resources = {"hub": hub, "supervisor": supervisor}
            worker = Worker(db, resources=resources, threads=settings.job_threads)
            worker.start()
        try:
            yield
        finally:
            supervisor.close()
            if worker is not None:
                worker.stop()
            db.dispose()

    app = FastAPI(
        title="predhub",
        version="0.1.0",
        summary="A self-hosted hub for model predictions on image datasets",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.supervisor = supervisor
    api = APIRouter(prefix=API_PREFIX)
    for module in (
        me,
        datasets,
        samples,
        label_sets,
        labels,
        uploads,
        jobs,
        review,
        imports,
        evaluations,
        deployments,
    ):
        api.include_router(module.router)
    api.include_router(gallery.api_router)
    app.include_router(api)
    app.include_router(gallery.page_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    # File imports stream to disk under their own, larger limit (max_import_bytes).
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, exempt_suffix="/imports")
    return app
