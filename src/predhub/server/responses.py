"""JSON responses encoded with orjson (several times faster than the standard library on big pages)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from predhub.services.pagination import Page

__all__ = ["json_response", "page_response"]


def json_response(data: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status_code, media_type="application/json")


def page_response(page: Page[Any]) -> Response:
    items = [i.to_dict() if hasattr(i, "to_dict") else i for i in page.items]
    return json_response({"items": items, "next_cursor": page.next_cursor})
