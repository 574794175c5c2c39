"""The ``sample_sizes`` job: reads width and height of samples added by URL without them.

Sizes cannot be read while the samples are created (that would make a bulk create wait on a thousand
remote servers), so the create queues this job; it fetches each image and fills the two columns.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from predhub.services.samples import image_size
from predhub.store.jobs import JobContext, handler
from predhub.store.schema import samples

__all__ = ["MAX_IMAGE_BYTES", "read_sizes"]

MAX_IMAGE_BYTES = 64 * 1024 * 1024


def _fetch(client: httpx.Client, url: str) -> bytes:
    with client.stream("GET", url) as response:
        response.raise_for_status()
        data = bytearray()
        for part in response.iter_bytes():
            data += part
            if len(data) > MAX_IMAGE_BYTES:
                raise ValueError(f"image larger than {MAX_IMAGE_BYTES} bytes")
        return bytes(data)


@handler("sample_sizes")
def read_sizes(ctx: JobContext) -> dict[str, Any]:
    ids: list[int] = [int(i) for i in ctx.payload.get("sample_ids", [])]
    sized, failed = 0, []
    with httpx.Client(timeout=30.0, follow_redirects=True) as client:
        for n, sample_id in enumerate(ids):
            with ctx.db.read() as conn:
                row = conn.execute(
                    select(samples.c.url, samples.c.width).where(samples.c.id == sample_id)
                ).first()
            if row is None or row.url is None or row.width is not None:
                continue  # deleted meanwhile, or sized by someone else
            try:
                width, height = image_size(_fetch(client, row.url))
            except (httpx.HTTPError, ValueError) as exc:
                failed.append({"sample_id": sample_id, "error": str(exc)})
            else:
                with ctx.db.write() as conn:
                    conn.execute(
                        update(samples).where(samples.c.id == sample_id).values(width=width, height=height)
                    )
                sized += 1
            if n % 20 == 19:
                ctx.progress((n + 1) / len(ids), f"{n + 1} of {len(ids)} samples")
    return {"sized": sized, "failed": failed}
