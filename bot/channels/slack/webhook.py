"""POST /slack/events: Events API, interactivity and slash commands on one URL.

Bolt's FastAPI adapter verifies the signature (bad, stale or unsigned → 401, nothing changes)
and acks. 404 while Slack is not configured. With ``SLACK_APP_TOKEN`` the same Bolt app also
listens over Socket Mode (local development without a public URL).
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from bot.channels.slack.bolt_app import add_retry_handlers, build_bolt_app, make_client
from bot.channels.slack.messenger import SlackMessenger

log = logging.getLogger("kyodo.slack")

router = APIRouter()


@router.post("/slack/events")
async def slack_events(request: Request) -> Response:
    handler: AsyncSlackRequestHandler | None = request.app.state.runtime.extras.get("slack_handler")
    if handler is None:
        raise HTTPException(404, "Slack channel is not configured")
    return await handler.handle(request)


def help_lines(runtime: Any):
    """The ``/kyodo`` sub-commands anyone may use, described where the catalog can.

    Staff commands are left to the help handler, which shows them to staff only.
    """

    def lines(language: str | None) -> list[str]:
        lang = language if language in ("ja", "en") else runtime.settings.default_language
        keys = set(runtime.catalog.message_keys())
        out = [runtime.catalog.text("slack.commands", lang)]
        router = runtime.dispatcher.router
        hidden = {"cancel", "resume", "menu"} | router.staff_commands  # staff help lists those
        names = sorted(set(router.commands) - hidden)
        for name in names:
            key = f"slack.cmd_{name.replace('-', '_')}"
            about = runtime.catalog.text(key, lang) if key in keys else ""
            out.append(f"/kyodo {name}" + (f" — {about}" if about else ""))
        return out

    return lines


async def start(runtime: Any) -> None:
    settings = runtime.settings
    if not settings.slack_enabled:
        return
    client = runtime.extras.get("slack_client") or make_client(settings)
    add_retry_handlers(client)
    app = build_bolt_app(runtime, client)
    catalog = runtime.catalog
    messenger = SlackMessenger(
        client,
        engine=runtime.engine,
        tz=ZoneInfo(runtime.ward.timezone),
        staff_channel_id=settings.slack_staff_channel_id,
        close_label=lambda lang: catalog.text(
            "slack.close", lang if lang in ("ja", "en") else settings.default_language
        ),
        help_lines=help_lines(runtime),
    )
    runtime.add_messenger(messenger)
    runtime.extras["slack_app"] = app
    runtime.extras["slack_handler"] = AsyncSlackRequestHandler(app)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket = AsyncSocketModeHandler(app, settings.slack_app_token)
        await socket.connect_async()
        runtime.extras["slack_socket"] = socket
        log.info("Slack Socket Mode connected")


async def stop(runtime: Any) -> None:
    socket = runtime.extras.pop("slack_socket", None)
    if socket is not None:
        await socket.close_async()
    inflight = runtime.extras.get("slack_inflight")
    if inflight is not None:
        await inflight.wait()
    runtime.extras.pop("slack_handler", None)
