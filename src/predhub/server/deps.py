"""Dependencies the route handlers declare with ``Annotated`` aliases (HubDep, CurrentUser, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import Depends, Header, Query, Request

from predhub.core.box_columns import BOX_COLUMNS_MEDIA_TYPE, BoxColumns, decode_box_columns
from predhub.core.errors import FieldError
from predhub.server.settings import Settings
from predhub.services import auth
from predhub.services.auth import User
from predhub.services.errors import Detail, Invalid, ServiceError
from predhub.services.ingest import Unparseable, decode_records
from predhub.services.pagination import DEFAULT_LIMIT, MAX_LIMIT
from predhub.services.samples import SampleStore
from predhub.store.db import Database

__all__ = [
    "CurrentUser",
    "Cursor",
    "Hub",
    "HubDep",
    "IdempotencyKey",
    "LabelBody",
    "LabelRecords",
    "Limit",
    "RawBody",
    "Records",
]


@dataclass
class Hub:
    """Everything a request handler may use, built once per app."""

    settings: Settings
    db: Database
    store: SampleStore


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(_hub)]


def _current_user(hub: HubDep, authorization: Annotated[str | None, Header()] = None) -> User:
    token = None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer":
            token = value.strip()
    return auth.authenticate(hub.db, token)


CurrentUser = Annotated[User, Depends(_current_user)]
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", description="repeat a creating request safely: same key, same answer"),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
DEFAULT_PAGE = DEFAULT_LIMIT

NDJSON = "application/x-ndjson"
_NDJSON_ALIASES = ("application/jsonl", "application/ndjson", "application/json-lines")


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower()


class UnsupportedMediaType(ServiceError):
    status = 415
    code = "unsupported_media_type"


async def _records(request: Request) -> list[Any]:
    """A bulk body: a JSON array, or NDJSON (one record per line; a bad line is that record's error)."""
    body = await request.body()
    ctype = _content_type(request)
    if ctype in (NDJSON, *_NDJSON_ALIASES):
        out: list[Any] = []
        for line in body.split(b"\n"):
            if not line.strip():
                continue
            try:
                out.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                out.append(Unparseable(f"not valid JSON: {exc}"))
        return out
    if ctype != "application/json":
        raise UnsupportedMediaType(f"send application/json or {NDJSON}, not {ctype}")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid("the body is not valid JSON", [Detail(None, None, str(exc))]) from None
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        raise Invalid("the body must be a JSON array of records", [Detail(None, None, "not an array")])
    return data


Records = Annotated[list[Any], Depends(_records)]


@dataclass(frozen=True, slots=True)
class LabelBody:
    """A bulk body of labels, still undecoded: the handler decodes it in its worker thread (not on the
    event loop, which meanwhile receives the next request's body). Records as a JSON array or NDJSON,
    or plain-box labels as columns (:mod:`predhub.core.box_columns`)."""

    data: bytes
    media_type: str

    def records(self) -> list[Any] | BoxColumns:
        try:
            if self.media_type == BOX_COLUMNS_MEDIA_TYPE:
                return decode_box_columns(self.data)
            return decode_records(self.data, ndjson=self.media_type != "application/json")
        except FieldError as exc:
            raise Invalid(
                f"the columns are malformed: {exc}", [Detail(None, exc.field or None, exc.message)]
            ) from None
        except ValueError as exc:
            raise Invalid(str(exc), [Detail(None, None, str(exc))]) from None


_LABEL_MEDIA_TYPES = (NDJSON, *_NDJSON_ALIASES, "application/json", BOX_COLUMNS_MEDIA_TYPE)


async def _label_body(request: Request) -> LabelBody:
    ctype = _content_type(request)
    if ctype not in _LABEL_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"send application/json, {NDJSON} or {BOX_COLUMNS_MEDIA_TYPE}, not {ctype}"
        )
    return LabelBody(await request.body(), ctype)


LabelRecords = Annotated[LabelBody, Depends(_label_body)]


async def _raw(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw)]
