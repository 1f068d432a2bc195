"""The simulator's clock button also runs the periodic jobs that became due on the way, each
at the time it would have run: an idea call closes at its deadline, the weekly digest of the
Monday in between reaches the resident's simulated phone."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from handlers import initiative_actions as a
from storage.models import IdeaCall, OutboxMessage
from tests.conftest import START
from tests.handlers.conftest import local_input, open_call, staff  # noqa: F401 (fixtures)
from tests.support.initiatives import People, person_named, post


def test_moving_the_clock_closes_an_idea_call_whose_deadline_passed(
    client,
    engine,
    clock,
    open_call,  # noqa: F811 (the fixture imported above)
):
    deadline = START + timedelta(days=1)
    call_id = open_call(deadline=local_input(deadline))
    r = client.post("/simulator/clock", json={"advance": "P2D"})
    assert r.status_code == 200
    assert clock.now() == START + timedelta(days=2)
    with Session(engine) as db:
        call = db.get(IdeaCall, call_id)
        assert call.status == "closed"
        assert call.closed_at is not None
        assert call.closed_at.replace(tzinfo=deadline.tzinfo) == deadline  # at its deadline
        summaries = db.exec(select(OutboxMessage).where(OutboxMessage.audience == "staff")).all()
    assert any("駅前の 放置自転車" in str(row.payload) for row in summaries)


def test_a_short_move_before_the_deadline_leaves_the_call_open(
    client,
    engine,
    open_call,  # noqa: F811 (the fixture imported above)
):
    call_id = open_call(deadline=local_input(START + timedelta(days=1)))
    assert client.post("/simulator/clock", json={"advance": "PT23H"}).status_code == 200
    with Session(engine) as db:
        assert db.get(IdeaCall, call_id).status == "open"


def test_the_weekly_digest_of_the_monday_in_between_reaches_the_phone(
    client, runtime, engine, clock
):
    people = People(runtime)
    weekly = people("U-weekly", "まとめ")
    weekly.press(a.FollowToggle("area", "asagaya"))
    post(people("U-owner", "はなこ"))
    hub = client.app.state.runtime.simulator_hub
    assert client.post("/simulator/clock", json={"advance": "P3D"}).status_code == 200
    with Session(engine) as db:  # Tuesday → Friday: no Monday 09:00 yet
        assert not db.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert client.post("/simulator/clock", json={"advance": "P4D"}).status_code == 200
    with Session(engine) as db:
        digests = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "digest")).all()
    assert [row.person_id for row in digests] == [person_named(engine, "まとめ")]
    assert digests[0].sent_at is not None
    feed = [entry.as_json() for entry in hub.snapshot("U-weekly", False)]
    assert "地域の防災訓練を一緒に" in str(feed)
