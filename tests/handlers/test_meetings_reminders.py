"""RSVP, waitlist, reschedule and cancel: the reminder rows each change leaves behind, and
what the outbox then actually sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from handlers.meeting_actions import Answer, ConfirmCancel, MoveMeeting, RecordMeeting
from storage.models import Meeting, OutboxStatus
from tests.support.meetings import answer_of, cards, initiative, local, person, rows, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # Fri 18:00 in Tokyo
DAY_BEFORE = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thu 10:00 in Tokyo
HOUR_BEFORE = MEETING - timedelta(hours=1)


def setup(runtime, engine, n=2, capacity=""):
    staff, staff_id = person(runtime, "U-staff", staff=True)
    people = [person(runtime, f"U-{i}") for i in range(n)]
    ini = initiative(engine, staff_id, [pid for _, pid in people])
    mid = staff_create(staff, f"initiative:{ini}", MEETING, capacity=str(capacity))
    return staff, people, mid


def pending(engine, pid=None):
    return sorted(
        (r.due_at, r.dedupe_key)
        for r in rows(engine, kind="reminder", status=OutboxStatus.PENDING)
        if pid is None or r.person_id == pid
    )


def test_yes_plans_two_reminders_in_the_same_turn(runtime, engine):
    _, [(a, aid), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    assert "参加で 受け付けました" in a.text
    planned = pending(engine, aid)
    assert [d for d, _ in planned] == [DAY_BEFORE, HOUR_BEFORE]
    assert all(k.startswith(f"reminder:{mid}:{aid}:") for _, k in planned)
    assert all(r.expires_at == MEETING for r in rows(engine, kind="reminder"))
    a.press(Answer(mid, "yes"))  # a second tap changes nothing
    assert "すでに" in a.text and len(rows(engine, kind="reminder")) == 2


def test_changing_to_no_cancels_and_back_to_yes_plans_again(runtime, engine):
    _, [(a, aid), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    a.press(Answer(mid, "no"))
    assert pending(engine, aid) == []
    assert {r.status for r in rows(engine, kind="reminder")} == {OutboxStatus.CANCELLED}
    a.press(Answer(mid, "maybe"))
    assert pending(engine, aid) == []
    a.press(Answer(mid, "yes"))
    assert [d for d, _ in pending(engine, aid)] == [DAY_BEFORE, HOUR_BEFORE]
    assert len(rows(engine, kind="reminder")) == 2  # revived, not duplicated


async def test_reminders_carry_date_place_and_a_cancel_button_and_go_only_to_yes(
    runtime, engine, messenger, clock
):
    _, [(a, aid), (b, _bid), (c, _cid)], mid = setup(runtime, engine, n=3)
    a.press(Answer(mid, "yes"))
    b.press(Answer(mid, "maybe"))
    c.press(Answer(mid, "no"))
    await runtime.outbox.drain()  # invitations
    messenger.pushes.clear()
    clock.advance(DAY_BEFORE - clock.now())
    await runtime.outbox.drain()
    assert list(messenger.pushes) == ["U-0"]
    (card,) = cards(messenger.pushes["U-0"])
    text = card.body + str(card.fields)
    assert "リマインド" in text and "2026/11/27（金(きん)） 18:00–20:00" in text
    assert "みどり集会所" in text
    (button,) = card.buttons
    assert button.label == "参加を とりやめる"
    a.press(button.data)  # cancel attendance from the reminder
    assert answer_of(engine, mid, aid) == "no"
    clock.advance(HOUR_BEFORE - clock.now())
    await runtime.outbox.drain()
    assert len(messenger.pushes["U-0"]) == 1  # no second reminder after cancelling


def test_capacity_waitlist_and_promotion_with_notice(runtime, engine):
    _, [(a, aid), (b, bid), (c, cid)], mid = setup(runtime, engine, n=3, capacity=1)
    a.press(Answer(mid, "yes"))
    b.press(Answer(mid, "yes"))
    assert "キャンセルまち 1番目(ばんめ)" in b.text
    c.press(Answer(mid, "yes"))
    assert "キャンセルまち 2番目(ばんめ)" in c.text
    assert pending(engine, bid) == [] and pending(engine, cid) == []  # never remind waitlisted
    a.press(Answer(mid, "no"))
    assert answer_of(engine, mid, bid) == "yes"
    assert answer_of(engine, mid, cid) == "waitlisted"
    assert pending(engine, aid) == []
    assert [d for d, _ in pending(engine, bid)] == [DAY_BEFORE, HOUR_BEFORE]
    assert pending(engine, cid) == []
    notices = [
        r for r in rows(engine, kind="notice", person_id=bid) if "あきました" in str(r.payload)
    ]
    assert len(notices) == 1
    c.press(Answer(mid, "yes"))
    assert "2番目" not in c.text and "1番目" in c.text


def test_reschedule_replaces_pending_reminders_and_tells_attendees(runtime, engine, clock):
    staff, [(a, aid), (b, _bid)], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    b.press(Answer(mid, "no"))
    old = {k for _, k in pending(engine)}
    new_start = MEETING + timedelta(days=7)
    staff.press(MoveMeeting(mid))
    staff.submit(
        staff.last[0].data,
        {"starts_at": local(new_start), "ends_at": local(new_start + timedelta(hours=1))},
    )
    assert "変更しました" in staff.text
    now_pending = pending(engine)
    assert [d for d, _ in now_pending] == [
        DAY_BEFORE + timedelta(days=7),
        new_start - timedelta(hours=1),
    ]
    assert not old & {k for _, k in now_pending}
    cancelled = [r for r in rows(engine, kind="reminder") if r.dedupe_key in old]
    assert {r.status for r in cancelled} == {OutboxStatus.CANCELLED}
    told = [r.person_id for r in rows(engine, kind="notice") if "かわりました" in str(r.payload)]
    assert told == [aid]  # "no" is not told
    (record,) = rows(engine, kind="meeting_record", status=OutboxStatus.PENDING)
    assert record.due_at == datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


def test_resident_organiser_reschedules_with_the_picker(runtime, engine):
    poster, poster_id = person(runtime, "U-poster")
    a, aid = person(runtime, "U-a")
    ini = initiative(engine, poster_id, [aid])
    staff, _ = person(runtime, "U-staff", staff=True)
    mid = staff_create(staff, f"initiative:{ini}", MEETING)
    a.press(Answer(mid, "yes"))
    poster.press(MoveMeeting(mid))
    poster.press(poster.last[0].data, datetime=local(MEETING + timedelta(days=1)))
    poster.press(poster.last[0].data, datetime=local(MEETING + timedelta(days=1, hours=1)))
    with Session(engine) as db:
        assert db.get(Meeting, mid).starts_at == MEETING + timedelta(days=1)
    assert [d for d, _ in pending(engine, aid)] == [
        DAY_BEFORE + timedelta(days=1),
        HOUR_BEFORE + timedelta(days=1),
    ]


async def test_cancelling_a_meeting_tells_attendees_and_sends_nothing_more(
    runtime, engine, messenger, clock
):
    staff, [(a, _aid), (b, _bid)], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    b.press(Answer(mid, "maybe"))
    staff.press(ConfirmCancel(mid))
    assert "中止しました" in staff.text
    assert pending(engine) == []
    assert rows(engine, kind="meeting_record", status=OutboxStatus.PENDING) == []
    await runtime.outbox.drain()
    assert "中止" in str(messenger.pushes["U-0"][-1]) and "中止" in str(messenger.pushes["U-1"][-1])
    messenger.pushes.clear()
    clock.advance(timedelta(days=5))
    await runtime.outbox.drain()
    assert messenger.pushes == {}
    a.press(Answer(mid, "yes"))
    assert "中止" in a.text and pending(engine) == []


async def test_rsvp_is_refused_after_the_start_and_late_reminders_expire(
    runtime, engine, messenger, clock
):
    _, [(a, aid), (b, _bid)], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    await runtime.outbox.drain()
    messenger.pushes.clear()
    clock.advance(MEETING - clock.now() + timedelta(minutes=1))  # service was down until now
    await runtime.outbox.drain()
    assert messenger.pushes == {}
    assert {r.status for r in rows(engine, kind="reminder")} == {OutboxStatus.EXPIRED}
    b.press(Answer(mid, "yes"))
    assert "はじまっている" in b.text
    a.press(Answer(mid, "no"))
    assert "はじまっている" in a.text and answer_of(engine, mid, aid) == "yes"


async def test_down_across_a_due_time_the_reminder_still_goes_before_the_start(
    runtime, engine, messenger, clock
):
    _, [(a, _aid), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    await runtime.outbox.drain()
    messenger.pushes.clear()
    clock.advance(HOUR_BEFORE - clock.now() + timedelta(minutes=30))  # both due times missed
    await runtime.outbox.drain()
    assert len(messenger.pushes["U-0"]) == 2  # the day-before and the hour-before reminder
    assert {r.status for r in rows(engine, kind="reminder")} == {OutboxStatus.SENT}


async def test_organiser_is_asked_the_next_day_and_records_results(
    runtime, engine, messenger, clock
):
    staff, _, mid = setup(runtime, engine)
    await runtime.outbox.drain()
    clock.advance(datetime(2026, 11, 28, 1, 0, tzinfo=UTC) - clock.now())
    await runtime.outbox.drain()
    ask = [r for r in messenger.pushes["U-staff"] if "いかがでしたか" in str(r)]
    assert len(ask) == 1
    staff.press(RecordMeeting(mid))
    staff.say("花の種類を決めました。次回は12月。")
    assert "保存しました" in staff.text
    with Session(engine) as db:
        m = db.get(Meeting, mid)
        assert (m.record, m.status) == ("花の種類を決めました。次回は12月。", "held")


def test_only_organisers_manage_and_forged_answers_are_refused(runtime, engine):
    _, [(a, aid), _], mid = setup(runtime, engine)
    outsider, _ = person(runtime, "U-outsider")
    a.press(ConfirmCancel(mid))
    assert "できません" in a.text
    a.press(RecordMeeting(mid))
    assert "できません" in a.text
    outsider.press(Answer(mid, "yes"))
    assert "とどいていません" in outsider.text
    a.press(Answer(mid, "sure"))  # a tampered answer value
    assert answer_of(engine, mid, aid) == "invited"


def test_plans_lists_my_meetings_with_the_private_feed_link(runtime, engine):
    _, [(a, aid), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "maybe"))
    a.command("plans")
    (card,) = cards(a.last)
    assert card.title == "準備の集い" and card.badge == "未定(みてい)"
    assert [b.label for b in card.buttons] == ["参加", "不参加(ふさんか)", "未定(みてい)"]
    assert "/calendar/feed/" in a.text
    with Session(engine) as db:
        from storage.models import Person

        token = db.get(Person, aid).calendar_token
    assert f"/calendar/feed/{token}.ics" in a.text
