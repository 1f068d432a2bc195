"""The outbox: a notification written in a turn is pushed once, retried with the same key."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.core.ports import DeliveryStatus
from bot.core.replies import Text
from schedules.outbox import OutboxDispatcher
from storage.db import session_scope
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus
from tests.support.conversation import Conversation


def queue_notice(runtime, engine, *, expires_in=None):
    c = Conversation(runtime, user="U-to")
    c.follow()
    with session_scope(engine) as db:
        person_id = db.exec(select(ChannelAccount.person_id)).one()
        now = runtime.clock.now()
        row = OutboxMessage(
            person_id=person_id,
            payload=[{"kind": "text", "text": "お知らせ"}],
            due_at=now,
            expires_at=now + expires_in if expires_in else None,
        )
        db.add(row)
    return row


async def test_a_due_notification_is_pushed_once(runtime, engine, messenger):
    queue_notice(runtime, engine)
    assert await runtime.outbox.drain() == 1
    assert await runtime.outbox.drain() == 0
    assert messenger.pushes["U-to"] == [Text(text="お知らせ")]
    with session_scope(engine) as db:
        assert db.exec(select(OutboxMessage)).one().status == OutboxStatus.SENT


async def test_a_failed_push_is_retried_later_with_the_same_retry_key(
    runtime, engine, messenger, clock
):
    queue_notice(runtime, engine)
    messenger.script = [DeliveryStatus.RETRY]
    await runtime.outbox.run_once()
    assert messenger.pushes == {}
    clock.advance(timedelta(seconds=5))
    await runtime.outbox.drain()
    assert messenger.pushes["U-to"] == [Text(text="お知らせ")]
    assert len(messenger.retry_keys) == 2 and len(set(messenger.retry_keys)) == 1


async def test_blocked_people_are_skipped(runtime, engine, messenger):
    row = queue_notice(runtime, engine)
    Conversation(runtime, user="U-to").unfollow()
    await runtime.outbox.drain()
    assert messenger.pushes == {}
    with session_scope(engine) as db:
        assert db.get(OutboxMessage, row.id).status == OutboxStatus.SKIPPED


async def test_an_expired_row_is_never_sent(runtime, engine, messenger, clock):
    row = queue_notice(runtime, engine, expires_in=timedelta(minutes=1))
    clock.advance(timedelta(minutes=2))
    await runtime.outbox.drain()
    assert messenger.pushes == {}
    with session_scope(engine) as db:
        assert db.get(OutboxMessage, row.id).status == OutboxStatus.EXPIRED


async def test_a_crashed_dispatchers_lease_is_taken_over(runtime, engine, messenger, clock):
    queue_notice(runtime, engine)
    crashed = OutboxDispatcher(
        engine=engine, messengers=runtime.messengers, clock=clock, name="crashed"
    )
    assert len(crashed.claim(clock.now())) == 1  # claimed, then the process died
    assert await runtime.outbox.drain() == 0  # leased: nobody else sends it
    clock.advance(timedelta(seconds=61))
    assert await runtime.outbox.drain() == 1
    assert messenger.pushes["U-to"] == [Text(text="お知らせ")]
