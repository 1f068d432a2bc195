"""The simulator as a channel, through the FastAPI app: page, send, live events, clock, personas."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.app import create_app
from bot.channels.simulator.hub import Hub
from bot.channels.simulator.web import parse_advance
from bot.clock import FixedClock, SystemClock
from bot.core.actions import pack
from bot.core.replies import Card, Text
from bot.settings import Settings
from handlers.common import Menu
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus, Person
from storage.personas import load_personas
from tests.conftest import START, count
from tests.support.server import serve

PERSONAS = load_personas()


def hub_of(client) -> Hub:
    return client.app.state.runtime.simulator_hub


def person(engine, key: str) -> Person:
    with Session(engine) as db:
        account = db.exec(
            select(ChannelAccount).where(
                ChannelAccount.channel == "simulator", ChannelAccount.external_id == key
            )
        ).one()
        return db.get(Person, account.person_id)


def texts(entries) -> str:
    return "\n".join(
        (e.text or "") + "".join(r.get("text", "") for r in e.replies) for e in entries
    )


# ---------------------------------------------------------------- page and personas


def test_page_assets_and_config(client):
    page = client.get("/simulator")
    assert page.status_code == 200
    assert 'id="phone"' in page.text and 'id="slack"' in page.text
    assert '<html lang="ja">' in page.text
    for name in ("simulator.js", "simulator.css", "i18n.json"):
        assert client.get(f"/simulator/static/{name}").status_code == 200
    assert client.get("/simulator/static/..%2Fweb.py").status_code == 404
    assert client.get("/simulator/static/web.py").status_code == 404
    config = client.get("/simulator/config").json()
    keys = {p["key"] for p in config["personas"]}
    assert {"tanaka", "sato", "suzuki", "yamamoto"} <= keys
    assert [m["label"]["ja"] for m in config["menu"]] == [
        "取組をさがす",
        "取組を投稿",
        "アイデア募集",
        "参加予定",
        "マイページ",
        "ヘルプ",
    ]
    assert config["menu"][-1]["data"] == pack(Menu("help"))
    assert config["clock"]["now"] == START.isoformat()


def test_every_persona_is_a_person_created_once(app, engine):
    with TestClient(app):
        pass
    with TestClient(app):  # a restart creates nobody new
        pass
    assert count(engine, "channel_account") == len(PERSONAS)
    assert count(engine, "person") == len(PERSONAS)
    assert person(engine, "yamamoto").is_staff
    assert not person(engine, "tanaka").is_staff
    assert person(engine, "tanaka").display_name == PERSONAS["tanaka"].name
    assert person(engine, "nguyen").language == "en"


# ---------------------------------------------------------------- send


def test_a_rich_menu_tap_is_a_real_dispatcher_turn(client, engine):
    r = client.post(
        "/simulator/send",
        json={"persona": "tanaka", "kind": "action", "data": pack(Menu("help")), "label": "ヘルプ"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] and body["event_id"].startswith("sim-")
    assert "使い方" in body["replies"][0]["text"]
    feed = list(hub_of(client).feeds["tanaka"])
    assert [(e.role, e.text) for e in feed] == [("user", "ヘルプ"), ("bot", None)]
    assert "使い方" in feed[1].replies[0]["text"]
    assert count(engine, "processed_event") == 1


def test_text_command_follow_and_form_become_neutral_events(client):
    say = client.post("/simulator/send", json={"persona": "suzuki", "kind": "text", "text": "help"})
    assert "使い方" in say.json()["replies"][0]["text"]
    cmd = client.post(
        "/simulator/send", json={"persona": "yamamoto", "kind": "command", "name": "help"}
    )
    assert "使い方" in cmd.json()["replies"][0]["text"]
    assert hub_of(client).feeds["yamamoto"][0].text == "/kyodo help"
    follow = client.post("/simulator/send", json={"persona": "sato", "kind": "follow"})
    assert "ともだち追加" in follow.json()["replies"][0]["text"]
    form = client.post(
        "/simulator/send",
        json={"persona": "yamamoto", "kind": "form", "data": "k1:zz:1", "values": {"a": "b"}},
    )
    assert form.status_code == 200  # an unknown form action gets the polite bad-action answer
    assert "ボタン" in form.json()["replies"][0]["text"]


def test_the_dashboard_from_the_home_tab_is_kept_apart_from_the_dm(client):
    r = client.post(
        "/simulator/send",
        json={"persona": "yamamoto", "kind": "command", "name": "dashboard", "surface": "home"},
    )
    assert r.status_code == 200
    hub = hub_of(client)
    assert "yamamoto" in hub.homes
    assert not hub.feeds.get("yamamoto")


def test_staff_status_comes_from_the_persona_never_from_the_request(client, engine):
    r = client.post(
        "/simulator/send",
        json={"persona": "tanaka", "kind": "text", "text": "help", "staff": True},
    )
    assert r.status_code == 200
    assert not person(engine, "tanaka").is_staff


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"persona": "nobody", "kind": "text", "text": "hi"}, 404),
        ({"persona": "tanaka", "kind": "shout", "text": "hi"}, 422),
        ({"persona": "tanaka", "kind": "text"}, 422),
        ({"persona": "tanaka", "kind": "text", "text": "   "}, 422),
        ({"persona": "tanaka", "kind": "action"}, 422),
        ({"persona": "tanaka", "kind": "action", "data": "x" * 301}, 422),
        ({"persona": "tanaka", "kind": "command", "name": "../etc"}, 422),
        ({"persona": "tanaka", "kind": "text", "text": "x" * 5001}, 422),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, engine, body, status):
    r = client.post("/simulator/send", json=body)
    assert r.status_code == status
    assert "Traceback" not in r.text
    assert count(engine, "processed_event") == 0
    assert not hub_of(client).feeds


def test_bad_json_and_oversize_bodies(client, engine):
    r = client.post(
        "/simulator/send", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    big = json.dumps({"persona": "tanaka", "kind": "text", "text": "x" * (3 * 1024 * 1024)})
    r = client.post(
        "/simulator/send", content=big.encode(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert count(engine, "processed_event") == 0


# ---------------------------------------------------------------- clock


def queue_push(engine, key: str, *, due_in: timedelta, text: str) -> None:
    with Session(engine) as db:
        db.add(
            OutboxMessage(
                person_id=person(engine, key).id,
                kind="reminder",
                payload=[{"kind": "text", "text": text}],
                due_at=START + due_in,
            )
        )
        db.commit()


def test_the_clock_moves_forward_and_delivers_what_became_due(client, engine, clock):
    queue_push(engine, "tanaka", due_in=timedelta(hours=47), text="あさっては説明会です")
    queue_push(engine, "tanaka", due_in=timedelta(days=5), text="まだ先")
    r = client.post("/simulator/clock", json={"advance": "PT48H"})
    assert r.status_code == 200
    assert r.json()["delivered"] == 1
    assert clock.now() == START + timedelta(hours=48)
    assert r.json()["now"] == (START + timedelta(hours=48)).isoformat()
    feed = list(hub_of(client).feeds["tanaka"])
    assert len(feed) == 1 and feed[0].push
    assert feed[0].replies == [{"kind": "text", "text": "あさっては説明会です"}]
    assert client.post("/simulator/clock", json={"advance": "+1h"}).json()["delivered"] == 0
    with Session(engine) as db:
        statuses = sorted(m.status for m in db.exec(select(OutboxMessage)).all())
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.SENT]
    assert client.get("/simulator/clock").json()["local"] == "2026-11-26 11:00"


@pytest.mark.parametrize("advance", ["-1d", "PT0H", "soon", "P999D", ""])
def test_the_clock_refuses_nonsense(client, clock, advance):
    r = client.post("/simulator/clock", json={"advance": advance})
    assert r.status_code == 422
    assert clock.now() == START


def test_parse_advance():
    assert parse_advance("PT48H") == timedelta(hours=48)
    assert parse_advance("P1DT2H30M") == timedelta(days=1, hours=2, minutes=30)
    assert parse_advance("+2d") == timedelta(days=2)
    assert parse_advance("90m") == timedelta(minutes=90)
    assert parse_advance("1w") == timedelta(weeks=1)
    with pytest.raises(ValueError):
        parse_advance("P")


def test_a_clock_that_cannot_move_says_so(settings, engine):
    app = create_app(
        settings, engine=engine, clock=SystemClock(), run_scheduler=False, migrate=False
    )
    with TestClient(app) as c:
        r = c.post("/simulator/clock", json={"advance": "+1d"})
    assert r.status_code == 409


# ---------------------------------------------------------------- production


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/simulator"),
        ("GET", "/simulator/config"),
        ("GET", "/simulator/static/simulator.js"),
        ("GET", "/simulator/events?persona=tanaka"),
        ("POST", "/simulator/send"),
        ("POST", "/simulator/clock"),
        ("GET", "/simulator/clock"),
    ],
)
def test_production_has_no_simulator_unless_asked(engine, clock, method, path):
    settings = Settings(
        DATABASE_URL="sqlite://",
        KYODO_ENV="production",
        KYODO_RUN_SCHEDULER=False,
        KYODO_SECRET_KEY="test-production-key-" + "x" * 32,  # production requires one
        _env_file=None,
    )
    app = create_app(settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)
    body = {"persona": "tanaka", "kind": "text", "text": "hi", "advance": "+2d"}
    with TestClient(app) as c:
        r = c.request(method, path, json=body if method == "POST" else None)
        assert r.status_code == 404
        assert "simulator" not in c.app.state.runtime.messengers
    assert count(engine, "person") == 0
    assert clock.now() == START


def test_production_with_kyodo_simulator_1_has_it(engine, clock):
    settings = Settings(
        DATABASE_URL="sqlite://",
        KYODO_ENV="production",
        KYODO_SIMULATOR="1",
        KYODO_RUN_SCHEDULER=False,
        KYODO_SECRET_KEY="test-production-key-" + "x" * 32,  # production requires one
        _env_file=None,
    )
    app = create_app(settings, engine=engine, clock=clock, run_scheduler=False, migrate=False)
    with TestClient(app) as c:
        assert c.get("/simulator").status_code == 200
        assert c.post("/simulator/clock", json={"advance": "+2d"}).status_code == 200
    assert clock.now() == START + timedelta(days=2)


# ---------------------------------------------------------------- live events (real server)


def read_events(lines, until: str) -> list[tuple[str, dict]]:
    """Parse server-sent events from a line iterator until one named ``until`` arrives."""
    events: list[tuple[str, dict]] = []
    name, data = None, []
    for line in lines:
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])
        elif line == "" and name:
            events.append((name, json.loads("\n".join(data))))
            if name == until:
                return events
            name, data = None, []
    raise AssertionError(f"stream ended before {until!r}: {events}")


def test_the_event_stream_sends_the_feed_then_live_entries(app, engine):
    with serve(app) as live, httpx.Client(base_url=live.url, timeout=20) as http:
        http.post("/simulator/send", json={"persona": "sato", "kind": "text", "text": "help"})
        with http.stream("GET", "/simulator/events", params={"persona": "sato"}) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            first = read_events(lines, until="ready")
            names = [n for n, _ in first]
            assert names == ["entry", "entry", "clock", "ready"]
            assert first[0][1]["text"] == "help" and first[0][1]["role"] == "user"
            assert "使い方" in first[1][1]["replies"][0]["text"]
            assert first[2][1]["now"] == START.isoformat()
            # a push from the outbox arrives on the open stream without a reload
            runtime = live.runtime
            hub = runtime.simulator_hub
            queue_push(engine, "sato", due_in=timedelta(), text="通知です")
            assert live.call(runtime.outbox.drain) == 1
            (name, entry), *_ = read_events(lines, until="entry")
            assert name == "entry" and entry["push"]
            assert entry["replies"] == [{"kind": "text", "text": "通知です"}]
            assert len(hub.feeds["sato"]) == 3
        assert http.get("/simulator/events", params={"persona": "ghost"}).status_code == 404


def test_a_repeated_retry_key_is_shown_once(client):
    messenger = client.app.state.runtime.messengers["simulator"]
    import anyio

    async def twice():
        await messenger.push("suzuki", [Text(text="一回だけ")], retry_key="same")
        await messenger.push("suzuki", [Text(text="一回だけ")], retry_key="same")

    anyio.run(twice)
    assert len(hub_of(client).feeds["suzuki"]) == 1


# ---------------------------------------------------------------- staff channel threads


def test_staff_posts_thread_and_update_like_slack():
    hub = Hub(FixedClock(START))
    root = hub.post_staff([Card(title="新しい取組")], "initiative:1", False)
    reply = hub.post_staff([Text(text="参加がありました")], "initiative:1", False)
    edited = hub.post_staff([Card(title="新しい取組", badge="準備中")], "initiative:1", True)
    other = hub.post_staff([Text(text="別件")], None, False)
    assert reply.thread_of == root.seq
    assert edited is root and root.rev == 1 and root.replies[0]["badge"] == "準備中"
    assert other.thread_of is None
    assert [e.seq for e in hub.snapshot("yamamoto", staff=True)] == [
        root.seq,
        reply.seq,
        other.seq,
    ]
    assert hub.snapshot("tanaka", staff=False) == []


def test_an_ideas_card_inside_a_thread_is_edited_in_place():
    hub = Hub(FixedClock(START))
    root = hub.post_staff([Card(title="アイデア募集")], "idea_call:1", False)
    card = hub.post_staff([Card(title="アイデア #1", badge="受付")], "idea_call:1/idea:1", False)
    edited = hub.post_staff([Card(title="アイデア #1", badge="採用")], "idea_call:1/idea:1", True)
    root_again = hub.post_staff([Card(title="アイデア募集", badge="締切")], "idea_call:1", True)
    assert card.thread_of == root.seq and card.thread_key == "idea_call:1"
    assert edited is card and card.rev == 1 and card.replies[0]["badge"] == "採用"
    assert root_again is root and root.rev == 1
    assert len(hub.staff) == 2


def test_the_home_tab_is_refreshed_through_the_outbox_when_the_console_changes(
    client, engine, clock
):
    from storage import home
    from storage.models import Initiative

    r = client.post(
        "/simulator/send",
        json={"persona": "yamamoto", "kind": "command", "name": "console", "surface": "home"},
    )
    assert r.status_code == 200
    before = hub_of(client).homes["yamamoto"]
    assert "商店街の清掃" not in json.dumps(before.replies, ensure_ascii=False)
    staff = person(engine, "yamamoto")
    with Session(engine) as db:  # a change another turn made (a resident's new initiative)
        db.add(
            Initiative(
                actor_id=staff.actor_id,
                poster_id=staff.id,
                title="商店街の清掃",
                description="みんなで",
                category="machizukuri",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        assert home.queue_refresh(db, clock.now())
        db.commit()
    client.post("/simulator/clock", json={"advance": "+1m"})
    after = hub_of(client).homes["yamamoto"]
    assert after is not before
    assert "商店街の清掃" in json.dumps(after.replies, ensure_ascii=False)
