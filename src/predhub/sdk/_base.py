"""Everything the sync and async clients share: requests as data, responses to values, errors, retries.

An API call is a :class:`Call`: method, path, body, and the function that turns a successful response
into a typed value (see ``_calls.py``). A client only sends calls; it never builds or parses one, so
:class:`predhub.Client` and :class:`predhub.AsyncClient` differ only in how they wait for I/O.

Retries never write twice: a call is resent after a 5xx or a broken connection only when resending is
harmless - reads, PUTs (a chunk index or a sample key makes them idempotent), DELETEs, and POSTs that
carry an ``Idempotency-Key`` (the hub answers a repeat with the first response). A connection that was
never opened is always safe to retry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Generic, TypeVar

import httpx
import orjson

from predhub.sdk._config import Config, load_config
from predhub.sdk._exceptions import APIError, ConnectError, TransportError, error_for_status

__all__ = [
    "DEFAULT_TIMEOUT",
    "LONG_POLL_WAIT",
    "BaseClient",
    "Call",
    "LongPoll",
    "Progress",
    "RetryPolicy",
    "poll_intervals",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)

# Statuses after which the same request may succeed: the hub restarting, a proxy, a lock timeout.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Transport failures that prove the request never reached the hub, so even a plain POST may be resent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_REPLAYABLE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
}

try:
    _USER_AGENT = f"predhub-sdk/{version('predhub')}"
except PackageNotFoundError:  # running from a source tree that was never installed
    _USER_AGENT = "predhub-sdk"


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One API request and how to read its successful answer."""

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Mapping[str, Any] | None = None
    content: Any = None  # bytes, or an (async) iterable of chunks for file uploads
    content_type: str | None = None
    idempotency_key: str | None = None
    # Set for POSTs that are idempotent by nature (completing an upload job, cancelling a job).
    idempotent: bool = False
    # The least read timeout the call needs: a long poll is answered only after its wait.
    read_timeout: float | None = None

    @property
    def replayable(self) -> bool:
        """Whether resending after a possibly-received request cannot write twice."""
        return self.idempotent or self.idempotency_key is not None or self.method in _REPLAYABLE_METHODS


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter")."""

    max_retries: int = 5
    backoff: float = 0.25
    max_backoff: float = 8.0
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        return self._random.uniform(0.0, min(self.max_backoff, self.backoff * 2**attempt))


def poll_intervals(longest: float) -> Iterator[float]:
    """Waits between polls of a job or evaluation: 0.05 s at first, doubling up to ``longest``.

    A job that takes a few seconds is then seen done within a tenth of its time, not up to a whole
    ``longest`` later, while a long one is polled no more often than every ``longest`` seconds.
    """
    delay = min(0.05, longest)
    while True:
        yield delay
        delay = min(delay * 2, longest)


# Seconds one long poll of a job (``GET /jobs/{id}?wait=``) asks the hub to wait; the hub allows 30.
# Shorter keeps each request well inside proxies' idle timeouts and lets a lost connection show soon.
LONG_POLL_WAIT = 10.0


class LongPoll:
    """The waits of one ``wait_job``: how long each request asks the hub to wait, whether the
    ``timeout`` has passed, and how long to sleep when the hub answered early without a finished job
    (a hub that ignores ``wait``, or one whose long polls are all taken): then the client falls back
    to polling, every 0.05 s at first and backing off to every ``poll_interval`` seconds."""

    def __init__(self, timeout: float | None, poll_interval: float) -> None:
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self._delays = poll_intervals(poll_interval)
        self._sent_at = 0.0
        self._wait: float | None = None

    def left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    @property
    def expired(self) -> bool:
        left = self.left()
        return left is not None and left <= 0

    def wait(self) -> float | None:
        """The ``wait`` of the next request (None: none left, ask for the job as it is); call it
        just before sending."""
        left = self.left()
        self._sent_at = time.monotonic()
        self._wait = LONG_POLL_WAIT if left is None else (min(left, LONG_POLL_WAIT) if left > 0 else None)
        return self._wait

    def pause(self) -> float:
        """Seconds to sleep before the next request of an unfinished job: none after a long poll that
        waited, the next fallback poll interval (never past the deadline) after an early answer."""
        if self._wait is not None and time.monotonic() - self._sent_at >= self._wait / 2:
            return 0.0
        left = self.left()
        delay = next(self._delays)
        return delay if left is None else max(0.0, min(delay, left))


