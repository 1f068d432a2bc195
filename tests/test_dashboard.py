"""The staff dashboard: what waits for staff, this week's meetings and the month's numbers."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from bot.core.replies import Card
from storage.models import (
    Actor,
    Idea,
    IdeaCall,
    IdeaStatus,
    Initiative,
    Meeting,
    Participation,
    Person,
)
from tests.support.conversation import Conversation


def seed(engine, now) -> None:
    with Session(engine) as db:
        actor = Actor(name="a")
        db.add(actor)
        db.flush()
        p = Person(display_name="p", actor_id=actor.id)
        db.add(p)
        db.flush()

        def initiative(title, **kw):
            i = Initiative(
                actor_id=actor.id, poster_id=p.id, title=title, description="d", category="c", **kw
            )
            db.add(i)
            return i

        waiting = initiative("Needs a facilitator", created_at=now)
        initiative("Has one", facilitator_id=p.id, created_at=now)
        initiative("Old", created_at=now - timedelta(days=40))
        db.flush()
        db.add(Participation(initiative_id=waiting.id, person_id=p.id, created_at=now))
        call = IdeaCall(
            title="Benches", problem="p", deadline=now + timedelta(days=9), created_by=p.id
        )
        closed = IdeaCall(
            title="Closed one", problem="p", deadline=now, created_by=p.id, status="closed"
        )
        db.add_all([call, closed])
        db.flush()
        db.add(Idea(call_id=call.id, author_id=p.id, body="Shade", created_at=now))
        db.add(
            Idea(
                call_id=call.id,
                author_id=p.id,
                body="Paint",
                status=IdeaStatus.REVIEWING,
                created_at=now,
            )
        )
        db.add(
            Idea(
                call_id=call.id,
                author_id=p.id,
                body="Done",
                status=IdeaStatus.ADOPTED,
                created_at=now,
            )
        )
        # now = Tue 10:00 Tokyo; this week = Mon 24th 00:00 .. Mon 1st 00:00 (Tokyo)
        db.add(Meeting(title="Held Mon", starts_at=now - timedelta(hours=20), created_by=p.id))
        db.add(Meeting(title="Fri talk", starts_at=now + timedelta(days=3), created_by=p.id))
        db.add(Meeting(title="Next week", starts_at=now + timedelta(days=7), created_by=p.id))
        db.add(
            Meeting(
                title="Off", starts_at=now + timedelta(days=1), created_by=p.id, status="cancelled"
            )
        )
        db.commit()


def test_dashboard_for_staff(runtime, engine, clock):
    seed(engine, clock.now())
    staff = Conversation(runtime, user="S1", staff=True)
    replies = staff.command("dashboard")
    cards = {c.title: c for c in replies if isinstance(c, Card)}
    assert list(cards) == [
        "担当者待ちの取組",
        "回答待ちのアイデア",
        "今週の会議",
        "受付中のアイデア募集",
        "今月の協働の数字",
    ]
    waiting = cards["担当者待ちの取組"]
    assert "Needs a facilitator" in waiting.body and "Has one" not in waiting.body
    assert waiting.badge == "2件"  # "Old" also waits
    assert cards["回答待ちのアイデア"].badge == "2件"
    week = cards["今週の会議"].body
    assert "Held Mon" in week and "Fri talk" in week
    assert "Next week" not in week and "Off" not in week
    assert "Benches（アイデア 3件" in cards["受付中のアイデア募集"].body
    assert "Closed one" not in cards["受付中のアイデア募集"].body
    numbers = dict(cards["今月の協働の数字"].fields)
    assert numbers == {
        "投稿された取組": "2",
        "参加の申込み": "1",
        "アイデア": "3",
        "開いた会議": "1",
    }


def test_dashboard_and_numbers_are_staff_only(runtime, engine, clock):
    seed(engine, clock.now())
    resident = Conversation(runtime, user="R1", channel="simulator", staff=False)
    for command in ("dashboard", "numbers"):
        resident.command(command)
        assert resident.text == "この操作(そうさ)は 区の職員だけが できます。"


def test_numbers_in_english(runtime, engine, clock):
    staff = Conversation(runtime, user="S2", staff=True, language="en")
    (card,) = staff.command("numbers")
    assert card.title == "This month's collaboration numbers"
    assert card.badge == "2026-11"
