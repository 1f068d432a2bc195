"""Consent guards joins and RSVPs too: without agreeing to the current notice, pressing
「参加したい」 or answering a meeting stores nothing and shows the notice instead."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from handlers import initiative_actions as a
from handlers.meetings import Answer
from storage.db import session_scope
from storage.models import Participation
from tests.conftest import count
from tests.support.conversation import Conversation
from tests.support.meetings import answer_of, initiative, person, person_id, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_joining_an_initiative_needs_consent(make_person, engine, initiative):
    item, _poster = initiative
    c = make_person("U-nocon", "未同意", consent=False)
    c.press(a.Join(item.id))
    assert "同意を おねがいします" in c.text, c.text
    assert count(engine, "participation") == 0
    c.tap("同意する")  # agreeing goes on with the join (issue 17: no second tap)
    assert "参加を 受け付けました" in c.text, c.text
    assert count(engine, "participation") == 1


def test_answering_a_meeting_needs_consent(runtime, engine):
    staff, staff_id = person(runtime, "U-staff", staff=True)
    c = Conversation(runtime, user="U-nocon", name="未同意")
    c.follow()  # shown the notice, not agreed
    pid = person_id(engine, "U-nocon")
    ini = initiative(engine, staff_id, [pid])
    mid = staff_create(staff, f"initiative:{ini}", MEETING)

    c.press(Answer(mid, "yes"))
    assert "同意を おねがいします" in c.text, c.text
    assert answer_of(engine, mid, pid) == "invited"  # the invitation row, unanswered
    c.tap("同意する")
    c.press(Answer(mid, "yes"))
    assert answer_of(engine, mid, pid) == "yes"


def test_an_uninvited_answer_needs_consent_too(runtime, engine):
    """Someone who was not invited but may answer (a new RSVP row, not an update)."""
    staff, staff_id = person(runtime, "U-staff", staff=True)
    ini = initiative(engine, staff_id, [])
    mid = staff_create(staff, f"initiative:{ini}", MEETING)
    c = Conversation(runtime, user="U-late", name="あとから")
    c.follow()
    pid = person_id(engine, "U-late")
    with session_scope(engine) as db:
        db.add(Participation(initiative_id=ini, person_id=pid, status="joined"))
    c.press(Answer(mid, "yes"))
    assert "同意を おねがいします" in c.text, c.text
    assert answer_of(engine, mid, pid) is None
    c.tap("同意する")
    c.press(Answer(mid, "yes"))
    assert answer_of(engine, mid, pid) == "yes"


def test_rejoining_after_a_new_notice_needs_consent_again(make_person, engine, initiative, runtime):
    """A join after withdrawing updates the old row; it is still a contribution."""
    item, _poster = initiative
    c = make_person("U-back", "もどる")
    c.press(a.Join(item.id))
    c.press(a.Withdraw(item.id))
    assert "とりやめました" in c.text, c.text
    runtime.settings.privacy_version = "2027-01"
    c.press(a.Join(item.id))
    assert "同意を おねがいします" in c.text, c.text
    with session_scope(engine) as db:
        assert db.exec(select(Participation.status)).one() == "withdrawn"


def test_withdrawing_and_declining_stay_possible_without_consent(
    make_person, engine, initiative, runtime
):
    item, _poster = initiative
    c = make_person("U-leave", "やめる")
    c.press(a.Join(item.id))
    runtime.settings.privacy_version = "2027-01"
    c.press(a.Withdraw(item.id))
    assert "とりやめました" in c.text, c.text
    with session_scope(engine) as db:
        assert db.exec(select(Participation.status)).one() == "withdrawn"
