"""A short-lived render cache for the public page and open data (``app.state.page_cache``).

At 100,000 initiatives a render of /public or an open-data file scans the ledger and takes
seconds; the numbers only need to be a minute fresh. So each variant (``/public`` per language,
each ``/open-data`` file) is rendered at most once per TTL and served from memory in between:

- fresh (younger than the TTL): served as is;
- stale (up to ``STALE_FACTOR`` × TTL): served at once while ONE background refresh runs;
  a failed refresh is logged and the stale copy kept;
- older or absent: rendered before answering (concurrent requests wait for the same render).

Every answer carries a strong ``ETag`` (a hash of the body) and ``Cache-Control: public,
max-age=<ttl>``; ``If-None-Match`` with that tag answers 304 without a body. A TTL of 0 (the
development default, so the simulator shows changes at once) renders every request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
from fastapi import Request
from fastapi.responses import Response

log = logging.getLogger(__name__)

STALE_FACTOR = 10


@dataclass(frozen=True)
class Page:
    body: bytes
    media_type: str
    rendered_at: float
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


Render = Callable[[], tuple[bytes, str]]  # body, media type; runs in a worker thread


class PageCache:
    """Rendered pages by key; ``now`` is seconds (the runtime's clock, so tests can move it)."""

    def __init__(self, ttl: float, now: Callable[[], float]):
        self.ttl = max(0.0, ttl)
        self.now = now
        self._pages: dict[str, Page] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    async def get(self, key: str, render: Render) -> Page:
        if self.ttl <= 0:
            return await self._render(render)
        page = self._pages.get(key)
        if page is not None:
            age = self.now() - page.rendered_at
            if age < self.ttl:
                return page
            if age < self.ttl * STALE_FACTOR:
                self._refresh_soon(key, render)
                return page
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            page = self._pages.get(key)
            if page is not None and self.now() - page.rendered_at < self.ttl:
                return page  # rendered by the request we waited for
            page = await self._render(render)
            self._pages[key] = page
            return page

    async def refreshes_done(self) -> None:
        """Wait for the background refreshes running now (tests, shutdown)."""
        tasks = list(self._refreshing.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def clear(self) -> None:
        self._pages.clear()

    async def _render(self, render: Render) -> Page:
        started = self.now()
        body, media_type = await anyio.to_thread.run_sync(render)
        return Page(body, media_type, started)

    def _refresh_soon(self, key: str, render: Render) -> None:
        if key in self._refreshing:
            return

        async def refresh() -> None:
            try:
                page = await self._render(render)
            except Exception:
                log.exception("refreshing the cached %s failed; serving the stale copy", key)
            else:
                self._pages[key] = page
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.get_running_loop().create_task(refresh())


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


async def cached_response(
    request: Request, key: str, render: Render, headers: dict[str, str] | None = None
) -> Response:
    """The cached page for ``key`` as a response, or 304 when the client has this version."""
    cache: PageCache = request.app.state.page_cache
    page = await cache.get(key, render)
    out = {
        **(headers or {}),
        "ETag": page.etag,
        "Cache-Control": f"public, max-age={int(cache.ttl)}",
    }
    if _matches(request.headers.get("if-none-match"), page.etag):
        return Response(status_code=304, headers=out)
    return Response(page.body, media_type=page.media_type, headers=out)
