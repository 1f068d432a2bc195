"""LineMessenger: replies, pushes and multicasts through ``AsyncMessagingApi``; never raises.

- ``reply``: the reply token is used once, for the first ≤5 messages; if it is absent, expired
  or rejected, everything goes out as pushes (fresh retry key per call). More than 5 messages
  continue as pushes, in order.
- ``push``/``multicast``: the outbox row's retry key goes on the first call and is reused on
  every retry (further calls of the same row use keys derived from it, so they are stable too).
  2xx and 409 (key already accepted) → SENT; 5xx, timeouts and rate-limit 429 → RETRY;
  429 "monthly limit" → QUOTA (pushes pause, staff are told once); other 4xx → FAILED.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import anyio
from linebot.v3.messaging import (
    ApiException,
    AsyncMessagingApi,
    Message,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
)
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.channels.line import quota
from bot.channels.line.limits import MAX_MESSAGES
from bot.channels.line.render import batches, render
from bot.clock import Clock
from bot.core.capabilities import declare
from bot.core.events import Inbound
from bot.core.ports import Delivery, DeliveryStatus
from bot.core.replies import Carousel, DatetimeRequest, Reply, Text
from bot.i18n import REGISTERS, Catalog
from storage.models import ChannelAccount, Person

log = logging.getLogger("kyodo.line.messenger")

MONTHLY_LIMIT = "monthly limit"
QUOTA_PAUSE = timedelta(minutes=10)  # after a quota 429, don't hammer LINE from this process


def without_env_lookups(client: Any) -> Any:
    """Give an SDK ``AsyncApiClient`` an aiohttp session with ``trust_env=False``.

    The SDK opens its session with ``trust_env=True``, so aiohttp reads ``~/.netrc`` in the
    default thread pool before EVERY request: a thread hop and a file read per LINE call
    (py-spy: visible on every reply under load). A proxy still works through the SDK's
    ``Configuration.proxy`` (webhook.py fills it from HTTPS_PROXY). Call inside the loop.
    """
    rest = client.rest_client
    old = rest.pool_manager
    limit = old.connector.limit if old.connector is not None else 100
    rest.pool_manager = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=limit, ssl=ssl.create_default_context()),
        trust_env=False,
    )
    asyncio.get_running_loop().create_task(old.close())
    return client


def call_key(retry_key: str, index: int) -> str:
    """Retry key of the ``index``-th API call of one outbox row (stable across retries)."""
    if index == 0:
        return retry_key
    try:
        base = uuid.UUID(retry_key)
    except ValueError:
        base = uuid.uuid5(uuid.NAMESPACE_OID, retry_key)
    return str(uuid.uuid5(base, str(index)))


def error_message(body: Any) -> str:
    try:
        data = json.loads(body) if body else {}
    except (TypeError, ValueError):
        return ""
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) else ""


def classify(status: int, message: str) -> DeliveryStatus:
    """Map a LINE error status (and message) to what the outbox should do."""
    if 200 <= status < 300 or status == 409:
        return DeliveryStatus.SENT
    if status == 429:
        return DeliveryStatus.QUOTA if MONTHLY_LIMIT in message.lower() else DeliveryStatus.RETRY
    if status >= 500 or status == 408:
        return DeliveryStatus.RETRY
    return DeliveryStatus.FAILED


def _lower(headers: Any) -> dict[str, str]:
    try:
        return {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    except AttributeError:
        return {}


class LineMessenger:
    channel = "line"
    capabilities = declare("line", (DatetimeRequest, Carousel))  # a chat: no forms
    max_recipients = 500

    def __init__(
        self,
        api: AsyncMessagingApi,
        *,
        engine: Engine,
        clock: Clock,
        catalog: Catalog,
        default_language: str = "ja",
        timezone: str = "Asia/Tokyo",
        wake_outbox: Callable[[], None] | None = None,
        timeout: float = 10.0,
        inline_retry_delays: Sequence[float] = (0.5, 2.0),
    ):
        self.api = api
        self.engine = engine
        self.clock = clock
        self.catalog = catalog
        self.default_language = default_language
        self.timezone = timezone
        self.wake_outbox = wake_outbox
        self.timeout = timeout
        self.inline_retry_delays = tuple(inline_retry_delays)
        self._quota_until: datetime | None = None

    # ------------------------------------------------------------------ Messenger
    async def reply(self, event: Inbound, replies: Sequence[Reply]) -> None:
        try:
            language = event.language or await self._language(event.address.user_id)
            calls = batches(render(replies, self.catalog.translator(language)))
        except Exception:
            log.exception("could not render a LINE reply")
            return
        if not calls:
            return
        if event.reply_privately:
            await self._reply_privately(event, calls, language)
            return
        token = event.reply_handle
        if isinstance(token, str) and token:
            first = calls[0]
            delivery = await self._send(
                "reply",
                lambda: self.api.reply_message_with_http_info(
                    ReplyMessageRequest(reply_token=token, messages=first),
                    _request_timeout=self.timeout,
                ),
            )
            if delivery.status is DeliveryStatus.SENT:
                calls = calls[1:]
            else:
                log.info("reply token not usable (%s); pushing instead", delivery.detail)
        target = event.address.conversation_id or event.address.user_id
        for batch in calls:
            delivery = await self._push_inline(target, batch, str(uuid.uuid4()))
            if delivery.status is not DeliveryStatus.SENT:
                log.warning("reply push not delivered: %s %s", delivery.status, delivery.detail)
                return

    async def _reply_privately(
        self, event: Inbound, calls: list[list[Message]], language: str
    ) -> None:
        """A group/room turn: the answer goes 1:1 by push; the group only hears that it did.

        A person who has not added Kyodo as a friend cannot get a push: the group is then
        asked to add it, and nothing of the answer is posted there.
        """
        delivery = Delivery(DeliveryStatus.SENT)
        for batch in calls:
            delivery = await self._push_inline(event.address.user_id, batch, str(uuid.uuid4()))
            if delivery.status is not DeliveryStatus.SENT:
                log.info("private reply not delivered: %s", delivery.status)
                break
        key = "line.sent_privately" if delivery.status is DeliveryStatus.SENT else "line.add_friend"
        token = event.reply_handle
        if not (isinstance(token, str) and token):
            return
        notice = batches(
            render([Text(text=self.catalog.text(key, language))], self.catalog.translator(language))
        )
        await self._send(
            "reply",
            lambda: self.api.reply_message_with_http_info(
                ReplyMessageRequest(reply_token=token, messages=notice[0]),
                _request_timeout=self.timeout,
            ),
        )

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        if self._quota_paused():
            return Delivery(DeliveryStatus.QUOTA, "monthly limit reached (paused)")
        try:
            language = await self._language(external_id)
            calls = batches(render(replies, self.catalog.translator(language)))
        except Exception as exc:
            log.exception("could not render a LINE push")
            return Delivery(DeliveryStatus.FAILED, f"render: {type(exc).__name__}")
        delivery = Delivery(DeliveryStatus.SENT, "nothing to send")
        for index, batch in enumerate(calls):
            delivery = await self._push_call(external_id, batch, call_key(retry_key, index))
            if delivery.status is not DeliveryStatus.SENT:
                return delivery
        return delivery

    async def multicast(
        self, external_ids: Sequence[str], replies: Sequence[Reply], *, retry_key: str
    ) -> Delivery:
        if self._quota_paused():
            return Delivery(DeliveryStatus.QUOTA, "monthly limit reached (paused)")
        ids = list(dict.fromkeys(external_ids))
        try:
            calls = batches(render(replies, self.catalog.translator(self.default_language)))
        except Exception as exc:
            log.exception("could not render a LINE multicast")
            return Delivery(DeliveryStatus.FAILED, f"render: {type(exc).__name__}")
        delivery = Delivery(DeliveryStatus.SENT, "nothing to send")
        index = 0
        for start in range(0, len(ids), self.max_recipients):
            group = ids[start : start + self.max_recipients]
            for batch in calls:
                key = call_key(retry_key, index)
                index += 1

                def multicast(
                    group: list[str] = group, batch: list[Message] = batch, key: str = key
                ) -> Awaitable[Any]:
                    return self.api.multicast_with_http_info(
                        MulticastRequest(to=group, messages=batch),
                        x_line_retry_key=key,
                        _request_timeout=self.timeout,
                    )

                delivery = await self._send("multicast", multicast)
                if delivery.status is not DeliveryStatus.SENT:
                    return await self._after(delivery)
        return delivery

    # ------------------------------------------------------------------ calls
    async def _push_call(self, to: str, batch: list[Message], key: str) -> Delivery:
        assert len(batch) <= MAX_MESSAGES
        delivery = await self._send(
            "push",
            lambda: self.api.push_message_with_http_info(
                PushMessageRequest(to=to, messages=batch),
                x_line_retry_key=key,
                _request_timeout=self.timeout,
            ),
        )
        return await self._after(delivery)

    async def _push_inline(self, to: str, batch: list[Message], key: str) -> Delivery:
        """A push inside a conversation turn: no outbox row, so retry a little right here."""
        delivery = await self._push_call(to, batch, key)
        for delay in self.inline_retry_delays:
            if delivery.status is not DeliveryStatus.RETRY:
                break
            await asyncio.sleep(delay)
            delivery = await self._push_call(to, batch, key)
        return delivery

    async def _send(self, operation: str, call: Callable[[], Awaitable[Any]]) -> Delivery:
        try:
            response = await call()
        except ApiException as exc:
            headers = _lower(exc.headers)
            status = int(exc.status or 0)
            message = error_message(exc.body)
            result = classify(status, message) if status else DeliveryStatus.FAILED
            detail = f"{status} {message}".strip()[:300]
            if result is DeliveryStatus.SENT:
                detail = f"409 retry key already accepted ({message})"[:300]
            return Delivery(result, detail, request_id=headers.get("x-line-request-id"))
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return Delivery(DeliveryStatus.RETRY, f"network: {type(exc).__name__}")
        except (ValueError, TypeError) as exc:  # SDK model validation (pydantic) or bad input
            log.warning("LINE %s request invalid: %s", operation, type(exc).__name__)
            return Delivery(DeliveryStatus.FAILED, f"invalid request: {type(exc).__name__}")
        headers = _lower(getattr(response, "headers", None))
        return Delivery(DeliveryStatus.SENT, request_id=headers.get("x-line-request-id"))

    async def _after(self, delivery: Delivery) -> Delivery:
        if delivery.status is DeliveryStatus.QUOTA:
            await self._quota_reached()
        return delivery

    # ------------------------------------------------------------------ quota
    def _quota_paused(self) -> bool:
        return self._quota_until is not None and self.clock.now() < self._quota_until

    async def _quota_reached(self) -> None:
        now = self.clock.now()
        self._quota_until = now + QUOTA_PAUSE
        try:
            queued = await anyio.to_thread.run_sync(
                lambda: quota.alert_staff_once(
                    self.engine,
                    now,
                    self.catalog,
                    language=self.default_language,
                    timezone=self.timezone,
                )
            )
        except Exception:
            log.exception("could not queue the LINE quota alert")
            return
        if queued and self.wake_outbox is not None:
            self.wake_outbox()

    # ------------------------------------------------------------------ language
    async def _language(self, external_id: str) -> str:
        """The person's language for the renderer's own words (buttons like 'See more')."""
        try:
            found = await anyio.to_thread.run_sync(self._lookup_language, external_id)
        except Exception:
            found = None
        return found if found in REGISTERS else self.default_language

    def _lookup_language(self, external_id: str) -> str | None:
        with Session(self.engine) as db:
            return db.exec(
                select(col(Person.language))
                .join(ChannelAccount, col(ChannelAccount.person_id) == col(Person.id))
                .where(
                    col(ChannelAccount.channel) == "line",
                    col(ChannelAccount.external_id) == external_id,
                )
            ).first()
