"""LineMessenger against the stand-in LINE API: retry keys, status mapping, quota, order."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration
from sqlmodel import Session, select

from bot.channels.line.messenger import LineMessenger, call_key
from bot.core.events import Address, Inbound
from bot.core.ports import DeliveryStatus, Messenger, Multicaster
from bot.core.replies import Carousel, Text
from bot.i18n import default_catalog
from schedules.outbox import OutboxDispatcher
from storage.models import ChannelAccount, KeyValue, OutboxMessage, OutboxStatus, Person
from tests.channels.line.test_render import card

MONTHLY = {"message": "You have reached your monthly limit."}
RATE = {"message": "The API rate limit has been exceeded. Try again later."}


@pytest.fixture
async def messenger(line_api, engine, clock):
    client = AsyncApiClient(Configuration(host=line_api.url, access_token="t"))
    m = LineMessenger(
        AsyncMessagingApi(client),
        engine=engine,
        clock=clock,
        catalog=default_catalog(),
        inline_retry_delays=(0, 0),
        timeout=5,
    )
    yield m
    await client.close()


def key() -> str:
    return str(uuid.uuid4())


async def test_implements_the_ports(messenger):
    assert isinstance(messenger, Messenger) and isinstance(messenger, Multicaster)
    assert messenger.max_recipients == 500


async def test_push_sends_the_rows_retry_key_and_reuses_it(messenger, line_api):
    k = key()
    assert (await messenger.push("U1", [Text(text="a")], retry_key=k)).status is DeliveryStatus.SENT
    again = await messenger.push("U1", [Text(text="a")], retry_key=k)
    assert again.status is DeliveryStatus.SENT  # LINE's 409: already accepted = delivered
    pushes = line_api.calls("push")
    assert [p.headers["x-line-retry-key"] for p in pushes] == [k, k]
    assert len(line_api.delivered()) == 1  # the person saw it once


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, {"message": "Internal error"}, DeliveryStatus.RETRY),
        (503, {}, DeliveryStatus.RETRY),
        (429, RATE, DeliveryStatus.RETRY),
        (429, MONTHLY, DeliveryStatus.QUOTA),
        (400, {"message": "The request body has 1 error(s)"}, DeliveryStatus.FAILED),
        (403, {"message": "not permitted"}, DeliveryStatus.FAILED),
    ],
)
async def test_push_status_mapping(messenger, line_api, status, body, expected):
    line_api.fail.append(("push", status, body))
    delivery = await messenger.push("U1", [Text(text="a")], retry_key=key())
    assert delivery.status is expected
    assert str(status) in (delivery.detail or "")


async def test_a_retry_after_a_5xx_uses_the_same_key_and_delivers_once(messenger, line_api):
    k = key()
    line_api.fail.append(("push", 500, {}))
    first = await messenger.push("U1", [Text(text="a")], retry_key=k)
    second = await messenger.push("U1", [Text(text="a")], retry_key=k)
    assert (first.status, second.status) == (DeliveryStatus.RETRY, DeliveryStatus.SENT)
    assert {p.headers["x-line-retry-key"] for p in line_api.calls("push")} == {k}
    assert len(line_api.delivered()) == 1


async def test_unreachable_api_is_retry_not_an_exception(engine, clock):
    client = AsyncApiClient(Configuration(host="http://127.0.0.1:9", access_token="t"))
    m = LineMessenger(
        AsyncMessagingApi(client), engine=engine, clock=clock, catalog=default_catalog()
    )
    try:
        delivery = await m.push("U1", [Text(text="a")], retry_key=key())
    finally:
        await client.close()
    assert delivery.status is DeliveryStatus.RETRY


async def test_more_than_five_messages_go_in_order_with_stable_derived_keys(messenger, line_api):
    k = key()
    replies = [Text(text=f"{i}") for i in range(12)]
    line_api.fail.append(("push", 500, {}))  # fails the very first call
    assert (await messenger.push("U1", replies, retry_key=k)).status is DeliveryStatus.RETRY
    line_api.fail.append(("push", 502, {}))  # now the 2nd call fails after the 1st went out
    assert (await messenger.push("U1", replies, retry_key=k)).status is DeliveryStatus.RETRY
    assert (await messenger.push("U1", replies, retry_key=k)).status is DeliveryStatus.SENT
    texts = [m["text"] for _to, m in line_api.delivered()]
    assert texts == [str(i) for i in range(12)]  # each once, in order
    keys = [p.headers["x-line-retry-key"] for p in line_api.calls("push")]
    assert set(keys) == {call_key(k, 0), call_key(k, 1), call_key(k, 2)}
    assert all(len(p.body["messages"]) <= 5 for p in line_api.calls("push"))


async def test_multicast_splits_at_500_recipients(messenger, line_api):
    ids = [f"U{i:05d}" for i in range(1203)]
    big = [Carousel(alt_text="r", cards=tuple(card(n) for n in range(3)))]
    delivery = await messenger.multicast(ids, big, retry_key=key())
    assert delivery.status is DeliveryStatus.SENT
    calls = line_api.calls("multicast")
    assert [len(c.body["to"]) for c in calls] == [500, 500, 203]
    assert len({c.headers["x-line-retry-key"] for c in calls}) == 3


async def test_quota_stops_pushes_and_alerts_staff_once(messenger, line_api, engine, clock):
    line_api.fail += [("push", 429, MONTHLY), ("push", 429, MONTHLY)]
    first = await messenger.push("U1", [Text(text="a")], retry_key=key())
    paused = await messenger.push("U2", [Text(text="b")], retry_key=key())
    assert first.status is paused.status is DeliveryStatus.QUOTA
    assert len(line_api.calls("push")) == 1  # paused: LINE is not asked again right away
    clock.advance(timedelta(minutes=30))
    again = await messenger.push("U3", [Text(text="c")], retry_key=key())
    assert again.status is DeliveryStatus.QUOTA
    with Session(engine) as db:
        alerts = db.exec(select(OutboxMessage).where(OutboxMessage.audience == "staff")).all()
        assert len(alerts) == 1
        assert "上限" in alerts[0].payload[0]["text"]
        assert db.get(KeyValue, "line.quota_alerted") is not None


async def test_reply_uses_the_token_once_then_pushes_the_rest(messenger, line_api):
    event = Inbound(address=Address(channel="line", user_id="U9"), event_id="e1", reply_handle="t1")
    await messenger.reply(event, [Text(text=str(i)) for i in range(7)])
    assert [len(r.body["messages"]) for r in line_api.calls("reply")] == [5]
    assert [len(p.body["messages"]) for p in line_api.calls("push")] == [2]
    assert "x-line-retry-key" not in line_api.calls("reply")[0].headers
    assert [m["text"] for _t, m in line_api.delivered()] == [str(i) for i in range(7)]


async def test_reply_without_token_pushes_to_the_group(messenger, line_api):
    address = Address(channel="line", user_id="U9", conversation_id="C77")
    await messenger.reply(Inbound(address=address, event_id="e2"), [Text(text="x")])
    assert line_api.calls("reply") == []
    assert line_api.calls("push")[0].body["to"] == "C77"


async def test_renderer_words_follow_the_persons_language(messenger, line_api, engine):
    with Session(engine) as db:
        person = Person(display_name="Ann", language="en")
        db.add(person)
        db.flush()
        db.add(ChannelAccount(person_id=person.id, channel="line", external_id="U-en"))
        db.commit()
    more = Carousel(alt_text="r", cards=(card(1),), more=card(1).buttons[0])
    await messenger.push("U-en", [more], retry_key=key())
    assert "Tap the button below" in str(line_api.calls("push")[0].body)


async def test_outbox_rows_go_out_through_line_with_their_retry_key(
    messenger, line_api, engine, clock
):
    with Session(engine) as db:
        person = Person(display_name="さくら", language="ja")
        db.add(person)
        db.flush()
        db.add(ChannelAccount(person_id=person.id, channel="line", external_id="U-out"))
        row = OutboxMessage(
            person_id=person.id,
            payload=[{"kind": "text", "text": "リマインダー"}],
            due_at=clock.now(),
        )
        db.add(row)
        db.commit()
        row_key = row.retry_key
    outbox = OutboxDispatcher(engine=engine, messengers={"line": messenger}, clock=clock)
    line_api.fail.append(("push", 500, {}))
    await outbox.drain()
    clock.advance(timedelta(minutes=5))
    await outbox.drain()
    keys = [p.headers["x-line-retry-key"] for p in line_api.calls("push")]
    assert keys == [row_key, row_key]
    with Session(engine) as db:
        assert db.exec(select(OutboxMessage)).one().status == OutboxStatus.SENT
