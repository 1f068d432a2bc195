"""POST /line/webhook: verify, store durably, answer 200; events are handled from the inbox.

LINE waits at most 2 seconds for the answer, so the route only checks the signature
(``SignatureValidator`` over the raw body, as ``WebhookParser`` does), keeps the events Kyodo
acts on and writes them to the inbox (one group commit for a burst of requests). The 200
leaves once they are committed. Inbox processors — in this process unless
``KYODO_PROCESS_EVENTS=false``, and in every ``kyodo worker`` — decode each event with
:meth:`LineChannel.decode` and run it through the dispatcher, in order per conversation.
Redeliveries change nothing: the inbox keeps one row per ``webhookEventId`` and the dispatcher
de-duplicates again in the turn's transaction. 404 when LINE is not configured.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import urllib.request
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
)
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import Event

from bot.channels.line.inbound import CHANNEL, address_of, to_event
from bot.channels.line.messenger import LineMessenger, without_env_lookups
from bot.core.events import Followed, Inbound
from bot.http_json import BadBody, parse_json, refuse, text_of
from bot.runtime import Runtime
from storage import inbox

log = logging.getLogger("kyodo.line")

router = APIRouter()

PROFILE_TIMEOUT = 3.0


class LineChannel:
    """The LINE clients of one running process, and the decoder of its inbox rows."""

    def __init__(self, runtime: Runtime):
        settings = runtime.settings
        self.runtime = runtime
        self.replays_refused = 0  # events refused as too old to be told from a replay
        self.validator = SignatureValidator(settings.line_channel_secret)
        config = Configuration(
            host=settings.line_api_base_url.rstrip("/"),
            access_token=settings.line_channel_access_token,
        )
        config.proxy = urllib.request.getproxies().get("https")  # the session ignores env
        # The SDK sizes its HTTP pool by CPU count (cpu_count() × 5: 10 on 2 cores), which caps
        # pushes at 10 in flight — 50 a second at a 200 ms round trip. Size it to the calls the
        # outbox may have in flight.
        config.connection_pool_maxsize = runtime.outbox.concurrency
        self.client = without_env_lookups(AsyncApiClient(config))
        self.api = AsyncMessagingApi(self.client)
        self.blob = AsyncMessagingApiBlob(self.client)
        self.messenger = LineMessenger(
            self.api,
            engine=runtime.engine,
            clock=runtime.clock,
            catalog=runtime.catalog,
            default_language=runtime.default_language,
            timezone=settings.timezone,
            wake_outbox=runtime.outbox.wake,
        )

    async def drain(self) -> None:
        """Handle every event received so far (tests and the simulator's clock)."""
        await self.runtime.inbox.drain()

    async def decode(self, payload: str) -> Inbound | None:
        """An inbox row → a neutral event (with the LINE display name at sign-up)."""
        raw = json.loads(payload)
        try:
            event = Event.from_dict(raw)
        except Exception:  # a type or field newer than the SDK: translate from the raw JSON
            event = None
        inbound = to_event(event, raw)
        if inbound is not None and not inbound.addressed:
            return None  # group chatter: residents talking to each other
        if isinstance(inbound, Followed) and inbound.display_name is None:
            inbound = await self.with_profile(inbound)
        return inbound

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
        await self.client.close()


HANDLED_TYPES = frozenset({"message", "postback", "follow", "unfollow"})
MAX_ID = 128


def too_old(raw: dict[str, Any], now: datetime) -> bool:
    """The event's LINE ``timestamp`` is before the replay window (see storage.inbox)."""
    stamp = raw.get("timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool):
        return False
    return stamp / 1000 < inbox.replay_cutoff(now).timestamp()


def inbox_rows(
    body: bytes, now: datetime, *, refused: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The events of a verified body that Kyodo acts on, as inbox rows.

    Raises BadBody (a ValueError) for a body that is not a LINE callback: not JSON, invalid
    UTF-8, nested deeper than any LINE payload, or without an events list. Standby-mode events, types
    Kyodo ignores (join, unsend, …) and events without a user or an event id are dropped here,
    so they cost nothing downstream. The payload keeps JSON's ASCII escapes (NUL-safe).
    """
    data = parse_json(body)
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise BadBody("no events list")
    rows = []
    for raw in events:
        if not isinstance(raw, dict) or raw.get("mode") == "standby":
            continue
        if raw.get("type") not in HANDLED_TYPES:
            continue
        if too_old(raw, now):
            if refused is not None:
                refused.append(raw)
            continue
        address = address_of(raw)
        event_id = raw.get("webhookEventId")
        if address is None or not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_ID:
            continue
        if len(address.user_id) > MAX_ID or len(address.conversation_id or "") > MAX_ID:
            continue
        rows.append(
            {
                "channel": CHANNEL,
                "event_id": event_id,
                "conversation": f"{address.conversation_id or ''}/{address.user_id}",
                "payload": json.dumps(raw),
                "received_at": now,
            }
        )
    return rows


@router.post("/line/webhook")
async def line_webhook(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    channel = runtime.line
    if channel is None:
        raise HTTPException(404, "LINE channel is not configured")
    signature = request.headers.get("x-line-signature")
    raw_body = await request.body()
    if not signature:
        raise HTTPException(400, "missing signature")
    try:
        body = text_of(raw_body)
    except BadBody as exc:
        refuse("/line/webhook", exc)
        raise HTTPException(400, "malformed body") from None
    if not channel.validator.validate(body, signature):
        log.warning("LINE webhook with a bad signature rejected")
        raise HTTPException(400, "invalid signature")
    try:
        refused: list[dict[str, Any]] = []
        rows = inbox_rows(raw_body, runtime.clock.now(), refused=refused)
    except BadBody as exc:
        refuse("/line/webhook", exc)
        raise HTTPException(400, "malformed body") from None
    if refused:
        channel.replays_refused += len(refused)
        log.warning("LINE events older than the replay window refused: %d", len(refused))
    try:
        await runtime.inbox.write(rows)
    except Exception as exc:  # not stored: a 5xx makes LINE redeliver (if enabled)
        log.error("LINE events not stored: %s", type(exc).__name__)
        return Response(status_code=503)
    return Response(status_code=200)


async def start(runtime: Runtime) -> None:
    """Create the LINE clients inside the running loop (aiohttp needs one) and register."""
    if not runtime.settings.line_enabled:
        return
    channel = LineChannel(runtime)
    runtime.line = channel
    runtime.inbox.decoders[CHANNEL] = channel.decode
    runtime.add_messenger(channel.messenger)


async def stop(runtime: Runtime) -> None:
    channel, runtime.line = runtime.line, None
    runtime.inbox.decoders.pop(CHANNEL, None)
    if channel is not None:
        await channel.close()
