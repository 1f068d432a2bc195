"""POST /line/webhook: verify, answer 200 at once, handle events in background tasks.

LINE waits at most 2 seconds for the answer, so the route only checks the signature
(``WebhookParser`` over the raw body), translates the events and starts one task per
conversation (events of one person keep their order). Each task goes through
``runtime.dispatcher.handle``, which de-duplicates on ``webhookEventId`` in the database —
redeliveries and network duplicates change nothing. 404 when LINE is not configured.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import urllib.request
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)
from linebot.v3.webhooks import Event

from bot.channels.line.inbound import to_event
from bot.channels.line.messenger import LineMessenger, without_env_lookups
from bot.core.events import Followed, Inbound

log = logging.getLogger("kyodo.line")

router = APIRouter()

PROFILE_TIMEOUT = 3.0
STOP_TIMEOUT = 10.0


class LineChannel:
    """The LINE clients and in-flight event tasks of one running process."""

    def __init__(self, runtime: Any):
        settings = runtime.settings
        self.runtime = runtime
        self.parser = WebhookParser(settings.line_channel_secret)
        config = Configuration(
            host=settings.line_api_base_url.rstrip("/"),
            access_token=settings.line_channel_access_token,
        )
        config.proxy = urllib.request.getproxies().get("https")  # the session ignores env
        self.client = without_env_lookups(AsyncApiClient(config))
        self.api = AsyncMessagingApi(self.client)
        self.blob = AsyncMessagingApiBlob(self.client)
        self.messenger = LineMessenger(
            self.api,
            engine=runtime.engine,
            clock=runtime.clock,
            catalog=runtime.catalog,
            default_language=settings.default_language,
            timezone=settings.timezone,
            wake_outbox=runtime.outbox.wake,
        )
        self.tasks: set[asyncio.Task] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task:
        task = asyncio.create_task(work)
        self.tasks.add(task)  # a strong reference, or the task may be garbage-collected
        task.add_done_callback(self.tasks.discard)
        return task

    async def drain(self) -> None:
        """Wait for every event task started so far (shutdown and tests)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    async def handle_in_order(self, events: list[Inbound]) -> None:
        for event in events:
            try:
                if isinstance(event, Followed) and event.display_name is None:
                    event = await self.with_profile(event)
                await self.runtime.dispatcher.handle(event)
            except Exception:
                log.exception("LINE event failed", extra={"type": type(event).__name__})

    async def with_profile(self, event: Followed) -> Followed:
        """Add the LINE display name at sign-up; optional (no name → a default one)."""
        if event.address.conversation_id:
            return event
        try:
            profile = await self.api.get_profile(
                event.address.user_id, _request_timeout=PROFILE_TIMEOUT
            )
        except Exception as exc:
            log.info("LINE profile unavailable: %s", type(exc).__name__)
            return event
        name = getattr(profile, "display_name", None)
        return dataclasses.replace(event, display_name=name) if name else event

    async def close(self) -> None:
        if self.tasks:
            _done, pending = await asyncio.wait(list(self.tasks), timeout=STOP_TIMEOUT)
            for task in pending:
                task.cancel()
        await self.client.close()


def parse(parser: WebhookParser, body: str, signature: str) -> list[tuple[Any, dict]]:
    """Verify the signature and pair every SDK event with its raw JSON.

    Raises InvalidSignatureError. If the signature is right but the SDK cannot model an
    event (a field newer than the SDK), that event is still passed on as raw JSON.
    """
    try:
        events = parser.parse(body, signature)
    except InvalidSignatureError:
        raise
    except Exception:  # the signature was checked first, so the body is LINE's
        events = None
    data = json.loads(body)
    raws = data.get("events") if isinstance(data, dict) else None
    if not isinstance(raws, list):
        raise ValueError("no events list")
    if events is None or len(events) != len(raws):
        events = []
        for raw in raws:
            try:
                events.append(Event.from_dict(raw))
            except Exception:
                events.append(None)
    return [(e, r) for e, r in zip(events, raws, strict=True) if isinstance(r, dict)]


@router.post("/line/webhook")
async def line_webhook(request: Request) -> Response:
    runtime = request.app.state.runtime
    channel: LineChannel | None = runtime.extras.get("line")
    if channel is None:
        raise HTTPException(404, "LINE channel is not configured")
    signature = request.headers.get("x-line-signature")
    raw_body = await request.body()
    if not signature:
        raise HTTPException(400, "missing signature")
    try:
        body = raw_body.decode("utf-8")
        pairs = parse(channel.parser, body, signature)
    except InvalidSignatureError:
        log.warning("LINE webhook with a bad signature rejected")
        raise HTTPException(400, "invalid signature") from None
    except ValueError:
        raise HTTPException(400, "malformed body") from None
    by_conversation: dict[tuple, list[Inbound]] = {}
    for event, raw in pairs:
        try:
            inbound = to_event(event, raw)
        except Exception:
            log.exception("could not translate a LINE event")
            continue
        if inbound is not None:
            by_conversation.setdefault(inbound.address.key, []).append(inbound)
    for events in by_conversation.values():
        channel.spawn(channel.handle_in_order(events))
    return Response(status_code=200)


async def start(runtime) -> None:
    """Create the LINE clients inside the running loop (aiohttp needs one) and register."""
    if not runtime.settings.line_enabled:
        return
    channel = LineChannel(runtime)
    runtime.extras["line"] = channel
    runtime.add_messenger(channel.messenger)


async def stop(runtime) -> None:
    channel: LineChannel | None = runtime.extras.pop("line", None)
    if channel is not None:
        await channel.close()
