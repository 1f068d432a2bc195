"""Calendar files: one ``.ics`` per meeting and a private feed per person.

The feed URL carries the person's secret ``calendar_token`` (shown only to them on 参加予定),
so a phone calendar can subscribe without a login. Times are written in UTC; a cancelled
meeting stays in the feed with ``STATUS:CANCELLED`` so calendars remove it.
"""

from __future__ import annotations

from datetime import timedelta

import anyio
from fastapi import APIRouter, HTTPException, Request, Response
from icalendar import Calendar, Event
from sqlmodel import Session, col, select

from bot.signed_links import verify
from storage.models import Meeting, Person, Rsvp

router = APIRouter()

MEDIA_TYPE = "text/calendar; charset=utf-8"
FEED_HISTORY = timedelta(days=90)


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Kyodo//meetings//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def meeting_event(meeting: Meeting, host: str, answer: str | None = None) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("summary", meeting.title)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + timedelta(hours=1))
    event.add("dtstamp", meeting.updated_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", int(meeting.updated_at.timestamp()) // 60 % 100000)
    if meeting.place:
        event.add("location", meeting.place)
    elif meeting.online_url:
        event.add("location", meeting.online_url)
    if meeting.online_url:
        event.add("url", meeting.online_url)
    if meeting.notes:
        event.add("description", meeting.notes)
    if meeting.status == "cancelled":
        event.add("status", "CANCELLED")
    elif answer in ("maybe", "waitlisted", "invited"):
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    return event


def _ics(cal: Calendar, filename: str) -> Response:
    return Response(
        content=cal.to_ical(),
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, max-age=300",
        },
    )


def _host(request: Request) -> str:
    settings = request.app.state.runtime.settings
    base = getattr(settings, "public_base_url", "") or "kyodo.local"
    return base.split("://")[-1].split("/")[0] or "kyodo.local"


@router.get("/calendar/meetings/{meeting_id}.ics")
async def meeting_ics(meeting_id: int, request: Request) -> Response:
    runtime = request.app.state.runtime

    def load() -> Meeting | None:
        with Session(runtime.engine) as db:
            return db.get(Meeting, meeting_id)

    meeting = await anyio.to_thread.run_sync(load)
    if meeting is None:
        raise HTTPException(status_code=404)
    if meeting.invite_only:  # only the signed link on an invitee's card opens it
        q = request.query_params
        secret = runtime.settings.secret_key
        now = runtime.clock.now()
        if not verify(request.url.path, q.get("exp"), q.get("sig"), secret=secret, now=now):
            raise HTTPException(status_code=403)
    cal = _calendar(meeting.title)
    cal.add_component(meeting_event(meeting, _host(request)))
    return _ics(cal, f"meeting-{meeting_id}.ics")


@router.get("/calendar/feed/{token}.ics")
async def person_feed(token: str, request: Request) -> Response:
    runtime = request.app.state.runtime
    now = runtime.clock.now()

    def load() -> list[tuple[Meeting, str]] | None:
        with Session(runtime.engine) as db:
            person = db.exec(
                select(Person).where(Person.calendar_token == token, Person.deleted == False)  # noqa: E712
            ).first()
            if person is None or len(token) < 16:
                return None
            rows = db.exec(
                select(Meeting, col(Rsvp.answer))
                .join(Rsvp, col(Rsvp.meeting_id) == col(Meeting.id))
                .where(
                    col(Rsvp.person_id) == person.id,
                    col(Rsvp.answer).in_(["yes", "maybe", "waitlisted"]),
                    col(Meeting.starts_at) >= now - FEED_HISTORY,
                )
                .order_by(col(Meeting.starts_at))
            ).all()
            return [(m, a) for m, a in rows]

    found = await anyio.to_thread.run_sync(load)
    if found is None:
        raise HTTPException(status_code=404)
    cal = _calendar("Kyodo")
    host = _host(request)
    for meeting, answer in found:
        cal.add_component(meeting_event(meeting, host, answer))
    return _ics(cal, "kyodo.ics")
