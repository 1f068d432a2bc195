"""What the dispatcher hands to the platform and records (issue 22: the 2026-12-06 mutmut run of
schedules/outbox.py found these unpinned): a push carries the row's own retry key, a staff post
goes into its thread and is marked sent once, an unreachable person's row says why, and a batch
member who blocked the bot between a failed multicast and its retry is skipped, not re-sent."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from bot.core.ports import DeliveryStatus
from bot.core.replies import Text
from schedules.outbox import OutboxDispatcher
from storage.db import session_scope
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus
from tests.schedules.conftest import seed
from tests.support.conversation import Conversation
from tests.support.messengers import RecordingMessenger
from tests.test_outbox import queue_notice, queue_staff

from .test_multicast import dispatcher


def _rows(engine) -> list[OutboxMessage]:
    with Session(engine) as db:
        return list(db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


async def test_a_push_carries_the_rows_own_retry_key(runtime, engine, messenger):
    queue_notice(runtime, engine)
    (row,) = _rows(engine)
    await runtime.outbox.drain()
    assert messenger.retry_keys == [row.retry_key]


async def test_a_staff_post_goes_into_its_thread_and_is_marked_sent_once(
    runtime, engine, messenger, clock
):
    queue_staff(engine, clock.now(), "参加がありました")
    assert await runtime.outbox.drain() == 1
    assert [key for key, _ in messenger.staff_posts] == ["initiative:1"]
    (row,) = _rows(engine)
    assert row.status == OutboxStatus.SENT
    clock.advance(timedelta(minutes=5))
    assert await runtime.outbox.drain() == 0
    assert len(messenger.staff_posts) == 1


async def test_a_row_for_someone_unreachable_is_skipped_with_the_reason(runtime, engine, messenger):
    queue_notice(runtime, engine)
    Conversation(runtime, user="U-to").unfollow()
    await runtime.outbox.drain()
    (row,) = _rows(engine)
    assert (row.status, row.last_error) == (OutboxStatus.SKIPPED, "no reachable account")


@pytest.mark.parametrize("blocking", [1, 2])
async def test_batch_members_who_blocked_before_the_retry_are_skipped_not_resent(
    engine, clock, standin, blocking
):
    seeded = seed(engine, 3, clock.now(), identical=True)
    standin.fail(1)
    out = dispatcher(engine, clock, standin)
    await out.run_once()
    assert standin.calls == [("multicast", 3, 500)]
    gone, staying = seeded["users"][:blocking], seeded["users"][blocking:]
    with session_scope(engine) as db:
        for acc in db.exec(select(ChannelAccount).where(col(ChannelAccount.external_id).in_(gone))):
            acc.blocked = True
    clock.advance(timedelta(seconds=5))
    await out.drain()
    assert standin.calls[1:] == [("multicast", len(staying), 200)]
    assert all(u not in standin.accepted for u in gone)
    assert all(len(standin.accepted[u]) == 1 for u in staying)
    by_user = {f"U{r.person_id:06d}": r for r in _rows(engine)}
    for u in gone:
        assert (by_user[u].status, by_user[u].last_error, by_user[u].lease_until) == (
            OutboxStatus.SKIPPED,
            "no reachable account",
            None,
        )
    assert {by_user[u].status for u in staying} == {OutboxStatus.SENT}
    clock.advance(timedelta(minutes=5))
    await out.drain()
    assert len(standin.calls) == 2  # nothing left to send


async def test_a_batch_retried_where_line_cannot_multicast_is_pushed_with_row_keys(
    engine, clock, standin
):
    """The channel was reconfigured between the failed multicast and its retry."""
    seeded = seed(engine, 3, clock.now(), identical=True)
    standin.fail(1)
    await dispatcher(engine, clock, standin).run_once()
    pusher = RecordingMessenger(channel="line")
    clock.advance(timedelta(seconds=5))
    await OutboxDispatcher(engine=engine, messengers={"line": pusher}, clock=clock).drain()
    assert sorted(pusher.pushes) == sorted(seeded["users"])
    rows = _rows(engine)
    assert sorted(pusher.retry_keys) == sorted(r.retry_key for r in rows)
    assert {r.status for r in rows} == {OutboxStatus.SENT}


async def test_the_next_wake_up_is_the_earliest_pending_due_time_or_lease_end(
    runtime, engine, clock
):
    now = clock.now()
    out = runtime.outbox
    assert out.next_due() is None
    queue_notice(runtime, engine)  # due now: claimed below by a dispatcher that then dies
    crashed = OutboxDispatcher(
        engine=engine, messengers=runtime.messengers, clock=clock, name="crashed"
    )
    assert len(crashed.claim(now)) == 1
    with session_scope(engine) as db:
        person_id = db.exec(select(ChannelAccount.person_id)).one()
        db.add_all(
            [
                OutboxMessage(person_id=person_id, payload=[], due_at=now + timedelta(minutes=10)),
                OutboxMessage(
                    person_id=person_id,
                    payload=[],
                    due_at=now - timedelta(hours=1),
                    status=OutboxStatus.SENT,
                    lease_until=now - timedelta(hours=1),
                ),
            ]
        )
    assert out.next_due() == now + crashed.lease  # the crashed claim's lease ends first
    clock.advance(crashed.lease + timedelta(seconds=1))
    assert await out.drain() == 1  # taken over and sent
    assert out.next_due() == now + timedelta(minutes=10)


async def test_the_loop_sends_rows_written_elsewhere_without_a_wake_up(runtime, engine, messenger):
    """Another process (``kyodo worker``, a job) commits a row and cannot wake this loop."""
    stop = asyncio.Event()
    loop = asyncio.create_task(runtime.outbox.run_forever(stop))
    try:
        await asyncio.sleep(0.2)  # idle: nothing due, sleeping at most MAX_SLEEP
        queue_notice(runtime, engine)  # no wake()
        for _ in range(40):
            if messenger.pushes:
                break
            await asyncio.sleep(0.1)
        assert messenger.pushes["U-to"] == [Text(text="お知らせ")]
    finally:
        stop.set()
        await asyncio.wait_for(loop, 5)


async def test_retries_give_up_a_day_after_the_first_attempt_not_after_the_last(
    runtime, engine, messenger, clock
):
    """LINE honours a retry key for 24 h: the lifetime counts from the first attempt."""
    queue_notice(runtime, engine)
    messenger.script = [DeliveryStatus.RETRY] * 5
    (row,) = _rows(engine)
    start = clock.now()
    for _ in range(4):  # attempts at 0 h, 6 h, 12 h, 18 h
        await runtime.outbox.drain()
        (row,) = _rows(engine)
        assert row.status == OutboxStatus.PENDING
        assert row.first_attempt_at == start
        clock.advance(timedelta(hours=6))
    await runtime.outbox.drain()  # 24 h after the first attempt: the key has run out
    (row,) = _rows(engine)
    assert row.status == OutboxStatus.DEAD
    assert len(messenger.retry_keys) == 5


async def test_the_loop_sends_a_row_that_falls_due_while_it_sleeps(
    runtime, engine, messenger, clock
):
    queue_notice(runtime, engine)
    with session_scope(engine) as db:
        (row,) = db.exec(select(OutboxMessage)).all()
        row.due_at = clock.now() + timedelta(minutes=10)
    stop = asyncio.Event()
    loop = asyncio.create_task(runtime.outbox.run_forever(stop))
    try:
        await asyncio.sleep(0.2)  # sleeping until the row is due (at most MAX_SLEEP)
        assert messenger.pushes == {}
        clock.advance(timedelta(minutes=10))
        for _ in range(40):
            if messenger.pushes:
                break
            await asyncio.sleep(0.1)
        assert messenger.pushes["U-to"] == [Text(text="お知らせ")]
    finally:
        stop.set()
        await asyncio.wait_for(loop, 5)
