"""Every error the SDK raises, in one tree with a single root::

    PredhubError
    ├── ConfigError             no hub URL or token was given and none is configured
    ├── TransportError          the hub could not be reached, or the connection broke (after retries)
    │   └── ConnectError        no connection could be opened at all
    ├── UploadInterrupted       an upload job stopped part way; ``job_id`` says what to resume
    └── APIError                the hub answered with an error: ``status``, ``code``, ``message``, ``details``
        ├── BadRequest          400
        ├── Unauthorized        401  missing or invalid token
        ├── NotFound            404  unknown, or in a workspace the token cannot see
        ├── Conflict            409  a name already taken
        ├── PayloadTooLarge     413
        ├── ValidationError     422  ``errors``: one RecordError per bad record and field
        └── ServerError         5xx

``except predhub.PredhubError`` catches everything the SDK raises on purpose; the codes are the
``error.code`` values of docs/api.md.
"""

from __future__ import annotations

from typing import Any

from predhub.sdk._models import RecordError

__all__ = [
    "APIError",
    "BadRequest",
    "ConfigError",
    "Conflict",
    "ConnectError",
    "NotFound",
    "PayloadTooLarge",
    "PredhubError",
    "ServerError",
    "TransportError",
    "Unauthorized",
    "UploadInterrupted",
    "ValidationError",
    "error_for_status",
]


class PredhubError(Exception):
    """The root of every error the SDK raises."""


class ConfigError(PredhubError):
    """No URL or token: pass them, set $PREDHUB_CONFIG, or run ``predhub serve`` once on this machine."""


class TransportError(PredhubError):
    """The request did not get an answer: the connection failed, broke or timed out (after retries)."""


class ConnectError(TransportError):
    """No connection to the hub could be opened."""


class UploadInterrupted(PredhubError):
    """An upload job stopped part way; every acknowledged chunk is stored, resume with ``job_id``."""

    def __init__(self, job_id: int, message: str) -> None:
        super().__init__(
            f"upload job {job_id} interrupted: {message} (resume with resume_upload({job_id}, ...))"
        )
        self.job_id = job_id


class APIError(PredhubError):
    """The hub answered with an error in the one JSON error shape of docs/api.md."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: list[dict[str, Any]] = details or []


class BadRequest(APIError):
    pass


class Unauthorized(APIError):
    pass


class NotFound(APIError):
    pass


class Conflict(APIError):
    pass


class PayloadTooLarge(APIError):
    pass


class ValidationError(APIError):
    """Records were rejected; ``errors`` names each one's record index and field."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(status, code, message, details)
        self.errors: tuple[RecordError, ...] = tuple(RecordError.from_json(d) for d in self.details)

    def __str__(self) -> str:
        head = super().__str__()
        shown = "\n".join(f"  {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        return f"{head}\n{shown}{more}" if shown else head


class ServerError(APIError):
    pass


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationError,
}


def error_for_status(status: int, code: str, message: str, details: list[dict[str, Any]] | None) -> APIError:
    """The most specific error class for an HTTP status."""
    cls = ServerError if status >= 500 else _BY_STATUS.get(status, APIError)
    return cls(status, code, message, details)
