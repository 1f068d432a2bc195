"""Fixtures for delivery-engine tests: the LINE stand-in, many LINE recipients written in bulk,
and due reminder rows (a meeting in the future, so they are valid to send)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage.db import session_scope
from storage.models import ChannelAccount, Meeting, OutboxMessage, Person, Rsvp
from tests.support.line_standin import LineStandin

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def standin():
    with LineStandin() as s:
        yield s


def seed(engine, n: int, now: datetime, *, identical: bool, due=None, starts=None) -> dict:
    """n people on LINE, each with RSVP yes and one due reminder row. Returns ids by user."""
    due = due or now - timedelta(seconds=1)
    starts = starts or now + timedelta(hours=1)
    with session_scope(engine) as db:
        creator = Person(display_name="organiser")
        db.add(creator)
        db.flush()
        meeting = Meeting(title="集い", starts_at=starts, created_by=creator.id)
        db.add(meeting)
        db.flush()
        people = [Person(display_name=f"p{i}") for i in range(n)]
        db.add_all(people)
        db.flush()
        ids = [p.id for p in people]
        db.add_all(
            [
                ChannelAccount(person_id=pid, channel="line", external_id=f"U{pid:06d}")
                for pid in ids
            ]
        )
        db.add_all([Rsvp(meeting_id=meeting.id, person_id=pid, answer="yes") for pid in ids])
        db.add_all(
            [
                OutboxMessage(
                    person_id=pid,
                    kind="reminder",
                    meeting_id=meeting.id,
                    payload=[
                        {"kind": "text", "text": "あすは 集いです" if identical else f"p{pid} さん"}
                    ],
                    dedupe_key=f"reminder:{meeting.id}:{pid}:m60:{starts.isoformat()}",
                    due_at=due,
                    expires_at=starts,
                )
                for pid in ids
            ]
        )
        return {"meeting_id": meeting.id, "users": [f"U{pid:06d}" for pid in ids]}


def worker(database_url: str, standin_url: str, *args: str, env: dict | None = None):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.outbox_worker", database_url, standin_url, *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def start_together(n: int, database_url: str, standin_url: str, *args: str) -> list:
    start_at = str(time.time() + 2.0)  # imports done, then all begin at once
    return [
        worker(database_url, standin_url, *args, env={"KYODO_TEST_START_AT": start_at})
        for _ in range(n)
    ]
