"""Over LINE (signed webhooks in, what LINE received out): a meeting in 参加予定 shows its date,
time and place in full, scales with the font size, and offers 「カレンダーに入れる」 as a URI
button — no long calendar URL squeezing the card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.db import session_scope
from storage.models import Meeting, Rsvp
from tests.channels.line.residents import actions_in, bubbles_in, resident, texts_in
from tests.support.meetings import person_id

STARTS = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # Fri 19:00 in Tokyo


def test_a_meeting_card_over_line_has_the_full_time_place_and_a_calendar_button(
    line, line_api, engine
):
    user = "U" + "7" * 32
    taro = resident(line, line_api, user)
    pid = person_id(engine, user)
    with session_scope(engine) as db:
        meeting = Meeting(
            title="防災まち歩き 準備の集い",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=2),
            place="阿佐谷北三丁目町会会館 2階 会議室",
            created_by=pid,
        )
        db.add(meeting)
        db.flush()
        db.add(Rsvp(meeting_id=meeting.id, person_id=pid, answer="yes"))
        mid = meeting.id
    taro.menu("plans")
    [bubble] = [b for b in bubbles_in(taro.seen) if "準備の集い" in texts_in(b)]
    shown = texts_in(bubble)
    assert "19:00–21:00" in shown and "阿佐谷北三丁目町会会館 2階 会議室" in shown
    assert "/calendar/" not in shown  # the URL is not a text value any more
    [calendar] = [a for a in actions_in(bubble) if a["label"].startswith("カレンダーに")]
    assert calendar["type"] == "uri"
    assert calendar["uri"].endswith(f"/calendar/meetings/{mid}.ics")
    footer = bubble["footer"]["contents"]
    assert footer[-1]["action"] is not None and footer[-1]["action"]["type"] == "uri"
    assert all(b.get("scaling") is True for b in footer if b["type"] == "button")
