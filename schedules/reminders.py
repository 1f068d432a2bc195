"""Reminder planning: which outbox rows a meeting or an RSVP change leaves behind.

Pure functions of (meeting, now) decide *when*; the write helpers put the rows into the
caller's session, so they commit (or roll back) together with the meeting or RSVP change.
A row's ``dedupe_key`` includes the meeting's start time (Decidim's checksum idea): after a
reschedule the old keys are cancelled and new ones written, so a stale reminder never goes out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from bot.core.replies import Reply, to_json
from storage.models import Meeting, OutboxMessage, OutboxStatus

REMINDER = "reminder"
RECORD_REQUEST = "meeting_record"

# The default: the day before at 10:00 (ward time) and one hour before.
DEFAULT_REMINDERS: list[dict[str, Any]] = [{"kind": "day_before", "at": "10:00"}, {"minutes": 60}]
RECORD_AT = time(10, 0)  # the organiser is asked the day after, at 10:00


@dataclass(frozen=True)
class Planned:
    offset: str  # stable code, part of the dedupe key: "d1@10:00", "m60"
    due_at: datetime


def offset_code(spec: dict[str, Any]) -> str | None:
    if spec.get("kind") == "day_before":
        return f"d1@{spec.get('at', '10:00')}"
    minutes = spec.get("minutes")
    if isinstance(minutes, int) and minutes > 0:
        return f"m{minutes}"
    return None


def due_time(spec: dict[str, Any], starts_at: datetime, tz: ZoneInfo) -> datetime | None:
    """When one reminder spec fires for a meeting starting at ``starts_at`` (aware UTC)."""
    if spec.get("kind") == "day_before":
        hour, _, minute = str(spec.get("at", "10:00")).partition(":")
        try:
            at = time(int(hour), int(minute or 0))
        except ValueError:
            return None
        day = starts_at.astimezone(tz).date() - timedelta(days=1)
        return datetime.combine(day, at, tzinfo=tz).astimezone(starts_at.tzinfo)
    minutes = spec.get("minutes")
    if isinstance(minutes, int) and minutes > 0:
        return starts_at - timedelta(minutes=minutes)
    return None


def plan(
    specs: Sequence[dict[str, Any]], starts_at: datetime, now: datetime, tz: ZoneInfo
) -> list[Planned]:
    """Reminders still ahead of ``now``; one already in the past is dropped, not sent late."""
    out: dict[str, Planned] = {}
    for spec in specs:
        code, due = offset_code(spec), due_time(spec, starts_at, tz)
        if code is None or due is None or due <= now or due >= starts_at:
            continue
        out.setdefault(code, Planned(code, due))
    return sorted(out.values(), key=lambda p: p.due_at)


def reminder_key(meeting_id: int, person_id: int, offset: str, starts_at: datetime) -> str:
    return f"reminder:{meeting_id}:{person_id}:{offset}:{starts_at.isoformat()}"


def record_due(meeting: Meeting, tz: ZoneInfo) -> datetime:
    """The day after the meeting ends (or starts), at 10:00 ward time."""
    end = (meeting.ends_at or meeting.starts_at).astimezone(tz)
    return datetime.combine(end.date() + timedelta(days=1), RECORD_AT, tzinfo=tz).astimezone(
        meeting.starts_at.tzinfo
    )


# ---------------------------------------------------------------- writing (caller's session)


def upsert(db: Session, row: OutboxMessage) -> OutboxMessage | None:
    """Insert a planned row; revive it if the same key was cancelled earlier (yes → no → yes).

    A row that was already sent, is being sent, or expired is left alone (never sent twice).
    """
    existing = db.exec(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == row.dedupe_key)
    ).first()
    if existing is None:
        db.add(row)
        db.flush()
        return row
    if existing.status == OutboxStatus.CANCELLED:
        existing.status = OutboxStatus.PENDING
        existing.retry_key = str(uuid.uuid4())  # never reuse a key LINE may have seen
        existing.batch_key = None
        existing.attempts = 0
        existing.first_attempt_at = None
        existing.claimed_by = None
        existing.lease_until = None
        existing.last_error = None
    if existing.status == OutboxStatus.PENDING:
        existing.payload = row.payload
        existing.due_at = row.due_at
        existing.expires_at = row.expires_at
        db.add(existing)
        return existing
    return None


def plan_person(
    db: Session,
    meeting: Meeting,
    person_id: int,
    now: datetime,
    tz: ZoneInfo,
    render: Callable[[Planned], Sequence[Reply]],
) -> list[OutboxMessage]:
    """Write this attendee's reminder rows (RSVP yes) for the meeting's current start."""
    specs = meeting.reminders if meeting.reminders is not None else DEFAULT_REMINDERS
    rows = []
    for p in plan(specs, meeting.starts_at, now, tz):
        row = upsert(
            db,
            OutboxMessage(
                audience="person",
                person_id=person_id,
                kind=REMINDER,
                meeting_id=meeting.id,
                payload=[to_json(r) for r in render(p)],
                dedupe_key=reminder_key(meeting.id, person_id, p.offset, meeting.starts_at),
                due_at=p.due_at,
                expires_at=meeting.starts_at,
            ),
        )
        if row is not None:
            rows.append(row)
    return rows


def cancel_pending(
    db: Session, meeting_id: int, person_id: int | None = None, kinds=(REMINDER,)
) -> int:
    """Cancel the meeting's (or one person's) reminder rows not yet handed to a dispatcher."""
    stmt = update(OutboxMessage).where(
        OutboxMessage.meeting_id == meeting_id,
        OutboxMessage.kind.in_(list(kinds)),
        OutboxMessage.status == OutboxStatus.PENDING,
    )
    if person_id is not None:
        stmt = stmt.where(OutboxMessage.person_id == person_id)
    result = db.execute(
        stmt.values(status=OutboxStatus.CANCELLED, lease_until=None).execution_options(
            synchronize_session=False
        )
    )
    return result.rowcount


def plan_record_request(
    db: Session, meeting: Meeting, tz: ZoneInfo, replies: Sequence[Reply]
) -> OutboxMessage | None:
    """Ask the organiser for notes and results the day after the meeting."""
    return upsert(
        db,
        OutboxMessage(
            audience="person",
            person_id=meeting.created_by,
            kind=RECORD_REQUEST,
            meeting_id=meeting.id,
            payload=[to_json(r) for r in replies],
            dedupe_key=f"record:{meeting.id}:{meeting.starts_at.isoformat()}",
            due_at=record_due(meeting, tz),
        ),
    )
