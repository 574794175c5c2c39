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
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from predhub.services.errors import Detail, ServiceError

__all__ = ["CatchAll", "error_response", "install_error_handlers"]

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


def _integrity(exc: BaseException) -> bool:
    # SQLAlchemy wraps driver errors; bulk inserts on the raw connection raise the driver's own.
    return isinstance(exc, IntegrityError) or type(exc).__name__ in (
        "IntegrityError",
        "UniqueViolation",
        "ForeignKeyViolation",
    )


class CatchAll:
    """Turns any exception that escaped the handlers into a response in the one shape.

    Starlette's own last-resort handler answers 500 but then re-raises, and uvicorn drops the
    connection, so a keep-alive client's next request fails with a reset. This answers and returns.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:
                raise  # too late for a clean answer
            path = scope.get("path", "")
            if _integrity(exc):
                log.warning("integrity error on %s %s: %s", scope.get("method"), path, exc)
                response = error_response(
                    409, "the request conflicts with the stored data (a concurrent change?); retry it"
                )
            else:
                log.exception("internal error on %s %s", scope.get("method"), path, exc_info=exc)
                response = error_response(
                    500, f"internal error ({exc.__class__.__name__}); see the server log"
                )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Unforeseen exceptions, including constraint violations (e.g. a sample deleted while labels for
    # it were being stored: a conflict, not a server fault), are answered by CatchAll.
    app.add_middleware(CatchAll)
