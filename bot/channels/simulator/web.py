"""The web chat simulator: a LINE-like phone and a Slack-like pane, as a real channel.

TL;DR: ``POST /simulator/send`` turns a tap or a typed line into the same neutral event the
LINE and Slack adapters produce and hands it to the one dispatcher; the SimulatorMessenger
puts the neutral replies (and outbox pushes, and staff-channel posts) into per-persona feeds
that the page receives live over server-sent events (``GET /simulator/events``).
``POST /simulator/clock`` moves the injected clock forward and drains the outbox, so due
reminders arrive while you watch. Everything 404s unless the simulator is enabled
(development, or ``KYODO_SIMULATOR=1``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from bot.channels.simulator.hub import Hub, SimulatorMessenger
from bot.core.actions import pack
from bot.core.events import (
    ActionInvoked,
    Address,
    CommandInvoked,
    Followed,
    FormSubmitted,
    Inbound,
    TextReceived,
)
from bot.core.replies import to_json
from bot.i18n import JAPANESE
from bot.runtime import Runtime
from handlers.common import MENU, Menu
from storage.personas import CHANNEL, Persona, ensure_personas, load_personas

log = logging.getLogger("kyodo.simulator")

STATIC = Path(__file__).with_name("static")
STATIC_FILES = {
    "simulator.css": "text/css; charset=utf-8",
    "simulator.js": "text/javascript; charset=utf-8",
    "i18n.json": "application/json; charset=utf-8",
}
STREAM_LIFETIME = 25.0  # seconds; the browser reconnects, so shutdown never waits long
HEARTBEAT = 10.0
MAX_ADVANCE = timedelta(days=400)

router = APIRouter(prefix="/simulator", include_in_schema=False)


# ---------------------------------------------------------------- helpers


def _runtime(request: Request):
    runtime = request.app.state.runtime
    if not runtime.settings.simulator_enabled:
        raise HTTPException(404, "Not Found")
    return runtime


def _hub(runtime: Runtime) -> Hub:
    hub = runtime.simulator_hub
    if hub is None:
        raise HTTPException(503, "simulator is starting")
    return hub


def _persona(key: str) -> Persona:
    persona = load_personas().get(key)
    if persona is None:
        raise HTTPException(404, "unknown persona")
    return persona


_ISO = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$", re.IGNORECASE
)
_SHORT = re.compile(r"^\+?\s*(?P<n>\d+)\s*(?P<u>d|h|m|w|days?|hours?|minutes?|weeks?)$", re.I)


def parse_advance(value: str) -> timedelta:
    """``PT48H``, ``P2DT3H``, ``+2d``, ``+90m``, ``1w`` → a positive timedelta (ValueError else)."""
    value = value.strip()
    if m := _ISO.match(value):
        if not any(m.groupdict().values()):
            raise ValueError("empty duration")
        parts = {k: int(v or 0) for k, v in m.groupdict().items()}
        delta = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    elif m := _SHORT.match(value):
        n, unit = int(m["n"]), m["u"].lower()[0]
        delta = {
            "d": timedelta(days=n),
            "h": timedelta(hours=n),
            "m": timedelta(minutes=n),
            "w": timedelta(weeks=n),
        }[unit]
    else:
        raise ValueError("use an ISO 8601 duration (PT48H) or +2d / +3h / +30m")
    if delta <= timedelta() or delta > MAX_ADVANCE:
        raise ValueError("the clock only moves forward, by at most 400 days")
    return delta


def _clock_info(runtime: Runtime) -> dict[str, Any]:
    now = runtime.clock.now()
    from zoneinfo import ZoneInfo

    local = now.astimezone(ZoneInfo(runtime.ward.timezone))
    return {
        "now": now.isoformat(),
        "local": local.strftime("%Y-%m-%d %H:%M"),
        "timezone": runtime.ward.timezone,
        "adjustable": callable(getattr(runtime.clock, "advance", None)),
    }


# ---------------------------------------------------------------- page and assets


@router.get("", response_class=HTMLResponse)
async def simulator_page(request: Request) -> HTMLResponse:
    _runtime(request)
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/static/{name}")
async def simulator_static(name: str, request: Request) -> FileResponse:
    _runtime(request)
    media = STATIC_FILES.get(name)
    if media is None:
        raise HTTPException(404, "Not Found")
    return FileResponse(STATIC / name, media_type=media)


@router.get("/config")
async def simulator_config(request: Request) -> JSONResponse:
    """Personas, the rich menu (packed actions, labels from the catalog) and the clock."""
    runtime = _runtime(request)
    catalog = runtime.catalog
    menu = [
        {
            "name": name,
            "data": pack(Menu(name)),
            "label": {lang: catalog.text(key, lang) for lang in ("ja", "en")},
        }
        for name, key in MENU
    ]
    return JSONResponse(
        {
            "personas": [p.as_json() for p in load_personas().values()],
            "menu": menu,
            "ward": runtime.ward.name,
            "clock": _clock_info(runtime),
            "public_url": runtime.settings.public_base_url,
        }
    )


# ---------------------------------------------------------------- live feed


def _sse(event: str, data: dict[str, Any], event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.get("/events")
async def simulator_events(
    request: Request, persona: str = Query(..., max_length=64)
) -> StreamingResponse:
    """The persona's feed so far, then every new entry as it happens (server-sent events)."""
    runtime = _runtime(request)
    who = _persona(persona)
    hub = _hub(runtime)
    queue = hub.subscribe(who.key)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 1000\n\n"
            for entry in hub.snapshot(who.key, who.staff):
                yield _sse("entry", entry.as_json(), entry.seq)
            yield _sse("clock", _clock_info(runtime))
            yield _sse("ready", {"persona": who.key})
            loop = asyncio.get_running_loop()
            ends = loop.time() + STREAM_LIFETIME
            while (left := ends - loop.time()) > 0:
                try:
                    event, data = await asyncio.wait_for(queue.get(), min(HEARTBEAT, left))
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                if event == "bye":  # the server is stopping (see hub.close_streams)
                    return
                if event == "clock":
                    data = _clock_info(runtime)
                yield _sse(event, data, data.get("seq"))
        finally:
            hub.unsubscribe(who.key, queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


# ---------------------------------------------------------------- input


class SendBody(BaseModel):
    persona: str = Field(..., max_length=64)
    kind: Literal["text", "action", "command", "form", "follow"]
    text: str | None = Field(None, max_length=5000)
    data: str | None = Field(None, max_length=300)
    params: dict[str, str] = Field(default_factory=dict, max_length=10)
    name: str | None = Field(None, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")
    args: str = Field("", max_length=2000)
    values: dict[str, Any] = Field(default_factory=dict, max_length=50)
    label: str | None = Field(None, max_length=200)  # what to show as the person's bubble
    surface: Literal["chat", "home"] = "chat"


def _event(body: SendBody, persona: Persona) -> Inbound:
    common: dict[str, Any] = {
        "address": Address(channel=CHANNEL, user_id=persona.key),
        "event_id": f"sim-{uuid.uuid4()}",
        "staff": persona.staff,  # from the server's persona list, never from the request
        "display_name": persona.name,
        "language": persona.language,
        "raw": {"surface": body.surface},
    }
    missing = HTTPException(422, f"'{body.kind}' needs more fields")
    if body.kind == "text":
        text = (body.text or "").strip()
        if not text:
            raise missing
        return TextReceived(text=text, **common)
    if body.kind == "action":
        if not body.data:
            raise missing
        return ActionInvoked(data=body.data, params=dict(body.params), **common)
    if body.kind == "command":
        if not body.name:
            raise missing
        return CommandInvoked(name=body.name, args=body.args.strip(), **common)
    if body.kind == "form":
        if not body.data:
            raise missing
        return FormSubmitted(data=body.data, values=dict(body.values), **common)
    return Followed(**common)


def _echo(body: SendBody, persona: Persona) -> tuple[str, str] | None:
    """What appears as the person's own bubble (role, text); None for nothing."""
    if body.surface == "home":
        return None
    if body.kind == "text":
        return ("user", (body.text or "").strip())
    if body.kind == "command" and persona.staff:
        return ("user", f"/kyodo {body.name} {body.args}".strip())
    if body.kind == "follow":
        return ("system", "follow")
    if body.label:
        return ("user", body.label)
    return None


@router.post("/send")
async def simulator_send(body: SendBody, request: Request) -> JSONResponse:
    runtime = _runtime(request)
    persona = _persona(body.persona)
    hub = _hub(runtime)
    event = _event(body, persona)
    if persona.staff:
        hub.staff_keys.add(persona.key)
    echo = _echo(body, persona)
    if echo is not None:
        hub.add(persona.key, echo[0], text=echo[1])
    result = await runtime.dispatcher.handle(event)
    return JSONResponse(
        {
            "ok": not result.failed,
            "event_id": event.event_id,
            "replies": [to_json(r) for r in result.replies],
        }
    )


# ---------------------------------------------------------------- clock


class ClockBody(BaseModel):
    advance: str = Field(..., max_length=40)


@router.get("/clock")
async def simulator_clock(request: Request) -> JSONResponse:
    return JSONResponse(_clock_info(_runtime(request)))


@router.post("/clock")
async def simulator_clock_advance(body: ClockBody, request: Request) -> JSONResponse:
    """Fast-forward the injected clock, running the periodic jobs that became due on the way
    (deadlines, reminders, the weekly digest), then deliver everything that became due."""
    runtime = _runtime(request)
    advance = getattr(runtime.clock, "advance", None)
    if not callable(advance):
        raise HTTPException(409, "this clock cannot be moved (not an OffsetClock)")
    try:
        delta = parse_advance(body.advance)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    ran = await anyio.to_thread.run_sync(runtime.run_jobs_through, delta, advance)
    delivered = await runtime.outbox.drain()
    hub = runtime.simulator_hub
    if hub is not None:
        hub.broadcast_clock()
    log.info("simulator clock advanced", extra={"seconds": delta.total_seconds(), "jobs": len(ran)})
    return JSONResponse({**_clock_info(runtime), "delivered": delivered})


# ---------------------------------------------------------------- lifecycle


async def start(runtime: Runtime) -> None:
    """Register the simulator channel and make sure every persona exists in the store."""
    if not runtime.settings.simulator_enabled:
        return
    hub = Hub(runtime.clock)
    hub.staff_keys.update(p.key for p in load_personas().values() if p.staff)
    runtime.simulator_hub = hub
    if "simulator" not in runtime.messengers:  # tests may inject their own stand-in
        runtime.add_messenger(SimulatorMessenger(hub))
    try:
        japanese = runtime.default_language if runtime.default_language in JAPANESE else "ja"
        await anyio.to_thread.run_sync(ensure_personas, runtime.engine, japanese)
    except Exception as exc:  # an unmigrated or unreachable database must not stop the app
        log.warning("simulator personas not created: %s", type(exc).__name__)


async def stop(runtime: Runtime) -> None:
    runtime.simulator_hub = None
