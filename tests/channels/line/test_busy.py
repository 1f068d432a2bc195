"""The burst policy: an event queued past ~50 s gets a short "busy" answer by reply token.

The web process only stores (KYODO_PROCESS_EVENTS=false); the clock is moved before a worker
runtime drains, as if the event had waited in a backlog that long.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi.testclient import TestClient

from bot.app import build_runtime, create_app
from bot.channels import line as line_channel
from bot.i18n import REGISTERS, default_catalog
from tests.channels.line.conftest import body_of, follow_event, sign, text_event
from tests.channels.line.test_webhook import replies_by_token, texts
from tests.conftest import count

BUSY = {default_catalog().text("common.busy", register) for register in REGISTERS}


def store(line_settings, engine, clock, body: bytes) -> None:
    web_settings = line_settings.model_copy(update={"process_events": False})
    web = create_app(web_settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)
    with TestClient(web) as client:
        r = client.post(
            "/line/webhook",
            content=body,
            headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"},
        )
    assert r.status_code == 200


def work(line_settings, engine, clock) -> int:
    async def worker() -> int:
        runtime = build_runtime(line_settings, engine=engine, clock=clock)
        await line_channel.start(runtime)
        try:
            return await runtime.inbox.drain()
        finally:
            await line_channel.stop(runtime)

    return asyncio.run(worker())


def test_a_tap_queued_past_50_seconds_gets_busy_by_reply_token(
    line_settings, engine, clock, line_api
):
    late = text_event("U9200", "ヘルプ", reply_token="tok-late")
    follow = follow_event("U9201", reply_token="tok-follow")
    store(line_settings, engine, clock, body_of(late, follow))
    clock.advance(timedelta(seconds=51))
    assert work(line_settings, engine, clock) == 2
    sent = replies_by_token(line_api)
    [answer] = texts(sent["tok-late"])  # no handler ran: the help text is not there
    assert answer in BUSY
    assert not BUSY & set(texts(sent["tok-follow"]))  # a follow is handled as usual
    assert line_api.calls("push") == []
    assert count(engine, "inbox_event") == 0
    assert count(engine, "processed_event") == 2  # recorded: a redelivery does nothing
    assert count(engine, "person") == 1  # only the follow's; the busy tap created nobody
    store(line_settings, engine, clock, body_of(late))  # LINE redelivers the late tap
    assert work(line_settings, engine, clock) == 1
    assert len(line_api.calls("reply")) == 2


def test_a_tap_queued_under_50_seconds_gets_its_full_turn(line_settings, engine, clock, line_api):
    store(line_settings, engine, clock, body_of(text_event("U9202", "ヘルプ", reply_token="tok")))
    clock.advance(timedelta(seconds=49))
    assert work(line_settings, engine, clock) == 1
    sent = texts(replies_by_token(line_api)["tok"])
    assert sent and not BUSY & set(sent)
    assert count(engine, "person") == 1
