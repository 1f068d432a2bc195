"""Grouping and fencing in the outbox (issue 22: left alive by the 2026-12-06 mutmut run of
schedules/outbox.py): two identical reminders already make one multicast, batches follow the
channel's own recipient limit, a dispatcher whose claim was taken over cannot mark the row,
and a quota stop or a give-up keeps the platform's detail and releases the lease."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.core.ports import Delivery, DeliveryStatus
from schedules.outbox import OutboxDispatcher
from storage.db import session_scope
from storage.models import ChannelAccount, Meeting, OutboxMessage, OutboxStatus, Person
from tests.schedules.conftest import seed
from tests.schedules.test_delivery_outcomes import Answering
from tests.support.line_http import StandInLineMessenger
from tests.support.messengers import RecordingMessenger
from tests.test_outbox import queue_notice


def _rows(engine) -> list[OutboxMessage]:
    with Session(engine) as db:
        return list(db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


@pytest.mark.parametrize(
    ("people", "limit", "calls"),
    [
        (2, None, [("multicast", 2, 200)]),
        (5, 2, [("multicast", 2, 200), ("multicast", 2, 200), ("push", 1, 200)]),
        (3, 1, [("push", 1, 200)] * 3),
    ],
)
async def test_identical_reminders_are_batched_up_to_the_channels_limit(
    engine, clock, standin, people, limit, calls
):
    seeded = seed(engine, people, clock.now(), identical=True)
    line = StandInLineMessenger(standin.base_url, engine)
    if limit is not None:
        line.max_recipients = limit
    await OutboxDispatcher(engine=engine, messengers={"line": line}, clock=clock).drain()
    assert standin.calls == calls
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])
    assert {r.status for r in _rows(engine)} == {OutboxStatus.SENT}


@pytest.mark.parametrize("names", [("slow", "other"), (None, None)])
async def test_a_dispatcher_whose_claim_was_taken_over_cannot_mark_the_row(
    runtime, engine, clock, names
):
    """Unnamed dispatchers (``kyodo serve`` and ``kyodo worker``) get distinct names too."""
    queue_notice(runtime, engine)
    slow, other = (
        OutboxDispatcher(engine=engine, messengers=runtime.messengers, clock=clock, name=n)
        for n in names
    )
    (row,) = slow.claim(clock.now())
    clock.advance(slow.lease + timedelta(seconds=1))
    (taken,) = other.claim(clock.now())
    assert slow.finish(row, Delivery(DeliveryStatus.RETRY), clock.now()) is False
    (stored,) = _rows(engine)
    assert stored.status == OutboxStatus.SENDING
    assert stored.claimed_by == other.name != slow.name
    assert other.finish(taken, Delivery(DeliveryStatus.SENT), clock.now()) is True
    (stored,) = _rows(engine)
    assert stored.status == OutboxStatus.SENT


async def test_a_quota_stop_keeps_the_detail_and_releases_the_lease(runtime, engine, clock):
    queue_notice(runtime, engine)
    out = OutboxDispatcher(
        engine=engine,
        messengers={"simulator": Answering(Delivery(DeliveryStatus.QUOTA, "monthly limit"))},
        clock=clock,
    )
    await out.drain()
    (row,) = _rows(engine)
    assert (row.status, row.last_error, row.lease_until) == (
        OutboxStatus.PENDING,
        "monthly limit",
        None,
    )


async def test_giving_up_after_the_key_lifetime_keeps_the_detail_and_releases_the_lease(
    runtime, engine, clock
):
    queue_notice(runtime, engine)
    out = OutboxDispatcher(
        engine=engine,
        messengers={
            "simulator": Answering(
                Delivery(DeliveryStatus.RETRY, "timeout"), Delivery(DeliveryStatus.RETRY, "502")
            )
        },
        clock=clock,
    )
    await out.drain()
    clock.advance(timedelta(hours=23, minutes=1))
    await out.drain()
    (row,) = _rows(engine)
    assert (row.status, row.last_error, row.lease_until) == (OutboxStatus.DEAD, "502", None)


async def test_a_claim_takes_a_due_batch_whole_and_fills_the_rest_with_fresh_rows(
    runtime, engine, clock, standin
):
    seeded = seed(engine, 3, clock.now(), identical=True)
    standin.fail(1)
    line = StandInLineMessenger(standin.base_url, engine)
    out = OutboxDispatcher(engine=engine, messengers={"line": line}, clock=clock, batch=4)
    await out.run_once()  # the multicast fails: the batch of 3 is due again in a second
    clock.advance(timedelta(seconds=5))
    more = seed(engine, 3, clock.now(), identical=False)
    claimed = out.claim(clock.now())
    assert len(claimed) == 4  # the whole batch, then one fresh row: never more than `batch`
    assert sum(1 for r in claimed if r.batch_key) == 3
    clock.advance(out.lease + timedelta(seconds=1))
    await out.drain()
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"] + more["users"])


async def test_every_due_batch_is_retried_with_its_own_key(engine, clock, standin):
    seeded = seed(engine, 4, clock.now(), identical=True)
    standin.fail(2)
    line = StandInLineMessenger(standin.base_url, engine)
    line.max_recipients = 2
    out = OutboxDispatcher(engine=engine, messengers={"line": line}, clock=clock)
    await out.run_once()
    assert standin.calls == [("multicast", 2, 500), ("multicast", 2, 500)]
    keys = {r.batch_key for r in _rows(engine)}
    clock.advance(timedelta(seconds=5))
    await out.drain()  # one batch per claim (batch // 500): the second one in a later claim
    assert {r.batch_key for r in _rows(engine)} == keys
    assert set(standin.requests) == keys  # no new key: LINE can still tell a repeat
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])


async def test_the_oldest_due_rows_are_claimed_first(runtime, engine, clock, messenger):
    queue_notice(runtime, engine)
    now = clock.now()
    with Session(engine) as db:
        (first,) = db.exec(select(OutboxMessage)).all()
        person_id = first.person_id
        first.due_at = now - timedelta(minutes=1)
        db.add(first)
        for minutes, text in ((3, "いちばん古い"), (2, "二番目")):
            db.add(
                OutboxMessage(
                    person_id=person_id,
                    payload=[{"kind": "text", "text": text}],
                    due_at=now - timedelta(minutes=minutes),
                )
            )
        db.commit()
    out = OutboxDispatcher(engine=engine, messengers=runtime.messengers, clock=clock, batch=2)
    claimed = out.claim(now)
    assert [r.due_at for r in claimed] == [now - timedelta(minutes=3), now - timedelta(minutes=2)]


def _person_with(engine, now, accounts: list[tuple[str, str]], *, deleted: bool = False) -> int:
    with session_scope(engine) as db:
        person = Person(display_name="住民", deleted=deleted)
        db.add(person)
        db.flush()
        db.add_all(
            [ChannelAccount(person_id=person.id, channel=c, external_id=x) for c, x in accounts]
        )
        db.add(
            OutboxMessage(
                person_id=person.id, payload=[{"kind": "text", "text": "お知らせ"}], due_at=now
            )
        )
        return person.id


async def test_a_deleted_person_is_not_reached(engine, clock):
    _person_with(engine, clock.now(), [("simulator", "U-gone")], deleted=True)
    sim = RecordingMessenger()
    await OutboxDispatcher(engine=engine, messengers={"simulator": sim}, clock=clock).drain()
    assert sim.pushes == {}
    assert [r.status for r in _rows(engine)] == [OutboxStatus.SKIPPED]


async def test_the_preferred_configured_channel_is_used(engine, clock):
    """Preference line → slack → simulator, among the channels this process runs."""
    _person_with(engine, clock.now(), [("line", "U-line"), ("simulator", "U-sim")])
    _person_with(engine, clock.now(), [("simulator", "U-sim2"), ("slack", "U-slack")])
    sim, slack = RecordingMessenger(), RecordingMessenger(channel="slack")
    out = OutboxDispatcher(
        engine=engine, messengers={"simulator": sim, "slack": slack}, clock=clock
    )
    await out.drain()
    assert list(sim.pushes) == ["U-sim"]  # LINE is not configured here
    assert list(slack.pushes) == ["U-slack"]
    assert {r.status for r in _rows(engine)} == {OutboxStatus.SENT}


async def test_a_reminder_for_a_meeting_moved_meanwhile_is_not_sent(engine, clock, standin):
    """The move handler cancels old reminders; a claim racing it must not send them either."""
    seeded = seed(engine, 2, clock.now(), identical=True)
    with session_scope(engine) as db:
        meeting = db.get(Meeting, seeded["meeting_id"])
        meeting.starts_at = meeting.starts_at + timedelta(hours=2)
    line = StandInLineMessenger(standin.base_url, engine)
    await OutboxDispatcher(engine=engine, messengers={"line": line}, clock=clock).drain()
    assert standin.calls == []
    assert {r.status for r in _rows(engine)} == {OutboxStatus.CANCELLED}
