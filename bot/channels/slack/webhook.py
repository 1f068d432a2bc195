"""POST /slack/events: Events API, interactivity and slash commands on one URL.

The route checks the signature over the raw bytes first (bad, stale or unsigned → 401, whatever
the content type or encoding), then that Bolt's parser can take the body (signed but not UTF-8,
not JSON, nested too deep, a JSON array, a form whose ``payload`` isn't a JSON object → 400).
Only then does Bolt's FastAPI adapter verify again, parse and ack. 404 while Slack is not configured. With ``SLACK_APP_TOKEN`` the same Bolt app also
listens over Socket Mode (local development without a public URL).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from bot.channels.slack.bolt_app import add_retry_handlers, build_bolt_app, make_client
from bot.channels.slack.messenger import SlackMessenger
from bot.http_json import BadBody, parse_json, refuse, text_of
from bot.i18n import REGISTERS, reading
from bot.runtime import Runtime

log = logging.getLogger("kyodo.slack")

router = APIRouter()


@router.post("/slack/events")
async def slack_events(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    handler = runtime.slack_handler
    if handler is None:
        raise HTTPException(404, "Slack channel is not configured")
    body = await request.body()  # Starlette keeps it: Bolt reads the same bytes
    secret = runtime.settings.slack_signing_secret
    if not secret or not signed(secret, body, request):
        log.warning("/slack/events: request with a bad, stale or missing signature refused")
        return Response(status_code=401)
    try:
        check_body(body, request.headers.get("content-type"))
    except BadBody as exc:
        refuse("/slack/events", exc)
        return Response(status_code=400)
    return await handler.handle(request)


MAX_SKEW = 60 * 5  # Slack's (and Bolt's) replay window


def signed(secret: str, body: bytes, request: Request) -> bool:
    """Slack's v0 signature over the raw bytes, as Slack computes it.

    ``SignatureVerifier`` decodes the body as UTF-8 first (and raises on anything else), so the
    HMAC is taken here over the bytes exactly as received.
    """
    timestamp = request.headers.get("x-slack-request-timestamp") or ""
    signature = request.headers.get("x-slack-signature") or ""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    if abs(time.time() - int(timestamp)) > MAX_SKEW:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def check_body(body: bytes, content_type: str | None) -> None:
    """Raise BadBody unless Bolt's ``parse_body`` will turn ``body`` into a JSON object.

    Mirrors its rules: JSON when the type is ``application/json`` or the text starts with
    ``{``; otherwise a form, whose ``payload`` field (if any) is JSON.
    """
    text = text_of(body)
    if not text:
        return
    if content_type == "application/json" or text.startswith("{"):
        parsed = parse_json(body)
    elif "payload" in text:
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        if payload is None:
            return
        parsed = parse_json(payload.encode("utf-8", "surrogatepass"))
    else:
        return
    if not isinstance(parsed, dict):
        raise BadBody("not a JSON object")


def help_lines(runtime: Runtime):
    """The ``/kyodo`` sub-commands anyone may use, described where the catalog can.

    Staff commands are left to the help handler, which shows them to staff only.
    """

    def lines(language: str | None) -> list[str]:
        lang = language if language in REGISTERS else runtime.default_language
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


async def start(runtime: Runtime) -> None:
    settings = runtime.settings
    if not settings.slack_enabled:
        return
    client = runtime.slack_client or make_client(settings)
    add_retry_handlers(client)
    app = build_bolt_app(runtime, client)
    catalog = runtime.catalog

    def staff_language(lang: str | None) -> str:
        """Modals and pointers are read by staff: the staff register, never やさしい日本語."""
        return reading(lang if lang in REGISTERS else runtime.default_language, staff=True)

    messenger = SlackMessenger(
        client,
        engine=runtime.engine,
        tz=ZoneInfo(runtime.ward.timezone),
        staff_channel_id=settings.slack_staff_channel_id,
        close_label=lambda lang: catalog.text("slack.close", staff_language(lang)),
        required_mark=lambda lang: catalog.text("staff.required_mark", staff_language(lang)),
        help_lines=help_lines(runtime),
        console_published=lambda lang: catalog.text(
            "slack.console_published", staff_language(lang)
        ),
        thread_link_label=lambda lang: catalog.text("staff.open_thread", staff_language(lang)),
    )
    messenger.track = inflight_add(runtime)
    runtime.add_messenger(messenger)
    runtime.slack_app = app
    runtime.slack_handler = AsyncSlackRequestHandler(app)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket = AsyncSocketModeHandler(app, settings.slack_app_token)
        await socket.connect_async()
        runtime.slack_socket = socket
        log.info("Slack Socket Mode connected")


def inflight_add(runtime: Runtime):
    """Delayed App Home publishes are waited for like listeners (shutdown, tests)."""

    def add(task) -> None:
        inflight = runtime.slack_inflight
        if inflight is not None:
            inflight.add(task)

    return add


async def stop(runtime: Runtime) -> None:
    socket, runtime.slack_socket = runtime.slack_socket, None
    if socket is not None:
        await socket.close_async()
    inflight = runtime.slack_inflight
    if inflight is not None:
        await inflight.wait()
    runtime.slack_handler = None
