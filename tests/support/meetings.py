"""Helpers for meeting tests: people with channel accounts, an initiative with participants,
and a meeting created through the real staff form."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.core.replies import Card, Carousel
from handlers.meeting_actions import MeetingForm
from storage.db import session_scope
from storage.models import (
    Actor,
    ChannelAccount,
    Initiative,
    Meeting,
    OutboxMessage,
    Participation,
    Rsvp,
)
from tests.support.conversation import Conversation, buttons_of


def person_id(engine, user: str) -> int:
    with Session(engine) as db:
        return db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == user)
        ).one()


def person(runtime, user: str, **kw) -> tuple[Conversation, int]:
    c = Conversation(runtime, user=user, name=user, **kw)
    c.follow()
    if any(b.label == "同意する" for b in buttons_of(c.last)):
        c.tap("同意する")  # residents agree to the privacy notice, as on first use
    return c, person_id(runtime.engine, user)


def initiative(engine, poster: int, participants=(), *, actor_id: int | None = None) -> int:
    with session_scope(engine) as db:
        if actor_id is None:
            actor = Actor(name="みどり町会", kind="neighborhood")
            db.add(actor)
            db.flush()
            actor_id = actor.id
        ini = Initiative(
            actor_id=actor_id,
            poster_id=poster,
            title="公園の花壇づくり",
            description="花を植えます",
            category="environment",
        )
        db.add(ini)
        db.flush()
        for pid in participants:
            db.add(Participation(initiative_id=ini.id, person_id=pid, status="joined"))
        return ini.id


def local(dt: datetime) -> str:
    """'YYYY-MM-DDTHH:MM' in Tokyo time, as the picker and the modal send it."""
    return (dt + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M")


def staff_create(staff: Conversation, target: str, start: datetime, **values) -> int:
    form = {
        "title": "準備の集い",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=2)),
        "place": "みどり集会所",
        "online_url": "",
        "capacity": "",
        "notes": "",
        "reminders": ["day_before", "hour_before"],
        "reminder_text": "",
    } | values
    staff.submit(MeetingForm(target), form)
    with Session(staff.runtime.engine) as db:
        return db.exec(select(Meeting.id).order_by(Meeting.id.desc())).first()


def rows(engine, **where) -> list[OutboxMessage]:
    with Session(engine) as db:
        stmt = select(OutboxMessage)
        for k, v in where.items():
            stmt = stmt.where(getattr(OutboxMessage, k) == v)
        return list(db.exec(stmt.order_by(OutboxMessage.id)).all())


def answer_of(engine, meeting_id: int, pid: int) -> str | None:
    with Session(engine) as db:
        r = db.exec(
            select(Rsvp).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == pid)
        ).first()
        return r.answer if r else None


def cards(replies) -> list[Card]:
    out = []
    for r in replies:
        if isinstance(r, Card):
            out.append(r)
        elif isinstance(r, Carousel):
            out.extend(r.cards)
    return out
