"""Calendar files over HTTP: a meeting's .ics and a person's private feed."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar
from sqlmodel import Session

from handlers.meeting_actions import Answer, ConfirmCancel
from storage.models import Person
from tests.support.meetings import initiative, person, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def make(client):
    runtime = client.app.state.runtime
    staff, staff_id = person(runtime, "U-staff", staff=True)
    a, aid = person(runtime, "U-a")
    ini = initiative(runtime.engine, staff_id, [aid])
    mid = staff_create(staff, f"initiative:{ini}", MEETING, online_url="https://meet.example.jp/x")
    return staff, a, aid, mid


def test_meeting_ics_has_uid_utc_times_and_location(client):
    _, _, _, mid = make(client)
    response = client.get(f"/calendar/meetings/{mid}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert b"DTSTART:20261127T090000Z" in response.content
    assert b"DTEND:20261127T110000Z" in response.content
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]).startswith(f"meeting-{mid}@")
    assert str(event["LOCATION"]) == "みどり集会所"
    assert str(event["URL"]) == "https://meet.example.jp/x"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert client.get("/calendar/meetings/9999.ics").status_code == 404


def test_feed_lists_my_meetings_and_marks_cancelled_ones(client):
    staff, a, aid, mid = make(client)
    with Session(client.app.state.runtime.engine) as db:
        token = db.get(Person, aid).calendar_token
    empty = Calendar.from_ical(client.get(f"/calendar/feed/{token}.ics").content)
    assert empty.walk("VEVENT") == []  # invited only: not in my calendar yet
    a.press(Answer(mid, "yes"))
    (event,) = Calendar.from_ical(client.get(f"/calendar/feed/{token}.ics").content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "準備の集い" and str(event["STATUS"]) == "CONFIRMED"
    staff.press(ConfirmCancel(mid))
    (event,) = Calendar.from_ical(client.get(f"/calendar/feed/{token}.ics").content).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


def test_unknown_feed_token_is_404(client):
    make(client)
    assert client.get("/calendar/feed/not-a-real-token-0000000.ics").status_code == 404
    assert client.get("/calendar/feed/x.ics").status_code == 404
