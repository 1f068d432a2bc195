"""POST /line/webhook through the real app: signatures, exactly-once, fan-out, fast ack."""

from __future__ import annotations

import asyncio
import json
import threading

from fastapi.testclient import TestClient

from bot.app import build_runtime, create_app
from bot.channels import line as line_channel
from bot.core.actions import pack
from handlers.common import Menu
from tests.channels.line.conftest import (
    body_of,
    follow_event,
    postback_event,
    sign,
    sticker_event,
    text_event,
    unfollow_event,
)
from tests.conftest import count


def texts(messages: list[dict]) -> list[str]:
    return [m.get("text") or m.get("altText") for m in messages]


def replies_by_token(line_api) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in line_api.calls("reply"):
        out.setdefault(r.body["replyToken"], []).extend(r.body["messages"])
    return out


def test_bad_signatures_are_rejected_and_change_nothing(line, line_api, engine):
    body = body_of(follow_event("U1000"))
    forged = line.post(body, signature=sign(body, "another-secret"))
    unsigned = line.post(body, signature=None)
    empty = line.post(body, signature="")
    tampered = line.post(body.replace(b"U1000", b"U1001"), signature=sign(body))
    garbage = line.post(body, signature="not base64 at all !!")
    line.drain()
    for response in (forged, unsigned, empty, tampered, garbage):
        assert response.status_code == 400
    assert count(engine, "processed_event") == 0
    assert count(engine, "person") == 0
    assert line_api.requests == []


def test_verification_call_with_no_events_gets_200(line, line_api):
    body = json.dumps({"destination": "Ubot", "events": []}).encode()
    assert line.post(body).status_code == 200
    assert line_api.requests == []


def test_malformed_but_signed_body_is_400_not_500(line):
    assert line.post(b"{not json").status_code == 400
    assert line.post(b'{"destination": "x"}').status_code == 400


def test_not_configured_is_404(client):
    body = body_of(follow_event("U1"))
    r = client.post("/line/webhook", content=body, headers={"X-Line-Signature": sign(body)})
    assert r.status_code == 404


def test_follow_registers_and_welcomes_with_the_reply_token(line, line_api, engine):
    line_api.profiles["U2000"] = "さくら"
    assert line.send(follow_event("U2000", reply_token="tok-follow")).status_code == 200
    sent = replies_by_token(line_api)["tok-follow"]
    assert "ともだち追加" in sent[0]["text"]
    assert sent[-1]["quickReply"]["items"]  # the main menu
    with engine.connect() as conn:
        name = conn.exec_driver_sql("SELECT display_name FROM person").scalar_one()
    assert name == "さくら"


def test_redelivered_event_is_handled_once(line, line_api, engine):
    event = text_event("U3000", "ヘルプ", reply_token="tok-once")
    line.send(event)
    again = {**event, "deliveryContext": {"isRedelivery": True}}
    assert line.send(again).status_code == 200
    assert line.send(event).status_code == 200  # a plain network duplicate, too
    assert len(line_api.calls("reply")) == 1
    assert line_api.calls("push") == []
    assert count(engine, "processed_event") == 1


def test_three_users_in_one_body_each_get_their_own_answer(line, line_api, engine):
    body = body_of(
        follow_event("U4001", reply_token="tok-a"),
        text_event("U4002", "ヘルプ", reply_token="tok-b"),
        postback_event("U4003", pack(Menu("help")), reply_token="tok-c"),
    )
    assert line.post(body).status_code == 200
    line.drain()
    by_token = replies_by_token(line_api)
    assert set(by_token) == {"tok-a", "tok-b", "tok-c"}
    assert "ともだち追加" in by_token["tok-a"][0]["text"]
    assert "使い方" in by_token["tok-b"][0]["text"]
    assert "使い方" in by_token["tok-c"][0]["text"]
    assert count(engine, "person") == 3
    assert count(engine, "processed_event") == 3


