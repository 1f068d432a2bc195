"""`kyodo demo-data`: a realistic sample ward, idempotent, matching the simulator's personas."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from storage.demo import load_demo
from storage.models import (
    Actor,
    ActorKind,
    ChannelAccount,
    Idea,
    IdeaCall,
    Initiative,
    InitiativeStatus,
    Meeting,
)
from storage.personas import load_personas
from tests.conftest import START, count


def test_demo_data_twice_gives_the_same_ward(engine):
    first = load_demo(engine, now=START)
    second = load_demo(engine, now=START + timedelta(days=1))
    assert first == second
    assert first["initiative"] >= 4 and first["meeting"] >= 2 and first["idea"] >= 2
    with Session(engine) as db:
        kinds = {a.kind for a in db.exec(select(Actor)).all()}
        assert {
            ActorKind.NEIGHBORHOOD,
            ActorKind.NPO,
            ActorKind.BUSINESS,
            ActorKind.SCHOOL,
            ActorKind.WARD,
        } <= kinds
        statuses = {i.status for i in db.exec(select(Initiative)).all()}
        assert {
            InitiativeStatus.RECRUITING,
            InitiativeStatus.PREPARING,
            InitiativeStatus.DONE,
        } <= statuses
        done = db.exec(select(Initiative).where(Initiative.status == "done")).one()
        assert done.result_summary and done.result_participants
        call = db.exec(select(IdeaCall)).one()
        assert call.status == "open"
        assert timedelta(days=13) < call.deadline - START < timedelta(days=15)
        assert len(db.exec(select(Idea)).all()) >= 2
        assert all(m.starts_at > START for m in db.exec(select(Meeting)).all())
        keys = set(
            db.exec(
                select(ChannelAccount.external_id).where(ChannelAccount.channel == "simulator")
            ).all()
        )
    assert set(load_personas()) <= keys


def test_the_simulator_shows_the_demo_people_without_duplicates(app, engine):
    load_demo(engine, now=START)
    people = count(engine, "person")
    with TestClient(app) as c:
        assert c.get("/simulator/config").status_code == 200
        r = c.post("/simulator/clock", json={"advance": "PT48H"})
        assert r.json()["delivered"] >= 1  # the demo meeting's 48-hour reminders
        feed = c.app.state.runtime.simulator_hub.feeds
        assert any("リマインド" in e.replies[0]["text"] for e in feed["suzuki"])
    assert count(engine, "person") == people


def test_demo_times_are_realistic_local_times_and_every_organisation_has_an_invite_code(engine):
    """Times read like a real ward's (10:00, 13:30, 19:00 in Tokyo), never the minute the demo
    ran; every organisation can be joined (it has an invite code), and codes survive a rerun."""
    from zoneinfo import ZoneInfo

    odd = START.replace(hour=15, minute=46, second=17)  # 00:46 in Tokyo
    load_demo(engine, now=odd)
    tokyo = ZoneInfo("Asia/Tokyo")
    with Session(engine) as db:
        times = [i.starts_on for i in db.exec(select(Initiative)).all()]
        times += [m.starts_at for m in db.exec(select(Meeting)).all()]
        assert times and all(t is not None for t in times)
        for t in times:
            local = t.replace(tzinfo=t.tzinfo or ZoneInfo("UTC")).astimezone(tokyo)
            assert local.minute in (0, 30) and 9 <= local.hour <= 20, local
        orgs = [a for a in db.exec(select(Actor)).all() if a.kind != ActorKind.INDIVIDUAL]
        codes = {a.name: a.invite_code for a in orgs}
    assert orgs and all(codes.values()), codes
    assert len(set(codes.values())) == len(codes)
    load_demo(engine, now=odd + timedelta(days=1))
    with Session(engine) as db:
        again = {a.name: a.invite_code for a in db.exec(select(Actor)).all() if a.name in codes}
    assert again == codes
