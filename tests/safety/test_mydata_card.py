"""The マイデータ card counts the person's own records only, and shows the consent date
(issue 22: mutation testing found the counts and the date unchecked)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from storage.db import session_scope
from storage.models import (
    ChannelAccount,
    Idea,
    IdeaCall,
    Meeting,
    Opinion,
    OpinionRequest,
    Participation,
    Rsvp,
)


def _pid(engine, user: str) -> int:
    with session_scope(engine) as db:
        return db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == user)
        ).one()


def test_the_card_counts_only_my_records_and_shows_the_consent_date(
    make_person, engine, initiative, clock
):
    item, poster = initiative  # 田中 posted one initiative
    other = make_person("U-other", "ほか")
    me, them = _pid(engine, "U-poster"), _pid(engine, "U-other")
    with session_scope(engine) as db:
        call = IdeaCall(
            title="c", problem="p", deadline=clock.now() + timedelta(days=7), created_by=me
        )
        req = OpinionRequest(initiative_id=item.id, question="q")
        meeting = Meeting(initiative_id=item.id, title="m", starts_at=clock.now(), created_by=me)
        db.add_all([call, req, meeting])
        db.flush()
        db.add(Participation(initiative_id=item.id, person_id=me))
        db.add(Participation(initiative_id=item.id, person_id=them))
        for _ in range(2):
            db.add(Idea(call_id=call.id, author_id=me, body="b"))
        db.add(Idea(call_id=call.id, author_id=them, body="b"))
        for _ in range(3):
            db.add(Opinion(request_id=req.id, person_id=me, body="o"))
        db.add(Opinion(request_id=req.id, person_id=them, body="o"))
        db.add(Rsvp(meeting_id=meeting.id, person_id=them, answer="yes"))
    poster.command("mydata")
    assert (
        "取組 1件・参加 1件・アイデア 2件\n意見(いけん) 3件・会議の出欠(しゅっけつ) 0件"
        in poster.text
    ), poster.text
    assert clock.now().strftime("%Y-%m-%d") in poster.text  # agreed today (Tokyo date)
    other.command("mydata")
    assert (
        "取組 0件・参加 1件・アイデア 1件\n意見(いけん) 1件・会議の出欠(しゅっけつ) 1件"
        in other.text
    ), other.text


def test_someone_who_never_agreed_sees_none_as_the_consent_date(make_person):
    c = make_person("U-new", "未同意", consent=False)
    c.command("mydata")
    assert "同意日 なし" in c.text, c.text
