"""Crash tests with real worker processes against the DB and the LINE stand-in.

A worker dies right after LINE accepted a push (before the row is marked sent): after the
lease runs out another worker re-sends with the same retry key, LINE answers 409, and the
person has seen the reminder exactly once. A service that was down across a due time still
sends reminders of meetings that have not started.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from storage.models import OutboxMessage, OutboxStatus
from tests.schedules.conftest import seed, worker

TIMEOUT = 120


def statuses(engine) -> list:
    with Session(engine) as db:
        return sorted(db.exec(select(OutboxMessage.status)).all())


def test_worker_killed_after_push_accepted_user_sees_it_once(engine, database_url, standin):
    seeded = seed(engine, 1, datetime.now(UTC), identical=False)
    (user,) = seeded["users"]
    crashing = worker(
        database_url, standin.base_url, "--lease", "1", env={"KYODO_TEST_CRASH_AFTER_ACCEPT": "1"}
    )
    assert crashing.wait(TIMEOUT) == 137
    assert len(standin.accepted[user]) == 1
    assert statuses(engine) == [OutboxStatus.SENDING]  # accepted, never marked
    restarted = worker(database_url, standin.base_url, "--lease", "1")
    assert restarted.wait(TIMEOUT) == 0
    assert len(standin.accepted[user]) == 1  # seen once
    assert standin.conflicts == 1 and list(standin.requests.values()) == [2]  # same key twice
    assert statuses(engine) == [OutboxStatus.SENT]


def test_worker_killed_after_multicast_accepted_batch_is_resent_with_same_key(
    engine, database_url, standin
):
    seeded = seed(engine, 30, datetime.now(UTC), identical=True)
    crashing = worker(
        database_url, standin.base_url, "--lease", "1", env={"KYODO_TEST_CRASH_AFTER_ACCEPT": "1"}
    )
    assert crashing.wait(TIMEOUT) == 137
    restarted = worker(database_url, standin.base_url, "--lease", "1")
    assert restarted.wait(TIMEOUT) == 0
    assert [c[0] for c in standin.calls] == ["multicast", "multicast"]
    assert [c[2] for c in standin.calls] == [200, 409]
    assert all(len(standin.accepted[u]) == 1 for u in seeded["users"])
    assert set(statuses(engine)) == {OutboxStatus.SENT}


def test_service_down_across_the_due_time_still_sends_before_the_start(
    engine, database_url, standin
):
    now = datetime.now(UTC)
    # due 10 minutes ago while nothing was running; the meeting starts in 50 minutes
    upcoming = seed(engine, 2, now, identical=False, due=now - timedelta(minutes=10))
    # and a meeting that already started: its reminder must not go out late
    started = seed(
        engine,
        1,
        now,
        identical=False,
        due=now - timedelta(hours=2),
        starts=now - timedelta(minutes=5),
    )
    restarted = worker(database_url, standin.base_url)
    assert restarted.wait(TIMEOUT) == 0
    assert all(len(standin.accepted[u]) == 1 for u in upcoming["users"])
    assert started["users"][0] not in standin.accepted
    assert statuses(engine) == sorted([OutboxStatus.SENT, OutboxStatus.SENT, OutboxStatus.EXPIRED])
