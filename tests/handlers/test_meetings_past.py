"""おわった集い: an organiser finds their meetings of the last 14 days in 参加予定 and records
them from there (the record request's quick reply is long gone); meeting cards show date, time
and place in full with a 「カレンダーに入れる」 link button instead of a long URL value."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from handlers.meeting_actions import Answer, ConfirmCancel
from storage.models import Meeting
from tests.handlers.test_meetings_reminders import MEETING, setup
from tests.support.meetings import cards


def past_cards(conversation) -> list:
    """The cards shown after the 「おわった集い」 heading."""
    replies = conversation.last
    heading = next(
        (i for i, r in enumerate(replies) if getattr(r, "text", "").startswith("おわった集")),
        None,
    )
    return [] if heading is None else cards(replies[heading + 1 :])


def test_the_organiser_finds_a_past_meeting_in_plans_and_records_it(runtime, engine, clock):
    staff, [(a, _), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    clock.advance(MEETING - clock.now() + timedelta(days=3))  # the meeting was 3 days ago
    staff.command("plans")
    [card] = past_cards(staff)
    assert card.title == "準備の集い"
    assert "記録をのこしてください" in card.body and "1人" in card.body
    assert [b.label for b in card.buttons] == ["記録を残す"]
    assert card.links == ()  # no calendar for a meeting that is over
    staff.tap("記録を残す")
    staff.say("花の種類を決めました。")
    assert "保存しました" in staff.text
    with Session(engine) as db:
        m = db.get(Meeting, mid)
        assert (m.record, m.status) == ("花の種類を決めました。", "held")
    staff.command("plans")
    [card] = past_cards(staff)
    assert "記録はのこしてあります" in card.body  # still there, to correct the record


def test_only_the_organiser_and_only_the_last_14_days_and_not_cancelled(runtime, engine, clock):
    staff, [(a, _), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    clock.advance(MEETING - clock.now() + timedelta(days=1))
    a.command("plans")
    assert past_cards(a) == []  # a participant is not asked to record
    assert "これからの 参加予定は ありません" in a.text
    clock.advance(timedelta(days=14))  # 15 days after the meeting
    staff.command("plans")
    assert past_cards(staff) == []


def test_a_cancelled_meeting_is_not_offered_for_a_record(runtime, engine, clock):
    staff, _, mid = setup(runtime, engine)
    staff.press(ConfirmCancel(mid))
    clock.advance(MEETING - clock.now() + timedelta(days=1))
    staff.command("plans")
    assert past_cards(staff) == []


def test_a_meeting_card_shows_date_time_and_place_in_full_and_a_calendar_button(runtime, engine):
    _, [(a, _), _], mid = setup(runtime, engine)
    a.press(Answer(mid, "yes"))
    a.command("plans")
    [card] = cards(a.last)
    fields = dict(card.fields)
    assert fields["日時"] == "2026/11/27（金(きん)） 18:00–20:00"
    assert fields["場所"] == "みどり集会所"
    assert not any("/calendar/" in value for value in fields.values())  # no long URL value
    [link] = card.links
    assert link.label.startswith("カレンダーに")
    assert link.url.endswith(f"/calendar/meetings/{mid}.ics") and not link.data
