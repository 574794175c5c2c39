"""Refuses request bodies over the size limit with 413, before reading them when Content-Length says so,
and while streaming them otherwise (a chunked body cannot lie its way past the limit)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from predhub.server.errors import error_response
from predhub.services.errors import PayloadTooLarge

__all__ = ["BodyLimit"]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, exempt_suffix: str | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Routes that stream their body to disk and enforce their own limit (file imports).
        self.exempt_suffix = exempt_suffix

    def _message(self) -> str:
        return f"request body exceeds the server's limit of {self.max_bytes} bytes; send smaller chunks"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (
            self.exempt_suffix is not None and scope.get("path", "").endswith(self.exempt_suffix)
        ):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = 0
                if length > self.max_bytes:
                    # Drain the body before answering: a client still sending would otherwise see a
                    # reset connection instead of the 413.
                    message = await receive()
                    while message["type"] == "http.request" and message.get("more_body", False):
                        message = await receive()
                    await error_response(413, self._message())(scope, receive, send)
                    return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise PayloadTooLarge(self._message())
            return message

        await self.app(scope, limited, send)
