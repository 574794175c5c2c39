"""One JSON error shape for every error the server answers, pinned by a test::

{"error": {"code": "validation_error", "message": "...", "details": [{"record", "field", "message"}]}}
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from predhub.services.errors import Detail, ServiceError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger("predhub.server")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
}


def error_response(
    status: int, message: str, details: Sequence[Detail] = (), code: str | None = None
) -> Response:
    body = {
        "error": {
            "code": code or _CODES.get(status, "internal_error" if status >= 500 else "error"),
            "message": message,
            "details": [d.to_dict() for d in details],
        }
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _field(loc: Sequence[Any]) -> tuple[int | None, str | None]:
    """FastAPI's ``loc`` (``("body", 3, "objects", 0, "class")``) to (record, dotted field)."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    record = None
    if parts and isinstance(parts[0], int):
        record, parts = parts[0], parts[1:]
    text = ""
    for p in parts:
        text += f"[{p}]" if isinstance(p, int) else (f".{p}" if text else str(p))
    return record, text or None


async def _service_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status, exc.message, exc.details, exc.code)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, str(exc.detail))


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        record, field = _field(err.get("loc", ()))
        details.append(Detail(record, field, str(err.get("msg", "invalid"))))
    return error_response(422, f"{len(details)} invalid field(s) in the request", details)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, f"internal error ({exc.__class__.__name__}); see the server log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
