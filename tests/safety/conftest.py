from __future__ import annotations

import pytest

from storage.db import session_scope
from storage.models import Actor, ChannelAccount, Initiative, Person
from tests.support.conversation import Conversation


@pytest.fixture
def make_person(runtime, engine):
    """A resident who has talked to Kyodo (and, unless told otherwise, agreed to the notice)."""

    def make(user: str, name: str, *, consent: bool = True, staff: bool = False) -> Conversation:
        c = Conversation(runtime, user=user, name=name, staff=staff)
        c.follow()
        if consent and not staff:
            c.tap("同意する")
        return c

    return make


@pytest.fixture
def initiative(engine, make_person, clock):
    """An initiative posted by 田中 (poster conversation returned with it)."""
    poster = make_person("U-poster", "田中")
    with session_scope(engine) as db:
        account = db.exec(
            ChannelAccount.__table__.select().where(ChannelAccount.external_id == "U-poster")
        ).first()
        person = db.get(Person, account.person_id)
        item = Initiative(
            actor_id=person.actor_id or db.exec(Actor.__table__.select()).first().id,
            poster_id=person.id,
            title="地域の防災訓練を一緒に",
            description="町会で 防災訓練を します。",
            category="bousai",
            created_at=clock.now(),
        )
        db.add(item)
    return item, poster
