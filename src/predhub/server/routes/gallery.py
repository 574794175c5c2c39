"""The web gallery's pages, thumbnails, and the automatic log-in of the local admin."""

from __future__ import annotations

import ipaddress
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, RedirectResponse, Response

from predhub.gallery import STATIC_DIR
from predhub.server.deps import CurrentUser, HubDep
from predhub.server.responses import json_response
from predhub.server.settings import config_path
from predhub.services import auth, thumbnails
from predhub.services.errors import NotFound, Unauthorized

api_router = APIRouter(tags=["gallery"])
page_router = APIRouter(include_in_schema=False)


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@api_router.get("/session/local")
def local_session(request: Request, hub: HubDep) -> Response:
    """The local admin's token, for a browser on the hub's own machine (as ``predhub serve`` wrote it to
    the config file); refused to any other client, or when ``local_login`` is off."""
    if not hub.settings.local_login or not _is_loopback(request):
        raise NotFound("no local session here: log in with a token")
    try:
        token = json.loads(config_path().read_text())["token"]
        auth.authenticate(hub.db, token)
    except (OSError, ValueError, KeyError, Unauthorized):
        raise NotFound("no local session here: log in with a token") from None
    return json_response({"token": token})


@api_router.get("/samples/{sample_id}/thumbnail", response_class=Response)
def thumbnail(
    sample_id: int,
    hub: HubDep,
    user: CurrentUser,
    size: Annotated[int, Query(description="128, 256 or 512")] = 256,
) -> Response:
    source = thumbnails.thumbnail(hub.db, user, sample_id, hub.store, hub.settings.thumbnail_dir, size)
    if source.url is not None:
        return RedirectResponse(source.url)
    assert source.file is not None
    return FileResponse(
        source.file, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"}
    )


@page_router.get("/")
def index() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})
