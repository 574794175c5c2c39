"""The ``sample_sizes`` job: reads width and height of samples added by URL without them.

Sizes cannot be read while the samples are created (that would make a bulk create wait on a thousand
remote servers), so the create queues this job; it fetches each image and fills the two columns. The
URLs are the uploader's, fetched by the hub: the same rules as mask fetches apply (public addresses of
the allowed hosts only, no second DNS answer, redirects checked, bounded size), with every public host
allowed by default (settings ``image_hosts`` and ``allow_private_image_hosts``).
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select, update

from predhub.formats.fetch import FetchPolicy, fetch_url
from predhub.services.samples import image_size
from predhub.store.jobs import JobContext, handler
from predhub.store.schema import samples

__all__ = ["MAX_IMAGE_BYTES", "image_policy", "read_sizes"]

MAX_IMAGE_BYTES = 64 * 1024 * 1024


def image_policy(settings: Any | None) -> FetchPolicy:
    """What the hub may fetch sample images from: the hub's settings, or any public host."""
    if settings is None:
        return FetchPolicy(allowed_hosts=frozenset({"*"}), max_bytes=MAX_IMAGE_BYTES, timeout=30.0)
    return FetchPolicy(
        allowed_hosts=frozenset(settings.image_hosts),
        allow_private=settings.allow_private_image_hosts,
        max_bytes=MAX_IMAGE_BYTES,
        timeout=30.0,
    )


@handler("sample_sizes")
def read_sizes(ctx: JobContext) -> dict[str, Any]:
    ids: list[int] = [int(i) for i in ctx.payload.get("sample_ids", [])]
    sized, failed = 0, []
    hub = ctx.resources.get("hub")
    policy = image_policy(None if hub is None else hub.settings)
    with httpx.Client(timeout=policy.timeout, follow_redirects=False) as client:
        for n, sample_id in enumerate(ids):
            with ctx.db.read() as conn:
                row = conn.execute(
                    select(samples.c.url, samples.c.width).where(samples.c.id == sample_id)
                ).first()
            if row is None or row.url is None or row.width is not None:
                continue  # deleted meanwhile, or sized by someone else
            try:
                width, height = image_size(fetch_url(row.url, policy, client=client))
            except ValueError as exc:  # FetchError included
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
