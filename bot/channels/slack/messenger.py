"""SlackMessenger: answers interactions, pushes DMs and keeps the staff channel's threads.

- reply(): a Form opens a modal (``views.open`` with the interaction's trigger id); a view
  submission is answered through its ``ack`` (inline errors / next view / close); slash
  commands answer ephemerally through ``response_url``; buttons in a channel answer with
  ``chat.postEphemeral``; DMs and App Home buttons answer in the DM; App Home publishes a view.
- push(): ``chat.postMessage(channel=<user id>)`` (the bot's DM with that person).
- post_staff(): the first post for a ``thread_key`` roots a thread in the staff channel (kept
  in ``StaffThread``); later posts go in that thread; ``update=True`` edits the root in place.
  A ``thread_key`` of ``<thread>/<card>`` (an idea's card in its call's thread) posts in the
  thread and remembers the card's own message; ``update=True`` then edits that message.
- A Console reply (the staff console) is published as the person's App Home view, at most once
  per ``home_interval`` seconds per person: a later one waits and only the newest is sent.
  Other answers to a press in App Home go to the DM, as before. publish_console() is the
  outbox's App Home refresh (``storage.home``): the console rendered when the row is sent.
  A ``thread_key`` of ``alert:<item thread key>:<n>`` is an alert: its own top-level message,
  with a link to the item's thread when that thread exists (e.g. a moderation case).

Never raises for Slack errors: they map to Delivery statuses (429 → RETRY with retry_after).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import anyio
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.channels.slack import render
from bot.channels.slack.escape import escape
from bot.channels.slack.inbound import CHANNEL, SlackHandle
from bot.core.capabilities import declare
from bot.core.events import Inbound
from bot.core.ports import Delivery, DeliveryStatus, split_card
from bot.core.replies import Carousel, Console, DatetimeRequest, Form, FormErrors, Reply, Text
from storage.models import StaffThread
from storage.types import utcnow

log = logging.getLogger("kyodo.slack")
ALERT = "alert:"  # staff thread keys of top-level alerts (see post_staff)
HOME_INTERVAL = 3.0  # seconds between two App Home publishes for one person

RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
UNREACHABLE = frozenset(
    {"user_not_found", "user_disabled", "cannot_dm_bot", "account_inactive", "user_not_visible"}
)


def retry_after(headers: Any) -> float | None:
    if not headers:
        return None
    for key in headers:
        if str(key).lower() == "retry-after":
            value = headers[key]
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
    return None


def delivery_for(exc: BaseException) -> Delivery:
    """A Slack or network failure as a Delivery the outbox understands."""
    if isinstance(exc, SlackApiError):
        resp = exc.response
        error = str(resp.get("error") or "") if hasattr(resp, "get") else ""
        status = getattr(resp, "status_code", 0) or 0
        if status == 429 or error == "ratelimited":
            return Delivery(
                DeliveryStatus.RETRY, "ratelimited", retry_after(getattr(resp, "headers", None))
            )
        if status >= 500 or error in RETRYABLE:
            return Delivery(DeliveryStatus.RETRY, error or f"http {status}")
        if error in UNREACHABLE:
            return Delivery(DeliveryStatus.BLOCKED, error)
        return Delivery(DeliveryStatus.FAILED, error or f"http {status}")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError | SlackClientError):
        return Delivery(DeliveryStatus.RETRY, type(exc).__name__)
    return Delivery(DeliveryStatus.FAILED, type(exc).__name__)


class SlackMessenger:
    channel = CHANNEL
    capabilities = declare(CHANNEL, (Form, FormErrors, DatetimeRequest, Carousel, Console))

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        engine: Engine,
        tz: ZoneInfo,
        staff_channel_id: str | None = None,
        close_label: Callable[[str | None], str] | None = None,
        help_lines: Callable[[str | None], list[str]] | None = None,
        thread_link_label: Callable[[str | None], str] | None = None,
        console_published: Callable[[str | None], str] | None = None,
        required_mark: Callable[[str | None], str] | None = None,
    ):
        self.client = client
        self.engine = engine
        self.tz = tz
        self.staff_channel_id = staff_channel_id
        self.close_label = close_label or (lambda _lang: "")
        self.help_lines = help_lines or (lambda _lang: [])
        self.thread_link_label = thread_link_label or (lambda _lang: "thread")
        self.console_published = console_published or (lambda _lang: "")
        self.required_mark = required_mark or (lambda _lang: "")
        self.disabled: str | None = None  # why Slack refuses us (tokens_revoked, app_uninstalled)
        self.home_interval = HOME_INTERVAL
        self.track: Callable[[asyncio.Task[Any]], None] = lambda _task: None  # Inflight.add
        self._home_last: dict[str, float] = {}
        self._home_waiting: dict[str, dict[str, Any]] = {}

    def disable(self, reason: str) -> None:
        """Stop calling Slack: the token is gone, every call would fail until a reinstall."""
        self.disabled = reason

    # ------------------------------------------------------------------ replies
    async def reply(self, event: Inbound, replies: Sequence[Reply]) -> None:
        if self.disabled:
            return
        handle = event.reply_handle
        if not isinstance(handle, SlackHandle):
            handle = SlackHandle(kind="message")
        replies = list(replies)
        if handle.slash_help:
            lines = self.help_lines(event.language)
            if lines:
                replies.insert(0, Text(text="\n".join(lines)))
        consoles = [r for r in replies if isinstance(r, Console)]
        replies = [r for r in replies if not isinstance(r, Console)]
        try:
            if consoles:
                view = render.console_view(consoles[-1], self.tz)
                await self.publish_home(event.address.user_id, view)
                pointer = self.console_published(event.language)
                if handle.kind == "command" and pointer:  # typed /kyodo console: say where
                    replies.insert(0, Text(text=pointer))
            if handle.kind == "home":
                if replies or not consoles:
                    await self._publish_home(event, handle, replies)
                return
            if handle.kind == "view":
                replies = await self._answer_view(event, handle, replies)
            else:
                replies = await self._open_form(event, handle, replies)
            await self._send(event, handle, replies)
        except Exception as exc:  # a platform error must not break the turn
            log.warning("slack reply failed: %s", delivery_for(exc).detail)

    async def _publish_home(self, event: Inbound, handle: SlackHandle, replies: list[Reply]):
        view = render.home_view([r for r in replies if not isinstance(r, Form)], self.tz)
        await self.publish_home(event.address.user_id, view)

    async def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """``views.publish`` now, or (within ``home_interval`` of the last) once, a bit later.

        A burst of presses is one publish of the newest view, not one per press (views.publish
        is rate-limited per user and a stale view published last would undo a fresh one).
        """
        now = time.monotonic()
        wait = self._home_last.get(user_id, -self.home_interval) + self.home_interval - now
        if wait <= 0:
            self._home_last[user_id] = now
            await self.client.views_publish(user_id=user_id, view=view)
            return
        first = user_id not in self._home_waiting
        self._home_waiting[user_id] = view
        if first:
            task = asyncio.ensure_future(self._publish_later(user_id, wait))
            self.track(task)

    async def publish_console(self, external_id: str, replies: Sequence[Reply]) -> Delivery:
        """An App Home refresh from the outbox (``storage.home``): ``views.publish`` now.

        The outbox already spaces these (one per person per ``storage.home.INTERVAL``); the
        publish counts for the interactive throttle too."""
        if self.disabled:
            return Delivery(DeliveryStatus.FAILED, f"Slack sending stopped ({self.disabled})")
        consoles = [r for r in replies if isinstance(r, Console)]
        if not consoles:
            return Delivery(DeliveryStatus.BLOCKED, "no console to show")
        try:
            self._home_last[external_id] = time.monotonic()
            view = render.console_view(consoles[-1], self.tz)
            await self.client.views_publish(user_id=external_id, view=view)
        except Exception as exc:
            return delivery_for(exc)
        return Delivery(DeliveryStatus.SENT)

    async def _publish_later(self, user_id: str, wait: float) -> None:
        await asyncio.sleep(wait)
        view = self._home_waiting.pop(user_id, None)
        if view is None or self.disabled:
            return
        self._home_last[user_id] = time.monotonic()
        try:
            await self.client.views_publish(user_id=user_id, view=view)
        except Exception as exc:
            log.warning("slack home publish failed: %s", delivery_for(exc).detail)

    async def _answer_view(
        self, event: Inbound, handle: SlackHandle, replies: list[Reply]
    ) -> list[Reply]:
        """Answer a view submission through its ack: errors stay in the modal with the input."""
        errors = next((r for r in replies if isinstance(r, FormErrors)), None)
        form = next((r for r in replies if isinstance(r, Form)), None)
        rest = [r for r in replies if r is not errors and r is not form]
        if handle.acked or handle.ack is None:
            return replies  # too late for the modal: everything goes to the DM
        handle.acked = True
        if errors is not None:
            await handle.ack(**render.form_errors(errors, handle.block_ids))
        elif form is not None:
            view = render.modal(
                form,
                self.tz,
                close_label=self.close_label(event.language),
                required_mark=self.required_mark(event.language),
            )
            await handle.ack(response_action="update", view=view)
        else:
            await handle.ack()
        return rest

    async def _open_form(
        self, event: Inbound, handle: SlackHandle, replies: list[Reply]
    ) -> list[Reply]:
        form = next((r for r in replies if isinstance(r, Form)), None)
        if form is None or not handle.trigger_id:
            return replies
        view = render.modal(
            form,
            self.tz,
            close_label=self.close_label(event.language),
            required_mark=self.required_mark(event.language),
        )
        if handle.in_modal:
            await self.client.views_push(trigger_id=handle.trigger_id, view=view)  # from a modal
        else:
            await self.client.views_open(trigger_id=handle.trigger_id, view=view)
        return [r for r in replies if r is not form]

    async def _send(self, event: Inbound, handle: SlackHandle, replies: list[Reply]) -> None:
        user = event.address.user_id
        channel = handle.channel_id
        for message in render.messages(replies, self.tz):
            via_url = handle.kind == "command" or (handle.kind == "action" and handle.ephemeral)
            if via_url and handle.response_url:
                await AsyncWebhookClient(handle.response_url).send_dict(
                    {"response_type": "ephemeral", "replace_original": False, **message}
                )
            elif handle.kind in ("command", "action") and channel and not channel.startswith("D"):
                await self.client.chat_postEphemeral(channel=channel, user=user, **message)
            else:
                await self.client.chat_postMessage(channel=channel or user, **message)

    # ------------------------------------------------------------------ pushes
    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str) -> Delivery:
        """A DM to one person (Slack has no idempotency key; the outbox marks rows once)."""
        if self.disabled:
            return Delivery(DeliveryStatus.FAILED, f"Slack sending stopped ({self.disabled})")
        request_id = None
        try:
            for message in render.messages(list(replies), self.tz):
                resp = await self.client.chat_postMessage(channel=external_id, **message)
                request_id = resp.get("ts")
        except Exception as exc:
            return delivery_for(exc)
        return Delivery(DeliveryStatus.SENT, request_id=request_id)

    # ------------------------------------------------------------------ staff channel
    async def post_staff(
        self, replies: Sequence[Reply], *, thread_key: str | None, update: bool
    ) -> Delivery:
        if self.disabled:
            return Delivery(DeliveryStatus.FAILED, f"Slack sending stopped ({self.disabled})")
        channel = self.staff_channel_id
        if not channel:
            return Delivery(DeliveryStatus.BLOCKED, "SLACK_STAFF_CHANNEL_ID is not set")
        msgs = render.messages(list(replies), self.tz)
        if not msgs:
            return Delivery(DeliveryStatus.SENT, "empty")
        thread, card = split_card(thread_key)
        try:
            edited = card if card else (thread if update else None)  # the message edited
            known = await anyio.to_thread.run_sync(self._root, edited) if edited else None
            if known is not None and update and edited:
                await self.client.chat_update(channel=known.channel_id, ts=known.ts, **msgs[0])
                await anyio.to_thread.run_sync(self._touch, edited)
                return Delivery(DeliveryStatus.SENT, request_id=known.ts)
            root = await anyio.to_thread.run_sync(self._root, thread) if thread else None
            last = None  # the last message posted: a card's own message
            if root is None:
                if thread and thread.startswith(ALERT):
                    msgs[0] = await self._with_thread_link(msgs[0], thread)
                resp = await self.client.chat_postMessage(channel=channel, **msgs[0])
                last = resp.get("ts")
                if thread and last:
                    await anyio.to_thread.run_sync(self._remember, thread, channel, last)
                thread_ts, msgs = last, msgs[1:]
            else:
                channel, thread_ts = root.channel_id, root.ts
            for message in msgs:
                resp = await self.client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, **message
                )
                last = resp.get("ts")
            if card and last and known is None:
                await anyio.to_thread.run_sync(self._remember, card, channel, last)
        except Exception as exc:
            return delivery_for(exc)
        return Delivery(DeliveryStatus.SENT, request_id=thread_ts)

    async def _with_thread_link(self, message: dict[str, Any], alert_key: str) -> dict[str, Any]:
        """The alert with a link to its item's thread, if that thread was ever rooted."""
        item_key = alert_key.removeprefix(ALERT).rpartition(":")[0]
        item = await anyio.to_thread.run_sync(self._root, item_key) if item_key else None
        if item is None:
            return message
        resp = await self.client.chat_getPermalink(channel=item.channel_id, message_ts=item.ts)
        link = resp.get("permalink")
        if not link:
            return message
        label = escape(self.thread_link_label(None))
        section = {"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|{label}>"}}
        return {**message, "blocks": [*message.get("blocks", []), section]}

    def _root(self, thread_key: str) -> StaffThread | None:
        with Session(self.engine, expire_on_commit=False) as db:
            return db.get(StaffThread, thread_key)

    def _remember(self, thread_key: str, channel: str, ts: str) -> None:
        try:
            with Session(self.engine) as db:
                db.add(StaffThread(thread_key=thread_key, channel_id=channel, ts=ts))
                db.commit()
        except IntegrityError:  # another process rooted it first; its thread wins
            log.info("staff thread %s already rooted", thread_key)

    def _touch(self, thread_key: str) -> None:
        with Session(self.engine) as db:
            row = db.get(StaffThread, thread_key)
            if row is not None:
                row.updated_at = utcnow()
                db.add(row)
                db.commit()
