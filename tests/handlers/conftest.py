"""Fixtures for the アイデア募集型 transcripts: staff, following residents, an open call."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.core.replies import Form, Text
from storage.db import session_scope
from storage.models import ChannelAccount, IdeaCall, Subscription
from tests.support.conversation import Conversation, buttons_of
from tests.support.initiatives import People

TOKYO = ZoneInfo("Asia/Tokyo")


def local_input(when: datetime) -> str:
    """A datetime as the staff form sends it: ward time, 'YYYY-MM-DDTHH:MM'."""
    return when.astimezone(TOKYO).strftime("%Y-%m-%dT%H:%M")


def person_id(engine, user: str) -> int:
    with session_scope(engine) as db:
        return db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == user)
        ).one()


def texts(replies) -> list[str]:
    return [r.text for r in replies if isinstance(r, Text)]


@pytest.fixture
def people(runtime) -> People:
    """Make people who have followed Kyodo (residents also agree to the privacy notice)."""
    return People(runtime)


@pytest.fixture
def staff(runtime) -> Conversation:
    c = Conversation(runtime, user="S-staff", staff=True, name="区の職員")
    c.follow()
    return c


@pytest.fixture
def resident(runtime, engine):
    """A resident who has talked to Kyodo, agreed to the notice if one is shown, and follows
    the given categories (the profiles module owns the follow dialog; here we write the row)."""

    def make(
        user: str, name: str, follows: tuple[str, ...] = (), channel: str = "simulator"
    ) -> Conversation:
        c = Conversation(runtime, user=user, name=name, channel=channel)
        c.follow()
        if any(b.label == "同意する" for b in buttons_of(c.last)):
            c.tap("同意する")
        pid = person_id(engine, user)
        with session_scope(engine) as db:
            for code in follows:
                db.add(Subscription(person_id=pid, topic="category", value=code))
        return c

    return make


def call_values(clock, **overrides) -> dict:
    values = {
        "title": "駅前の 放置自転車を へらしたい",
        "problem": "駅前に 自転車が 多く、歩く人が 困っています。",
        "wanted": "だれでも できる 工夫",
        "categories": ["machizukuri", "bousai"],
        "deadline": local_input(clock.now() + timedelta(days=10)),
        "public": "yes",
    }
    values.update(overrides)
    return values


@pytest.fixture
def open_call(staff, engine, clock):
    """Staff open a call through the form → preview → 公開する; returns the call id."""

    def make(**overrides) -> int:
        replies = staff.command("new_call")
        form = next(r for r in replies if isinstance(r, Form))
        staff.submit(form.data, call_values(clock, **overrides))
        staff.tap("公開する")
        with session_scope(engine) as db:
            return db.exec(select(IdeaCall.id).order_by(IdeaCall.id.desc())).first()

    return make


def send_idea(
    c: Conversation, call_id: int, body: str, *, reason: str | None = None, anonymous=False
):
    """A resident's whole submit dialog, ending on 「送る」."""
    from handlers.idea_actions import StartIdea

    c.press(StartIdea(call_id))
    c.say(body)
    if reason is None:
        c.tap("とばす")
    else:
        c.say(reason)
    c.tap("匿名(とくめい)にする" if anonymous else "名前をだす")
    return c.tap("送る")
