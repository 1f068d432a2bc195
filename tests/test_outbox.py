"""The outbox: a notification written in a turn is pushed once, retried with the same key."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.core.ports import DeliveryStatus
from bot.core.replies import Text
from schedules.outbox import OutboxDispatcher
from storage.db import session_scope
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus
from tests.support.conversation import Conversation
from tests.support.messengers import RecordingMessenger


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


class SlowFirstMessenger(RecordingMessenger):
    """Records when each send starts and ends; the first push (or staff post) is slow."""

    def __init__(self) -> None:
        super().__init__(channel="simulator")
        self.log: list[str] = []
        self.first_started = asyncio.Event()

    async def _slowly(self, what: str, first: bool) -> None:
        self.log.append(f"start {what}")
        if first:
            self.first_started.set()
            await asyncio.sleep(0.5)
        self.log.append(f"end {what}")

    async def push(self, external_id, replies, *, retry_key):
        await self._slowly(external_id, first=not self.first_started.is_set())
        return await super().push(external_id, replies, retry_key=retry_key)

    async def post_staff(self, replies, *, thread_key, update):
        await self._slowly(replies[0].text, first=not self.first_started.is_set())
        return await super().post_staff(replies, thread_key=thread_key, update=update)


def queue_staff(engine, now, text: str) -> None:
    with session_scope(engine) as db:
        db.add(
            OutboxMessage(
                audience="staff",
                thread_key="initiative:1",
                payload=[{"kind": "text", "text": text}],
                due_at=now,
            )
        )


class IdleWatchingDispatcher(OutboxDispatcher):
    """Signals when a claim finds nothing (sends may still be in flight)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.found_nothing = asyncio.Event()

    async def _claim_round(self):
        items, handled = await super()._claim_round()
        if handled == 0:
            self.found_nothing.set()
        return items, handled


async def test_a_notice_written_during_a_slow_send_goes_out_before_it_ends(runtime, engine, clock):
    """A slow LINE round trip must not hold back what falls due meanwhile (wake-up path)."""
    slow = SlowFirstMessenger()
    outbox = IdleWatchingDispatcher(engine=engine, messengers={"simulator": slow}, clock=clock)
    queue_notice(runtime, engine)  # to U-to: its push takes 0.5 s
    Conversation(runtime, user="U-next").follow()
    draining = asyncio.create_task(outbox.drain())
    await asyncio.wait_for(slow.first_started.wait(), 5)
    await asyncio.wait_for(outbox.found_nothing.wait(), 5)  # idle, U-to's push in flight
    with session_scope(engine) as db:  # a turn commits a notice meanwhile and wakes the outbox
        person_id = db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == "U-next")
        ).one()
        db.add(
            OutboxMessage(
                person_id=person_id, payload=[{"kind": "text", "text": "次"}], due_at=clock.now()
            )
        )
    outbox.wake()
    assert await asyncio.wait_for(draining, 5) == 2
    assert slow.log == ["start U-to", "start U-next", "end U-next", "end U-to"]


async def test_staff_posts_go_out_one_at_a_time_in_claim_order(runtime, engine, clock):
    """A thread's root is posted before its reply, even when the root's post is slow."""
    slow = SlowFirstMessenger()
    outbox = OutboxDispatcher(engine=engine, messengers={"simulator": slow}, clock=clock)
    queue_staff(engine, clock.now(), "あたらしい取組")
    queue_staff(engine, clock.now(), "参加がありました")
    assert await outbox.drain() == 2
    assert slow.log == [
        "start あたらしい取組",
        "end あたらしい取組",
        "start 参加がありました",
        "end 参加がありました",
    ]
