"""What the outbox does with each platform answer (issue 22: mutation testing found these
outcomes unpinned): a quota stop waits an hour, retries back off and honour Retry-After, a
retry key past its lifetime gives up, a messenger that raises is retried, the platform's detail
is kept for review, and a staff post without a staff channel is skipped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, select

from bot.core.ports import Delivery, DeliveryStatus
from bot.core.replies import Reply, Text
from storage.db import session_scope
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus
from tests.support.conversation import Conversation


def _queue(runtime, engine, clock, *, audience: str = "person") -> int:
    Conversation(runtime, user="U-to").follow()
    with session_scope(engine) as db:
        pid = db.exec(select(ChannelAccount.person_id)).one()
        row = OutboxMessage(
            person_id=pid if audience == "person" else None,
            audience=audience,
            payload=[{"kind": "text", "text": "お知らせ"}],
            due_at=clock.now(),
        )
        db.add(row)
        db.flush()
        return row.id


def _row(engine, row_id: int) -> OutboxMessage:
    with Session(engine) as db:
        return db.get(OutboxMessage, row_id)


class Answering:
    """A channel stand-in that answers each push with the next scripted Delivery."""

    channel = "simulator"

    def __init__(self, *answers: Delivery | Exception):
        self.answers = list(answers)
        self.pushes: list[list[Reply]] = []

    async def reply(self, event, replies) -> None:
        pass

    async def push(self, external_id: str, replies: Sequence[Reply], *, retry_key: str):
        answer = self.answers.pop(0) if self.answers else Delivery(DeliveryStatus.SENT)
        if isinstance(answer, Exception):
            raise answer
        if answer.status is DeliveryStatus.SENT:
            self.pushes.append(list(replies))
        return answer


async def test_a_quota_stop_keeps_the_row_for_an_hour_later(runtime, engine, messenger, clock):
    row_id = _queue(runtime, engine, clock)
    messenger.script = [DeliveryStatus.QUOTA]
    start = clock.now()
    await runtime.outbox.drain()
    row = _row(engine, row_id)
    assert (row.status, row.due_at) == (OutboxStatus.PENDING, start + timedelta(hours=1))
    clock.advance(timedelta(minutes=59))
    await runtime.outbox.drain()
    assert messenger.pushes == {}
    clock.advance(timedelta(minutes=1))
    await runtime.outbox.drain()
    assert messenger.pushes["U-to"] == [Text(text="お知らせ")]


async def test_retries_back_off_one_two_four_seconds(runtime, engine, messenger, clock):
    row_id = _queue(runtime, engine, clock)
    messenger.script = [DeliveryStatus.RETRY] * 3
    waits = []
    for _ in range(3):
        now = clock.now()
        await runtime.outbox.run_once()
        row = _row(engine, row_id)
        assert row.status == OutboxStatus.PENDING
        waits.append(row.due_at - now)
        clock.advance(row.due_at - now)
    assert waits == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]


async def test_the_backoff_is_capped_at_five_minutes(runtime, engine, messenger, clock):
    row_id = _queue(runtime, engine, clock)
    with session_scope(engine) as db:
        db.get(OutboxMessage, row_id).attempts = 20
    messenger.script = [DeliveryStatus.RETRY]
    now = clock.now()
    await runtime.outbox.run_once()
    assert _row(engine, row_id).due_at - now == timedelta(seconds=300)


async def test_retry_after_from_the_platform_is_honoured(runtime, engine, clock):
    stand_in = Answering(Delivery(DeliveryStatus.RETRY, "429", retry_after=30))
    runtime.outbox.messengers = {"simulator": stand_in}
    row_id = _queue(runtime, engine, clock)
    now = clock.now()
    await runtime.outbox.run_once()
    row = _row(engine, row_id)
    assert (row.status, row.due_at, row.last_error) == (
        OutboxStatus.PENDING,
        now + timedelta(seconds=30),
        "429",
    )


async def test_a_retry_key_past_its_lifetime_gives_up(runtime, engine, messenger, clock):
    row_id = _queue(runtime, engine, clock)
    with session_scope(engine) as db:
        row = db.get(OutboxMessage, row_id)
        row.first_attempt_at = clock.now() - timedelta(hours=23, seconds=1)
    messenger.script = [DeliveryStatus.RETRY]
    await runtime.outbox.drain()
    assert _row(engine, row_id).status == OutboxStatus.DEAD


async def test_a_retry_key_within_its_lifetime_is_retried(runtime, engine, messenger, clock):
    row_id = _queue(runtime, engine, clock)
    with session_scope(engine) as db:
        row = db.get(OutboxMessage, row_id)
        row.first_attempt_at = clock.now() - timedelta(hours=22, minutes=59)
    messenger.script = [DeliveryStatus.RETRY]
    await runtime.outbox.run_once()
    assert _row(engine, row_id).status == OutboxStatus.PENDING


async def test_a_messenger_that_raises_is_retried_not_lost(runtime, engine, clock):
    stand_in = Answering(RuntimeError("bug"))
    runtime.outbox.messengers = {"simulator": stand_in}
    row_id = _queue(runtime, engine, clock)
    await runtime.outbox.run_once()
    row = _row(engine, row_id)
    assert (row.status, row.last_error) == (OutboxStatus.PENDING, "RuntimeError")
    clock.advance(timedelta(seconds=1))
    await runtime.outbox.drain()
    assert stand_in.pushes == [[Text(text="お知らせ")]]
    assert _row(engine, row_id).status == OutboxStatus.SENT


async def test_a_permanent_failure_keeps_the_platforms_detail(runtime, engine, clock):
    stand_in = Answering(Delivery(DeliveryStatus.FAILED, "400 invalid reply"))
    runtime.outbox.messengers = {"simulator": stand_in}
    row_id = _queue(runtime, engine, clock)
    await runtime.outbox.drain()
    row = _row(engine, row_id)
    assert (row.status, row.last_error, row.lease_until) == (
        OutboxStatus.DEAD,
        "400 invalid reply",
        None,
    )


async def test_a_sent_row_records_when(runtime, engine, messenger, clock):
    row_id = _queue(runtime, engine, clock)
    await runtime.outbox.drain()
    row = _row(engine, row_id)
    assert (row.status, row.sent_at, row.lease_until) == (OutboxStatus.SENT, clock.now(), None)


async def test_a_staff_post_without_a_staff_channel_is_skipped(runtime, engine, clock):
    stand_in = Answering()  # no post_staff: not a staff feed
    runtime.outbox.messengers = {"simulator": stand_in}
    row_id = _queue(runtime, engine, clock, audience="staff")
    await runtime.outbox.drain()
    row = _row(engine, row_id)
    assert (row.status, row.last_error) == (OutboxStatus.SKIPPED, "no staff channel configured")


async def test_a_person_on_two_channels_is_reached_on_the_preferred_one(runtime, engine, clock):
    """LINE before the simulator (channel_preference); a blocked LINE account falls back."""
    from tests.support.messengers import RecordingMessenger

    line, sim = RecordingMessenger(channel="line"), RecordingMessenger(channel="simulator")
    runtime.outbox.messengers = {"simulator": sim, "line": line}
    first = _queue(runtime, engine, clock)
    with session_scope(engine) as db:
        pid = db.exec(select(ChannelAccount.person_id)).one()
        db.add(ChannelAccount(person_id=pid, channel="line", external_id="U-line"))
    await runtime.outbox.drain()
    assert (list(line.pushes), list(sim.pushes)) == (["U-line"], [])
    with session_scope(engine) as db:
        account = db.exec(select(ChannelAccount).where(ChannelAccount.channel == "line")).one()
        account.blocked = True
        db.add(
            OutboxMessage(
                person_id=pid, payload=[{"kind": "text", "text": "2"}], due_at=clock.now()
            )
        )
    await runtime.outbox.drain()
    assert list(sim.pushes) == ["U-to"]
    assert _row(engine, first).status == OutboxStatus.SENT
