"""The meeting reminder rule in one place: when a reminder is due, which rows a meeting or an
RSVP change leaves behind, and whether a queued reminder still applies when it is sent.

What a reminder *says* is the caller's (handlers render it in the person's language); this
module gets it as a ready payload. A row's ``dedupe_key`` includes the meeting's start time
(Decidim's checksum idea): after a reschedule the old keys are cancelled and new ones
written, so a stale reminder never goes out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import outbox
from storage.models import Meeting, OutboxMessage, OutboxStatus

REMINDER = "reminder"
RECORD_REQUEST = "meeting_record"
MEETING_CANCELLED = "cancelled"  # Meeting.status
ATTENDING = "yes"  # Rsvp.answer of someone who should be reminded

# The default: the day before at 10:00 (ward time) and one hour before.
DEFAULT_REMINDERS: list[dict[str, Any]] = [{"kind": "day_before", "at": "10:00"}, {"minutes": 60}]
RECORD_AT = time(10, 0)  # the organiser is asked the day after, at 10:00

Payload = list[dict[str, Any]]


@dataclass(frozen=True)
class Planned:
    offset: str  # stable code, part of the dedupe key: "d1@10:00", "m60"
    due_at: datetime


# ---------------------------------------------------------------- when


def offset_code(spec: Mapping[str, Any]) -> str | None:
    if spec.get("kind") == "day_before":
        return f"d1@{spec.get('at', '10:00')}"
    minutes = spec.get("minutes")
    if isinstance(minutes, int) and minutes > 0:
        return f"m{minutes}"
    return None


def due_time(spec: Mapping[str, Any], starts_at: datetime, tz: ZoneInfo) -> datetime | None:
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
    specs: Sequence[Mapping[str, Any]], starts_at: datetime, now: datetime, tz: ZoneInfo
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


# ---------------------------------------------------------------- whether (at send time)


def still_applies(
    meeting: Meeting | None, answer: str | None, planned_for: datetime | None, now: datetime
) -> OutboxStatus | None:
    """None when a due reminder should still go out; else the status its row ends in.

    ``answer`` is the person's RSVP, ``planned_for`` the row's ``expires_at`` (the start time
    it was planned for)."""
    if meeting is None or meeting.status == MEETING_CANCELLED:
        return OutboxStatus.CANCELLED
    if now >= meeting.starts_at:
        return OutboxStatus.EXPIRED
    if planned_for is not None and planned_for != meeting.starts_at:
        return OutboxStatus.CANCELLED  # planned for an old start time
    if answer != ATTENDING:
        return OutboxStatus.CANCELLED
    return None


# ---------------------------------------------------------------- writing (caller's session)


def plan_person(
    db: Session,
    meeting: Meeting,
    person_id: int,
    now: datetime,
    tz: ZoneInfo,
    render: Callable[[Planned], Payload],
) -> list[OutboxMessage]:
    """Write this attendee's reminder rows (RSVP yes) for the meeting's current start."""
    assert meeting.id is not None  # a stored meeting
    specs = meeting.reminders if meeting.reminders is not None else DEFAULT_REMINDERS
    rows = []
    for p in plan(specs, meeting.starts_at, now, tz):
        row = outbox.replan(
            db,
            OutboxMessage(
                audience="person",
                person_id=person_id,
                kind=REMINDER,
                meeting_id=meeting.id,
                payload=render(p),
                dedupe_key=reminder_key(meeting.id, person_id, p.offset, meeting.starts_at),
                due_at=p.due_at,
                expires_at=meeting.starts_at,
            ),
        )
        if row is not None:
            rows.append(row)
    return rows


def cancel_pending(
    db: Session,
    meeting_id: int,
    person_id: int | None = None,
    kinds: Iterable[str] = (REMINDER,),
) -> int:
    """Cancel the meeting's (or one person's) reminder rows not yet handed to a dispatcher."""
    return outbox.cancel_pending(db, meeting_id, kinds, person_id=person_id)


def plan_record_request(
    db: Session, meeting: Meeting, tz: ZoneInfo, payload: Payload
) -> OutboxMessage | None:
    """Ask the organiser for notes and results the day after the meeting."""
    return outbox.replan(
        db,
        OutboxMessage(
            audience="person",
            person_id=meeting.created_by,
            kind=RECORD_REQUEST,
            meeting_id=meeting.id,
            payload=payload,
            dedupe_key=f"record:{meeting.id}:{meeting.starts_at.isoformat()}",
            due_at=record_due(meeting, tz),
        ),
    )
