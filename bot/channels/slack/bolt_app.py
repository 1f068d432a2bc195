"""The Bolt app: thin listeners that translate Slack payloads and hand them to the dispatcher.

No business logic and no routing here (our Router is the one routing table). Bolt verifies
signatures and answers ``url_verification``; the dispatcher de-duplicates (Events API retries
share their ``event_id``). Acks: buttons and slash commands ack first (the HTTP response leaves)
and then dispatch; a view submission dispatches first so inline errors can go back in the ack
(if the turn is slow, the modal is acked empty after 2.5 s and any errors go to the DM).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.slack import inbound
from bot.channels.slack.staff import StaffDirectory
from bot.core.events import Inbound
from bot.runtime import Runtime

log = logging.getLogger("kyodo.slack")

VIEW_DISPATCH_BUDGET = 2.5  # seconds; Slack wants the view_submission ack within 3


class Inflight:
    """The dispatches still running after their ack (tests and shutdown wait for them)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def add(self, task: asyncio.Task) -> None:
        """Track a task started outside a listener (a delayed App Home publish)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        me = asyncio.current_task()
        for _ in range(3):  # let listener tasks scheduled just now register themselves
            await asyncio.sleep(0)
        while pending := [t for t in self._tasks if t is not me and not t.done()]:
            await asyncio.wait(pending)
            await asyncio.sleep(0)


def add_retry_handlers(client: AsyncWebClient, *, rate_limit_retries: int = 2) -> None:
    """429 (waits Retry-After) and connection errors are retried by slack_sdk itself."""
    kinds = {type(h) for h in client.retry_handlers}
    if AsyncConnectionErrorRetryHandler not in kinds:
        client.retry_handlers.append(AsyncConnectionErrorRetryHandler())
    if AsyncRateLimitErrorRetryHandler not in kinds:
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)
        )


def build_bolt_app(
    runtime: Runtime,
    client: AsyncWebClient,
    *,
    directory: StaffDirectory | None = None,
    inflight: Inflight | None = None,
) -> AsyncApp:
    settings = runtime.settings
    tz = ZoneInfo(runtime.ward.timezone)
    directory = directory or StaffDirectory(client, usergroup_id=settings.slack_staff_usergroup_id)
    inflight = inflight or Inflight()
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret,
        client=client,
        name="kyodo",
        raise_error_for_unhandled_request=False,
    )

    async def who(body: dict[str, Any], context: Any) -> inbound.Who:
        user = inbound.user_id_of(body)
        staff = await directory.is_staff(
            user, user_team=inbound.user_team_of(body), team=getattr(context, "team_id", None)
        )
        name, language = await directory.profile(user)
        return inbound.Who(staff=staff, display_name=name, language=language)

    async def dispatch(event: Inbound | None) -> None:
        if event is not None:
            await runtime.dispatcher.handle(event)

    @app.action(re.compile(".*"))
    async def on_action(ack, body, context) -> None:
        inflight.track()
        await ack()
        await dispatch(inbound.action_event(body, await who(body, context), tz))

    @app.command(re.compile(r"^/"))
    async def on_command(ack, body, context) -> None:
        inflight.track()
        await ack()
        commands = runtime.dispatcher.router.commands
        await dispatch(inbound.command_event(body, await who(body, context), commands))

    @app.view(re.compile(".*"))
    async def on_view(ack, body, context) -> None:
        inflight.track()
        event = inbound.view_event(body, await who(body, context), tz, ack)
        if event is None:
            await ack()
            return
        handle: inbound.SlackHandle = event.reply_handle
        task = asyncio.ensure_future(runtime.dispatcher.handle(event))
        done, _ = await asyncio.wait({task}, timeout=VIEW_DISPATCH_BUDGET)
        if not handle.acked:
            handle.acked = True  # a late FormErrors now goes to the DM instead
            await ack()
        if not done:
            await task

    @app.event("message")
    async def on_message(body, context) -> None:
        inflight.track()
        if inbound.is_user_dm(body.get("event") or {}):
            await dispatch(inbound.message_event(body, await who(body, context)))

    @app.event("app_home_opened")
    async def on_home(body, context) -> None:
        inflight.track()
        await dispatch(inbound.home_event(body, await who(body, context)))

    add_quiet_listeners(app, runtime)
    runtime.slack_inflight = inflight
    runtime.slack_directory = directory
    return app


REVOKED = re.compile(r"^(tokens_revoked|app_uninstalled)$")
ANY = re.compile(".*")


def add_quiet_listeners(app: AsyncApp, runtime: Any) -> None:
    """Acknowledge every other request the manifest could bring (registered last).

    Bolt answers an unhandled request with 404, which Slack retries and counts against the
    app. ``tokens_revoked``/``app_uninstalled`` stop Slack sending in this process and alert
    in the logs; the rest (app_mention, member_joined_channel, view_closed, shortcuts,
    block_suggestion, …) are acknowledged and ignored.
    """

    @app.event(REVOKED)
    async def on_revoked(body: dict[str, Any]) -> None:
        kind = (body.get("event") or {}).get("type", "")
        messenger = runtime.dispatcher.messengers.get(inbound.CHANNEL)
        if messenger is not None and hasattr(messenger, "disable"):
            messenger.disable(kind)
        log.error("Slack %s: Slack sending stopped until the app is reinstalled", kind)

    @app.event(ANY)
    async def on_other_event(body: dict[str, Any]) -> None:
        log.debug("Slack event ignored: %s", (body.get("event") or {}).get("type"))

    @app.shortcut(ANY)
    async def on_shortcut(ack) -> None:
        await ack()

    @app.view_closed(ANY)
    async def on_view_closed(ack) -> None:
        await ack()

    @app.options(ANY)
    async def on_options(ack) -> None:
        await ack(options=[])


def make_client(settings: Any) -> AsyncWebClient:
    base = settings.slack_api_base_url
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=base.rstrip("/") + "/")
    add_retry_handlers(client)
    return client
