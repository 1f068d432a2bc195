"""Consent edges found by mutation testing (issue 22): every answer that turns an existing row
into a contribution needs consent — "maybe", a meeting answer that lands on the waitlist, and
a re-join that lands on an initiative's waitlist — and someone else's confirm button never
erases the person who taps it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from handlers import initiative_actions as a
from handlers.meetings import Answer
from handlers.privacy import MyDataAction
from storage.db import session_scope
from storage.models import Initiative, Participation, Person
from tests.support.conversation import Conversation
from tests.support.meetings import answer_of, initiative, person, person_id, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def _invited_without_consent(runtime, engine, **meeting):
    """Staff, one invited person who has not agreed, and the meeting they are invited to."""
    staff, staff_id = person(runtime, "U-staff", staff=True)
    c = Conversation(runtime, user="U-nocon", name="未同意")
    c.follow()  # shown the notice, not agreed
    pid = person_id(engine, "U-nocon")
    first, first_id = person(runtime, "U-first")
    ini = initiative(engine, staff_id, [pid, first_id])
    mid = staff_create(staff, f"initiative:{ini}", MEETING, **meeting)
    return c, pid, first, mid


def test_a_maybe_answer_needs_consent(runtime, engine):
    c, pid, _first, mid = _invited_without_consent(runtime, engine)
    c.press(Answer(mid, "maybe"))
    assert "同意を おねがいします" in c.text, c.text
    assert answer_of(engine, mid, pid) == "invited"
    c.tap("同意する")
    c.press(Answer(mid, "maybe"))
    assert answer_of(engine, mid, pid) == "maybe"


def test_an_answer_that_lands_on_the_meeting_waitlist_needs_consent(runtime, engine):
    c, pid, first, mid = _invited_without_consent(runtime, engine, capacity="1")
    first.press(Answer(mid, "yes"))
    assert answer_of(engine, mid, person_id(engine, "U-first")) == "yes"
    c.press(Answer(mid, "yes"))  # the meeting is full: this would be a waitlist place
    assert "同意を おねがいします" in c.text, c.text
    assert answer_of(engine, mid, pid) == "invited"
    c.tap("同意する")
    c.press(Answer(mid, "yes"))
    assert answer_of(engine, mid, pid) == "waitlisted"


def test_a_rejoin_onto_the_initiative_waitlist_needs_consent_again(
    make_person, engine, initiative, runtime
):
    item, _poster = initiative
    with session_scope(engine) as db:
        row = db.get(Initiative, item.id)
        row.capacity = 1
        db.add(row)
    full = make_person("U-full", "満員")
    full.press(a.Join(item.id))
    c = make_person("U-wait", "まつ")
    c.press(a.Join(item.id))
    c.press(a.Withdraw(item.id))
    assert "とりやめました" in c.text, c.text
    runtime.settings.privacy_version = "2027-01"
    c.press(a.Join(item.id))  # would be waitlisted again (the initiative is still full)
    assert "同意を おねがいします" in c.text, c.text
    with session_scope(engine) as db:
        mine = db.exec(
            select(Participation.status).where(
                Participation.person_id == person_id(engine, "U-wait")
            )
        ).one()
    assert mine == "withdrawn"


def test_someone_elses_confirm_button_erases_nobody(make_person, engine):
    owner = make_person("U-owner", "持ち主")
    owner.command("mydata")
    owner.tap("データを削除")
    button = owner.button("はい、削除する").data
    other = make_person("U-other", "ほかの人")
    other.press(button)
    assert "ほかの方" in other.text, other.text
    with session_scope(engine) as db:
        assert db.exec(select(Person).where(Person.deleted == True)).all() == []  # noqa: E712
    mine = MyDataAction("confirm", person_id(engine, "U-owner"))
    owner.press(mine)
    assert "削除しました" in owner.text, owner.text