class Progress(Generic[T]):
    """Counts finished parts of a bulk call and reports ``(done, total)``; ``each`` sees every result.

    Both clients call it from one thread (the caller's, or the event loop's), so it needs no lock.
    """

    def __init__(
        self,
        total: int,
        progress: Callable[[int, int], None] | None,
        *,
        already: int = 0,
        each: Callable[[T], None] | None = None,
    ) -> None:
        self.total = total
        self.done = already
        self._progress = progress
        self._each = each

    def __call__(self, index: int, result: T) -> None:
        self.done += 1
        if self._each is not None:
            self._each(result)
        if self._progress is not None:
            self._progress(self.done, self.total)


class BaseClient:
    """Configuration, request building, response parsing and retry decisions; no I/O."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        retries: RetryPolicy | None = None,
    ) -> None:
        self._config: Config = load_config(url, token)
        self._retries = retries if retries is not None else RetryPolicy()
        self._api = f"{self._config.url}/api/v1"
        self._headers = {
            "Authorization": f"Bearer {self._config.token}",
            "User-Agent": _USER_AGENT,
            "Accept": "application/json",
        }

    @property
    def url(self) -> str:
        return self._config.url

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self._config.url!r})"

    def _build(self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        headers = dict(self._headers)
        if call.content_type is not None:
            headers["Content-Type"] = call.content_type
        if call.idempotency_key is not None:
            headers["Idempotency-Key"] = call.idempotency_key
        return http.build_request(
            call.method,
            self._api + call.path,
            params=call.params,
            content=call.content,
            headers=headers,
            timeout=self._timeout(http.timeout, call.read_timeout),
        )

    @staticmethod
    def _timeout(default: httpx.Timeout, read: float | None) -> httpx.Timeout:
        """The client's timeouts, with the read timeout raised to what the call needs."""
        if read is None or default.read is None or default.read >= read:
            return default
        return httpx.Timeout(connect=default.connect, read=read, write=default.write, pool=default.pool)

    def _result(self, call: Call[T], response: httpx.Response) -> T:
        if response.is_error:
            raise self._error(response)
        return call.parse(response)

    @staticmethod
    def _error(response: httpx.Response) -> APIError:
        """Map the one JSON error shape (docs/api.md) to the error tree; tolerate any other body."""
        status = response.status_code
        default_code = _STATUS_CODES.get(status, "internal_error" if status >= 500 else "error")
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            err = body["error"]
            details = err.get("details")
            return error_for_status(
                status,
                str(err.get("code") or default_code),
                str(err.get("message") or response.reason_phrase),
                details if isinstance(details, list) else None,
            )
        if isinstance(body, dict) and isinstance(body.get("detail"), list):
            # FastAPI's own validation shape, should a route ever answer with it.
            details = [
                {"record": None, "field": ".".join(map(str, d.get("loc", ()))), "message": d.get("msg", "")}
                for d in body["detail"]
                if isinstance(d, dict)
            ]
            return error_for_status(status, default_code, response.reason_phrase, details)
        message = response.text[:500] if response.content else response.reason_phrase
        return error_for_status(status, default_code, message or str(status), None)

    def _delay_after_response(self, call: Call[Any], response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before resending, or None to take this response as the answer."""
        if response.status_code not in _RETRY_STATUSES or not call.replayable:
            return None
        if attempt >= self._retries.max_retries:
            return None
        retry_after = response.headers.get("Retry-After")
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return self._retries.delay(attempt, seconds)

    def _delay_after_error(self, call: Call[Any], exc: httpx.TransportError, attempt: int) -> float:
        """Seconds to wait before resending after a transport failure; raises when giving up."""
        never_sent = isinstance(exc, _NOT_SENT)
        if attempt < self._retries.max_retries and (never_sent or call.replayable):
            return self._retries.delay(attempt)
        what = f"{call.method} {call.path}"
        if never_sent:
            raise ConnectError(f"cannot connect to the hub at {self._config.url} ({what}): {exc}") from exc
        raise TransportError(f"{what} failed after {attempt + 1} attempt(s): {exc!r}") from exc
