"""What the outbox refuses to send: a reminder for a meeting that was cancelled after its
reminders were queued, a reminder whose planned time had already passed when it was planned,
and a delivery the channel refused for good (marked dead, never tried again)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.ports import DeliveryStatus
from bot.core.replies import Text
from handlers.meetings import Answer
from storage.db import session_scope
from storage.models import ChannelAccount, Meeting, OutboxMessage, OutboxStatus
from tests.conftest import START
from tests.support.conversation import Conversation
from tests.support.meetings import initiative, person, rows, staff_create

MEETING = START + timedelta(days=3)


def _meeting(runtime, engine, start):
    staff, staff_id = person(runtime, "U-staff", staff=True)
    c, pid = person(runtime, "U-a")
    ini = initiative(engine, staff_id, [pid])
    mid = staff_create(staff, f"initiative:{ini}", start)
    return c, mid


async def test_a_reminder_for_a_meeting_cancelled_meanwhile_is_not_sent(
    runtime, engine, messenger, clock
):
    c, mid = _meeting(runtime, engine, MEETING)
    c.press(Answer(mid, "yes"))
    await runtime.outbox.drain()  # the invitation
    messenger.pushes.clear()
    assert len(rows(engine, kind="reminder", status=OutboxStatus.PENDING)) == 2
    # cancelled by another process whose reminder clean-up has not run: only the screen is left
    with session_scope(engine) as db:
        db.get(Meeting, mid).status = "cancelled"
    clock.advance(MEETING - clock.now() - timedelta(minutes=30))  # both reminders due
    await runtime.outbox.drain()
    assert messenger.pushes == {}
    assert {r.status for r in rows(engine, kind="reminder")} == {OutboxStatus.CANCELLED}


async def test_reminders_already_past_when_planned_are_dropped_not_sent_late(
    runtime, engine, messenger, clock
):
    start = clock.now() + timedelta(minutes=40)  # day-before and hour-before are both past
    c, mid = _meeting(runtime, engine, start)
    c.press(Answer(mid, "yes"))
    assert "受け付けました" in c.text, c.text
    await runtime.outbox.drain()
    assert rows(engine, kind="reminder") == []
    sent = [r for r in rows(engine, status=OutboxStatus.SENT) if r.kind == "reminder"]
    assert sent == []


async def test_a_permanent_failure_is_marked_dead_and_never_retried(
    runtime, engine, messenger, clock
):
    Conversation(runtime, user="U-to").follow()
    with session_scope(engine) as db:
        pid = db.exec(select(ChannelAccount.person_id)).one()
        db.add(
            OutboxMessage(
                person_id=pid, payload=[{"kind": "text", "text": "お知らせ"}], due_at=clock.now()
            )
        )
    messenger.script = [DeliveryStatus.FAILED]
    await runtime.outbox.drain()
    with Session(engine) as db:
        assert db.exec(select(OutboxMessage.status)).one() == OutboxStatus.DEAD
    for _ in range(3):
        clock.advance(timedelta(hours=2))
        await runtime.outbox.drain()
    assert len(messenger.retry_keys) == 1  # one attempt only
    assert messenger.pushes.get("U-to", []) == []
    assert Text(text="お知らせ") not in messenger.pushes.get("U-to", [])
