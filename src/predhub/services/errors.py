"""The errors services raise; the server maps each to one HTTP status and the one JSON error shape.

::

    ServiceError
    ├── Unauthorized       401 unauthorized
    ├── NotFound           404 not_found (also for what exists in a workspace you are not in)
    ├── Conflict           409 conflict
    ├── PayloadTooLarge    413 payload_too_large
    └── Invalid            422 validation_error, with per-record details
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Conflict",
    "Detail",
    "Invalid",
    "NotFound",
    "PayloadTooLarge",
    "ServiceError",
    "Unauthorized",
]


@dataclass(frozen=True, slots=True)
class Detail:
    """One problem: the 0-based record in the request (or None), the dotted field inside it, what is wrong."""

    record: int | None
    field: str | None
    message: str
    chunk: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record, "field": self.field, "message": self.message}
        if self.chunk is not None:
            out["chunk"] = self.chunk
        return out


class ServiceError(Exception):
    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: list[Detail] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"


class Invalid(ServiceError):
    status = 422
    code = "validation_error"

    @classmethod
    def field(cls, field: str, message: str, record: int | None = None) -> Invalid:
        return cls(f"{field}: {message}", [Detail(record, field, message)])
