"""Scheduling a meeting: the resident dialog (LINE datetime picker), the staff modal, and
who may schedule at all (payloads are claims; permissions are re-checked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.core.replies import DatetimeRequest, Form, FormErrors
from handlers.meeting_actions import MeetingForm, ScheduleMeeting
from storage.db import session_scope
from storage.models import Meeting, Membership, Rsvp
from tests.support.meetings import initiative, local, person, rows, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Fri 18:00 in Tokyo


def picker(replies) -> DatetimeRequest:
    found = [r for r in replies if isinstance(r, DatetimeRequest)]
    assert found, replies
    return found[0]


def test_poster_schedules_through_the_dialog_and_participants_are_invited(runtime, engine):
    poster, poster_id = person(runtime, "U-poster")
    _, a = person(runtime, "U-a")
    _, b = person(runtime, "U-b")
    ini = initiative(engine, poster_id, [a, b])

    poster.press(ScheduleMeeting(ini))
    assert "名前" in poster.text
    poster.say("花壇の準備会")
    ask = picker(poster.last)
    assert ask.minimum == "2026-11-24T10:00"
    # the picker answers with params, not text
    poster.press(ask.data, datetime="2026-11-20T18:00")  # in the past
    assert "これから先" in poster.text
    poster.press(picker(poster.last).data, datetime=local(MEETING))
    end = picker(poster.last)
    poster.press(end.data, datetime=local(MEETING - timedelta(hours=1)))
    assert "あと" in poster.text  # end before start refused; the start stays
    poster.press(picker(poster.last).data, datetime=local(MEETING + timedelta(hours=2)))
    poster.say("みどり集会所")
    poster.tap("10人")
    poster.tap("前日(ぜんじつ)10時と 1時間前")
    poster.tap("なし")
    assert "2026/11/27（金(きん)） 18:00–20:00" in poster.text
    assert "みどり集会所" in poster.text
    poster.tap("つくる")
    assert "つくりました" in poster.text

    with Session(engine) as db:
        meeting = db.exec(select(Meeting)).one()
        assert meeting.starts_at == MEETING and meeting.capacity == 10
        answers = {r.person_id: r.answer for r in db.exec(select(Rsvp)).all()}
    assert answers == {a: "invited", b: "invited"}
    invites = [r for r in rows(engine, kind="notice") if r.meeting_id == meeting.id]
    assert sorted(r.person_id for r in invites) == [a, b]
    labels = {b["label"] for r in invites for b in r.payload[0]["buttons"]}
    assert {"参加", "不参加(ふさんか)", "未定(みてい)"} <= labels
    # nobody said yes yet: no reminder; the organiser's follow-up is planned for the next day
    assert rows(engine, kind="reminder") == []
    (record,) = rows(engine, kind="meeting_record")
    assert record.person_id == poster_id
    assert record.due_at == datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 10:00 the day after


def test_a_resident_who_is_not_the_poster_cannot_schedule(runtime, engine):
    _, poster_id = person(runtime, "U-poster")
    other, _ = person(runtime, "U-other")
    ini = initiative(engine, poster_id)
    other.press(ScheduleMeeting(ini))
    assert "できません" in other.text
    other.command("new_meeting", f"initiative:{ini}")
    assert "できません" in other.text
    other.submit(MeetingForm(f"initiative:{ini}"), {"title": "x"})  # a forged modal
    assert "できません" in other.text
    with Session(engine) as db:
        assert db.exec(select(Meeting)).all() == []


def test_an_organisation_admin_may_schedule_for_the_groups_initiative(runtime, engine):
    _, poster_id = person(runtime, "U-poster")
    admin, admin_id = person(runtime, "U-admin")
    ini = initiative(engine, poster_id)
    with session_scope(engine) as db:
        from storage.models import Initiative

        actor_id = db.get(Initiative, ini).actor_id
        db.add(Membership(actor_id=actor_id, person_id=admin_id, role="admin"))
    admin.press(ScheduleMeeting(ini))
    assert "名前" in admin.text


def test_residents_cannot_schedule_idea_meetings(runtime, engine):
    resident, _resident_id = person(runtime, "U-resident")
    resident.command("new_meeting", "idea_call:1")
    assert "できません" in resident.text


def test_staff_modal_reports_invalid_fields_and_keeps_nothing(runtime, engine):
    staff, staff_id = person(runtime, "U-staff", staff=True)
    ini = initiative(engine, staff_id)
    staff.press(ScheduleMeeting(ini))
    assert isinstance(staff.last[0], Form)
    staff.submit(
        MeetingForm(f"initiative:{ini}"),
        {
            "title": "",
            "starts_at": "2026-11-28T18:00",
            "ends_at": "2026-11-28T17:00",
            "place": "",
            "online_url": "zoom",
            "capacity": "-3",
            "reminders": ["day_before"],
        },
    )
    (errors,) = staff.last
    assert isinstance(errors, FormErrors)
    assert {name for name, _ in errors.errors} == {
        "title",
        "ends_at",
        "online_url",
        "capacity",
    }
    with Session(engine) as db:
        assert db.exec(select(Meeting)).all() == []
    staff.submit(MeetingForm(f"initiative:{ini}"), {"title": "x", "starts_at": "2026-11-01T10:00"})
    assert any(n == "starts_at" for n, _ in staff.last[0].errors)


def test_staff_modal_creates_a_meeting_with_chosen_reminders(runtime, engine):
    staff, staff_id = person(runtime, "U-staff", staff=True)
    ini = initiative(engine, staff_id)
    mid = staff_create(
        staff,
        f"initiative:{ini}",
        MEETING,
        online_url="https://meet.example.jp/abc",
        capacity="12",
        reminders=["hour_before"],
        reminder_text="名札を おもちください",
    )
    with Session(engine) as db:
        m = db.get(Meeting, mid)
        assert (m.capacity, m.reminders, m.reminder_text) == (
            12,
            [{"minutes": 60}],
            "名札を おもちください",
        )
        assert m.online_url == "https://meet.example.jp/abc"


def test_idea_meeting_invites_followers_of_the_calls_categories(runtime, engine):
    from storage.models import IdeaCall, Subscription

    staff, staff_id = person(runtime, "U-staff", staff=True)
    _, follower = person(runtime, "U-follower")
    _, other = person(runtime, "U-other")
    with session_scope(engine) as db:
        call = IdeaCall(
            title="公園の使い方",
            problem="p",
            categories=["parks"],
            deadline=MEETING + timedelta(days=30),
            created_by=staff_id,
        )
        db.add(call)
        db.add(Subscription(person_id=follower, topic="category", value="parks"))
        db.add(Subscription(person_id=other, topic="category", value="welfare"))
        db.flush()
        call_id = call.id
    staff.command("new_meeting", f"idea_call:{call_id}")
    assert isinstance(staff.last[0], Form)
    mid = staff_create(staff, f"idea_call:{call_id}", MEETING)
    with Session(engine) as db:
        assert db.get(Meeting, mid).idea_call_id == call_id
        invited = [r.person_id for r in db.exec(select(Rsvp)).all()]
    assert invited == [follower]


def resident_schedules(runtime, engine) -> int:
    """The poster walks the meeting dialog on LINE/simulator; returns the initiative id."""
    poster, poster_id = person(runtime, "U-hanako")
    ini = initiative(engine, poster_id)
    poster.press(ScheduleMeeting(ini))
    poster.say("花壇の準備会")
    poster.press(picker(poster.last).data, datetime=local(MEETING))
    poster.press(picker(poster.last).data, datetime=local(MEETING + timedelta(hours=2)))
    poster.say("みどり集会所")
    poster.tap("10人")
    poster.tap("前日(ぜんじつ)10時と 1時間前")
    poster.tap("なし")
    poster.tap("つくる")
    assert "つくりました" in poster.text
    return ini


def test_a_meeting_a_resident_sets_is_announced_in_the_initiatives_staff_thread(runtime, engine):
    ini = resident_schedules(runtime, engine)
    (post,) = [r for r in rows(engine, audience="staff") if r.thread_key == f"initiative:{ini}"]
    text = post.payload[0]["text"]
    assert "集いが設定されました" in text and "花壇の準備会" in text
    assert "2026/11/27" in text and "みどり集会所" in text and "U-hanako" in text
    assert " 日時" not in text  # staff read plain Japanese, not the spaced register
