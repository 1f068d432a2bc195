"""A fast, async local LINE Messaging API emulator for the delivery benchmarks (loopback only).

LINE's development guidelines forbid load tests against the platform, so fan-out and
timeliness are measured here. It behaves like LINE where delivery speed depends on it:

- token buckets per endpoint: push (and reply) 2,000 req/s, multicast 200 req/s → 429
  ``{"message": "The API rate limit has been exceeded. Try again later."}``;
- a reused ``X-Line-Retry-Key`` → 409 with ``x-line-accepted-request-id``;
- every answer comes after ``latency`` seconds (default 50 ms), concurrently;
- every accepted recipient is recorded with the wall-clock time the request arrived.

It runs its own event loop in a daemon thread so a benchmark can start it in-process.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

RATE_LIMITED = {"message": "The API rate limit has been exceeded. Try again later."}


@dataclass
class Bucket:
    """Token bucket: ``rate`` tokens a second, at most ``burst`` saved up."""

    rate: float
    burst: float
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class LineEmulator:
    def __init__(
        self,
        *,
        latency: float = 0.05,
        push_rate: float = 2000,
        multicast_rate: float = 200,
        burst_seconds: float = 0.1,
    ):
        self.latency = latency
        self.buckets = {
            "push": Bucket(push_rate, max(1.0, push_rate * burst_seconds)),
            "reply": Bucket(push_rate, max(1.0, push_rate * burst_seconds)),
            "multicast": Bucket(multicast_rate, max(1.0, multicast_rate * burst_seconds)),
        }
        self.accepted: dict[str, float] = {}  # recipient → first accepted (time.time())
        self.deliveries: Counter[str] = Counter()  # recipient → accepted messages calls
        self.calls: Counter[str] = Counter()  # "push 200", "multicast 429", ...
        self.keys: set[str] = set()
        self.first_429: float | None = None
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ queries
    def reset(self) -> None:
        self.accepted.clear()
        self.deliveries.clear()
        self.calls.clear()
        self.first_429 = None

    def count(self, op: str, status: int) -> int:
        return self.calls[f"{op} {status}"]

    # ------------------------------------------------------------------ handlers
    async def _message(self, request: web.Request) -> web.Response:
        op = request.match_info["op"]
        arrived = time.time()
        try:
            body = json.loads(await request.read())
        except ValueError:
            return self._json(400, {"message": "bad json"}, op)
        bucket = self.buckets.get(op)
        if bucket is not None and not bucket.take():
            if self.first_429 is None:
                self.first_429 = arrived
            await asyncio.sleep(self.latency)
            return self._json(429, RATE_LIMITED, op)
        key = request.headers.get("X-Line-Retry-Key")
        if key:
            if key in self.keys:
                await asyncio.sleep(self.latency)
                return self._json(
                    409,
                    {"message": "The retry key is already accepted"},
                    op,
                    {"x-line-accepted-request-id": str(uuid.uuid4())},
                )
            self.keys.add(key)
        if op == "push":
            recipients = [body.get("to", "")]
        elif op == "multicast":
            recipients = list(body.get("to", []))
        else:
            recipients = [body.get("replyToken", "")]
        for r in recipients:
            self.accepted.setdefault(r, arrived)
            self.deliveries[r] += 1
        await asyncio.sleep(self.latency)
        sent = [{"id": uuid.uuid4().hex[:18], "quoteToken": "q"} for _ in body.get("messages", [])]
        return self._json(200, {"sentMessages": sent} if op != "multicast" else {}, op)

    async def _other(self, request: web.Request) -> web.Response:
        path = request.path
        if path.startswith("/v2/bot/profile/"):
            return self._json(
                200, {"displayName": "bench", "userId": path.rsplit("/", 1)[1]}, "profile"
            )
        if path == "/v2/bot/message/quota/consumption":
            return self._json(200, {"totalUsage": 0}, "quota")
        if path == "/v2/bot/message/quota":
            return self._json(200, {"type": "none"}, "quota")
        return self._json(200, {}, "other")

    def _json(self, status: int, body: dict, op: str, headers: dict | None = None) -> web.Response:
        self.calls[f"{op} {status}"] += 1
        return web.json_response(
            body,
            status=status,
            headers={"x-line-request-id": uuid.uuid4().hex, **(headers or {})},
        )

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LineEmulator:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            app = web.Application(client_max_size=8 * 1024 * 1024)
            app.router.add_post("/v2/bot/message/{op}", self._message)
            app.router.add_route("*", "/{tail:.*}", self._other)
            self._runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="line-emulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
