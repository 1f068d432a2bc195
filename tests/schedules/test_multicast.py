"""Multicast grouping: identical reminders for LINE recipients go out in calls of ≤500, and a
batch is re-sent whole with the same retry key after a takeover or a failure."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.replies import Text
from schedules.outbox import OutboxDispatcher
from storage.models import OutboxMessage, OutboxStatus
from tests.schedules.conftest import seed
from tests.support.line_http import StandInLineMessenger


def dispatcher(engine, clock, standin, name=None, **kw):
    return OutboxDispatcher(
        engine=engine,
        messengers={"line": StandInLineMessenger(standin.base_url, engine)},
        clock=clock,
        name=name,
        **kw,
    )


def statuses(engine) -> set:
    with Session(engine) as db:
        return set(db.exec(select(OutboxMessage.status)).all())


async def test_1200_identical_reminders_go_out_in_three_multicasts(engine, clock, standin):
    seeded = seed(engine, 1200, clock.now(), identical=True)
    await dispatcher(engine, clock, standin).drain()
    assert [c for c in standin.calls if c[0] == "multicast"] == [
        ("multicast", 500, 200),
        ("multicast", 500, 200),
        ("multicast", 200, 200),
    ]
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])
    assert statuses(engine) == {OutboxStatus.SENT}
    with Session(engine) as db:
        keys = set(db.exec(select(OutboxMessage.batch_key)).all())
    assert len(keys) == 3 and None not in keys
    assert set(standin.keys) == keys  # the batch key is the multicast's retry key


async def test_personal_reminders_are_pushed_one_by_one(engine, clock, standin):
    seed(engine, 5, clock.now(), identical=False)
    await dispatcher(engine, clock, standin).drain()
    assert [c[0] for c in standin.calls] == ["push"] * 5


async def test_takeover_resends_the_same_batch_with_the_same_key(engine, clock, standin):
    seeded = seed(engine, 600, clock.now(), identical=True)
    crashed = dispatcher(engine, clock, standin, name="crashed")
    claimed = crashed.claim(clock.now())  # batch keys are written in the claim transaction
    batches = {}
    for row in claimed:
        batches.setdefault(row.batch_key, []).append(row)
    assert [len(v) for v in batches.values()] == [500]  # one claim = at most 500 rows
    # the platform accepted the batch, then the process died before marking anything
    ((key, first),) = batches.items()
    messenger = crashed.messengers["line"]
    users = {r.person_id: f"U{r.person_id:06d}" for r in first}
    await messenger.multicast(list(users.values()), [Text(text="あすは 集いです")], retry_key=key)
    survivor = dispatcher(engine, clock, standin, name="survivor")
    assert await survivor.run_once() == 100  # the other rows, as a batch of their own
    assert await survivor.run_once() == 0  # leased: nobody else touches the batch
    clock.advance(timedelta(seconds=61))
    await survivor.drain()
    assert standin.requests[key] == 2 and standin.conflicts == 1  # same key → 409 → sent
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])
    assert statuses(engine) == {OutboxStatus.SENT}
    with Session(engine) as db:
        again = {r.id for r in db.exec(select(OutboxMessage).where(OutboxMessage.batch_key == key))}
    assert again == {r.id for r in first}  # the same recipients were re-claimed together


async def test_a_failed_multicast_is_retried_whole_with_the_same_key(engine, clock, standin):
    seeded = seed(engine, 3, clock.now(), identical=True)
    standin.fail(1)
    out = dispatcher(engine, clock, standin)
    await out.run_once()
    assert standin.calls == [("multicast", 3, 500)]
    assert statuses(engine) == {OutboxStatus.PENDING}
    clock.advance(timedelta(seconds=5))
    await out.drain()
    assert [c[2] for c in standin.calls] == [500, 200]
    assert len(standin.requests) == 1  # one key for both attempts
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])


async def test_a_reminder_whose_meeting_started_is_expired_not_sent(engine, clock, standin):
    now = clock.now()
    seed(
        engine,
        3,
        now,
        identical=True,
        due=now - timedelta(hours=2),
        starts=now - timedelta(minutes=1),
    )
    await dispatcher(engine, clock, standin).drain()
    assert standin.calls == []
    assert statuses(engine) == {OutboxStatus.EXPIRED}


async def test_blocked_recipients_are_left_out_of_the_batch(engine, clock, standin):
    from storage.db import session_scope
    from storage.models import ChannelAccount

    seeded = seed(engine, 4, clock.now(), identical=True)
    with session_scope(engine) as db:
        acc = db.exec(
            select(ChannelAccount).where(ChannelAccount.external_id == seeded["users"][0])
        ).one()
        acc.blocked = True
    await dispatcher(engine, clock, standin).drain()
    assert standin.calls == [("multicast", 3, 200)]
    assert seeded["users"][0] not in standin.accepted
    assert statuses(engine) == {OutboxStatus.SENT, OutboxStatus.SKIPPED}


async def test_a_failed_batch_does_not_hold_up_the_others_and_is_resent_alone(
    engine, clock, standin
):
    """Claims are pipelined with sends: a 5xx on one multicast leaves the other batches sent
    and marked when drain returns; the failed one goes again later with its own key."""
    seeded = seed(engine, 1200, clock.now(), identical=True)
    standin.fail(1)
    await dispatcher(engine, clock, standin).drain()
    assert sorted(c[2] for c in standin.calls) == [200, 200, 500]
    with Session(engine) as db:
        counts = {
            s: len(db.exec(select(OutboxMessage.id).where(OutboxMessage.status == s)).all())
            for s in (OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.SENDING)
        }
    assert counts[OutboxStatus.SENDING] == 0  # drain returned after every mark
    assert counts[OutboxStatus.PENDING] in (500, 200)  # the failed batch, whole
    clock.advance(timedelta(seconds=5))
    await dispatcher(engine, clock, standin).drain()
    assert statuses(engine) == {OutboxStatus.SENT}
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])
    assert len(standin.requests) == 3  # three batch keys, the failed one used twice


async def test_an_attendee_who_said_no_is_screened_out_of_a_big_meeting(engine, clock, standin):
    """Screening reads the answers of the claimed people only; it must still see each one."""
    from storage.db import session_scope
    from storage.models import Rsvp

    seeded = seed(engine, 700, clock.now(), identical=True)
    with session_scope(engine) as db:
        rsvp = db.exec(select(Rsvp).order_by(Rsvp.person_id.desc())).first()
        rsvp.answer = "no"  # the last one: in the second claim of 500
    await dispatcher(engine, clock, standin).drain()
    assert seeded["users"][-1] not in standin.accepted
    assert sum(len(v) for v in standin.accepted.values()) == 699
    assert statuses(engine) == {OutboxStatus.SENT, OutboxStatus.CANCELLED}