def test_standby_and_unknown_events_are_ignored_politely(line, line_api, engine):
    standby = {**text_event("U5000", "ヘルプ"), "mode": "standby"}
    standby.pop("replyToken")
    unknown = {**text_event("U5001", "x"), "type": "somethingNew", "extra": {"a": 1}}
    unsend = {
        **text_event("U5002", "x"),
        "type": "unsend",
        "unsend": {"messageId": "325708"},
    }
    unsend.pop("message")
    unsend.pop("replyToken")
    new_message_kind = text_event("U5003", "x", reply_token="tok-new")
    new_message_kind["message"] = {"type": "hologram", "id": "9", "quoteToken": "q"}
    r = line.post(body_of(standby, unknown, unsend, new_message_kind))
    line.drain()
    assert r.status_code == 200
    assert list(replies_by_token(line_api)) == ["tok-new"]  # only the polite prompt
    assert "スタンプ" in replies_by_token(line_api)["tok-new"][0]["text"]


def test_sticker_gets_a_polite_prompt(line, line_api):
    line.send(sticker_event("U5100", reply_token="tok-sticker"))
    assert "スタンプ" in replies_by_token(line_api)["tok-sticker"][0]["text"]


def test_unfollow_marks_the_account_blocked_and_follow_reactivates(line, line_api, engine):
    line.send(follow_event("U6000"))
    line.send(unfollow_event("U6000"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT blocked FROM channel_account").scalar_one()
    line.send(follow_event("U6000"))
    with engine.connect() as conn:
        assert not conn.exec_driver_sql("SELECT blocked FROM channel_account").scalar_one()


def test_expired_reply_token_falls_back_to_push(line, line_api):
    line.send(text_event("U7000", "ヘルプ", reply_token="expired-token"))
    assert len(line_api.calls("reply")) == 1
    pushes = line_api.calls("push")
    assert pushes and all(p.body["to"] == "U7000" for p in pushes)
    assert all(p.headers.get("x-line-retry-key") for p in pushes)
    assert "使い方" in pushes[0].body["messages"][0]["text"]


def test_datetime_picker_params_reach_the_handler_as_action_params(line, line_api):
    # An unknown action payload with params still gets the "button no longer works" answer,
    # proving postback + params are parsed; the params themselves are checked in inbound tests.
    line.send(
        postback_event(
            "U7100", "k1:zz:1", params={"datetime": "2026-12-01T10:00"}, reply_token="tok-dt"
        )
    )
    assert "ボタン" in replies_by_token(line_api)["tok-dt"][0]["text"]


def test_the_webhook_answers_before_the_handler_finishes(line, line_api, engine):
    """Structural check of the 2-second rule: the 200 leaves while the turn is still blocked."""
    release = threading.Event()
    entered = threading.Event()
    dispatcher = line.runtime.dispatcher
    original = dispatcher.process

    def blocked(event):
        entered.set()
        assert release.wait(30), "test never released the handler"
        return original(event)

    dispatcher.process = blocked
    try:
        r = line.post(body_of(text_event("U8000", "ヘルプ", reply_token="tok-slow")))
        assert r.status_code == 200
        assert count(engine, "processed_event") == 0  # nothing handled yet
        assert line_api.calls("reply") == []
        assert entered.wait(30)
        assert count(engine, "inbox_event") == 1  # stored durably; handled in the background
    finally:
        release.set()
    line.drain()
    assert count(engine, "processed_event") == 1
    assert count(engine, "inbox_event") == 0  # deleted once handled
    assert "tok-slow" in replies_by_token(line_api)


def test_web_process_only_stores_and_a_worker_answers(line_settings, engine, clock, line_api):
    """KYODO_PROCESS_EVENTS=false: the web process answers 200 once the event is stored; a
    separate `kyodo worker` runtime handles it later and still uses the reply token."""
    web_settings = line_settings.model_copy(update={"process_events": False})
    web = create_app(web_settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)
    body = body_of(text_event("U9100", "ヘルプ", reply_token="tok-worker"))
    with TestClient(web) as client:
        r = client.post(
            "/line/webhook",
            content=body,
            headers={"X-Line-Signature": sign(body), "Content-Type": "application/json"},
        )
    assert r.status_code == 200
    assert count(engine, "inbox_event") == 1
    assert count(engine, "processed_event") == 0
    assert line_api.calls("reply") == []

    async def worker() -> int:
        runtime = build_runtime(line_settings, engine=engine, clock=clock)
        await line_channel.start(runtime)
        try:
            return await runtime.inbox.drain()
        finally:
            await line_channel.stop(runtime)

    assert asyncio.run(worker()) == 1
    assert count(engine, "inbox_event") == 0
    assert "tok-worker" in replies_by_token(line_api)


def test_follow_without_the_follow_object_is_a_follow(line, line_api, engine):
    line_api.profiles["U2001"] = "ゆい"
    event = follow_event("U2001", reply_token="tok-bare-follow")
    event.pop("follow")  # the shape of line-bot-sdk-java's follow.json
    payload = json.dumps({"destination": "Ubot", "events": [event]}).encode()
    assert line.post(payload).status_code == 200
    line.drain()
    sent = replies_by_token(line_api)["tok-bare-follow"]
    assert "ともだち追加" in sent[0]["text"]
    assert count(engine, "person") == 1


def test_a_replayed_body_older_than_the_replay_window_changes_nothing(line, line_api, engine):
    from storage.inbox import PROCESSED_EVENT_RETENTION, replay_cutoff

    now = line.runtime.clock.now()
    old = follow_event("U2002")
    old["timestamp"] = int((replay_cutoff(now).timestamp() - 60) * 1000)
    fresh = follow_event("U2003")
    fresh["timestamp"] = int((now - PROCESSED_EVENT_RETENTION / 2).timestamp() * 1000)
    assert line.send(old).status_code == 200  # acknowledged, so LINE stops
    assert count(engine, "inbox_event") == 0
    assert count(engine, "processed_event") == 0
    assert count(engine, "person") == 0
    assert line_api.requests == []
    assert line.channel.replays_refused == 1

    line.send(fresh)  # inside the window: handled as usual
    assert count(engine, "person") == 1
    assert line.channel.replays_refused == 1


def test_a_profile_name_passes_through_the_same_sanitiser_as_typed_text(line, line_api, engine):
    line_api.profiles["U2004"] = "\u202eアリス\u200b<!channel>\x07 "
    line.send(follow_event("U2004"))
    with engine.connect() as conn:
        person = conn.exec_driver_sql("SELECT display_name FROM person").scalar_one()
        actor = conn.exec_driver_sql("SELECT name FROM actor").scalar_one()
    assert person == actor == "アリス<!channel>"  # markup is escaped where it is rendered


def test_a_profile_name_of_only_control_characters_gets_the_default_name(line, line_api, engine):
    line_api.profiles["U2005"] = "\u202e\u200f"
    line.send(follow_event("U2005"))
    with engine.connect() as conn:
        person = conn.exec_driver_sql("SELECT display_name FROM person").scalar_one()
    assert person and "\u202e" not in person


def test_in_one_body_old_standby_and_non_object_events_do_not_stop_the_rest(line, line_api, engine):
    """mutmut 2026-12-06: a ``break`` after the first too-old event and a non-object event
    crashing the body went unnoticed (standby is dropped again by ``to_event``)."""
    from storage.inbox import replay_cutoff

    now = line.runtime.clock.now()
    old = follow_event("U2102")
    old["timestamp"] = int((replay_cutoff(now).timestamp() - 60) * 1000)
    standby = {**follow_event("U2104"), "mode": "standby"}
    standby.pop("replyToken", None)
    body = json.dumps({"destination": "Ubot", "events": [old, "x", standby, follow_event("U2103")]})
    r = line.post(body.encode())
    line.drain()
    assert r.status_code == 200
    assert count(engine, "person") == 1  # only U2103
    assert all(req.body.get("to") != "U2104" for req in line_api.requests if req.body)
    assert line.channel.replays_refused == 1
