"""The floor for whole turns: a bare FastAPI endpoint doing the least a turn must do.

It checks the LINE signature (same HMAC), stores each event with one ``INSERT`` and sends one
reply to the LINE stand-in before answering 200, served exactly like Kyodo (one uvicorn
worker). ``FLOOR_DATABASE_URL`` picks SQLite or PostgreSQL, ``FLOOR_LINE_URL`` the stand-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Request, Response
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event
from starlette.concurrency import run_in_threadpool

SECRET = os.environ.get("LINE_CHANNEL_SECRET", "bench-channel-secret").encode()
metadata = MetaData()
floor_event = Table(
    "floor_event",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_id", String(128), unique=True, nullable=False),
    Column("payload", Text, nullable=False),
)
state: dict[str, Any] = {}


def _engine(url: str) -> Any:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=20)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: Any, _record: Any) -> None:  # same settings as storage.db for SQLite
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")

    return engine


@asynccontextmanager
async def lifespan(_app: FastAPI):
    engine = _engine(os.environ["FLOOR_DATABASE_URL"])
    metadata.create_all(engine)
    state["engine"] = engine
    state["client"] = httpx.AsyncClient(
        base_url=os.environ["FLOOR_LINE_URL"], limits=httpx.Limits(max_connections=100)
    )
    yield
    await state["client"].aclose()
    engine.dispose()


app = FastAPI(lifespan=lifespan)


def _insert(event_id: str, payload: str) -> None:
    with state["engine"].begin() as conn:
        conn.execute(floor_event.insert().values(event_id=event_id, payload=payload))


@app.post("/floor")
async def floor(request: Request) -> Response:
    body = await request.body()
    expected = base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, request.headers.get("x-line-signature", "")):
        return Response(b"bad signature", status_code=401)
    for item in json.loads(body)["events"]:
        await run_in_threadpool(_insert, item["webhookEventId"], json.dumps(item))
        await state["client"].post(
            "/v2/bot/message/reply",
            json={"replyToken": item["replyToken"], "messages": [{"type": "text", "text": "OK"}]},
            headers={"Authorization": "Bearer bench-token"},
        )
    return Response(b"OK")


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b"OK")
