"""Four worker processes drain 2,000 due reminders: each is delivered exactly once.

The negative control runs the same four processes with a plain SELECT of due rows and no claim
(what N schedulers on one APScheduler 3 job store do): it must show duplicate sends, which
proves this test can see them. Runs on the configured test DB (PostgreSQL: SKIP LOCKED +
lease; SQLite: BEGIN IMMEDIATE single-writer claim).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from storage.models import OutboxMessage, OutboxStatus
from tests.schedules.conftest import seed, start_together

N = 2000
WORKERS = 4
TIMEOUT = 300


def test_four_workers_deliver_each_reminder_exactly_once(engine, database_url, standin):
    seeded = seed(engine, N, datetime.now(UTC), identical=False)
    procs = start_together(WORKERS, database_url, standin.base_url, "--batch", "50")
    assert [p.wait(TIMEOUT) for p in procs] == [0] * WORKERS
    assert sorted(len(standin.accepted[u]) for u in seeded["users"]) == [1] * N
    assert len(standin.requests) == N and set(standin.requests.values()) == {1}
    assert standin.conflicts == 0
    with Session(engine) as db:
        assert set(db.exec(select(OutboxMessage.status)).all()) == {OutboxStatus.SENT}
        workers = set(db.exec(select(OutboxMessage.claimed_by)).all())
    assert len(workers) > 1  # the work was really shared


def test_control_without_claiming_sends_duplicates(engine, database_url, standin):
    seed(engine, N, datetime.now(UTC), identical=False)
    procs = start_together(WORKERS, database_url, standin.base_url, "--batch", "500", "--no-claim")
    assert [p.wait(TIMEOUT) for p in procs] == [0] * WORKERS
    duplicated = [k for k, n in standin.requests.items() if n > 1]
    assert sum(standin.requests.values()) > N and duplicated
