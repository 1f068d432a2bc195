"""A one-tap contribution that meets the privacy notice goes on once the person agrees
(issue 17, consent first): 参加したい → notice → 同意する joins, with no second tap on a button
the person must find again. The redone tap is a claim like any button: its handler re-checks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.core.actions import pack
from bot.i18n import default_catalog
from handlers import initiative_actions as a
from handlers.meetings import Answer
from handlers.moderation import Decide
from handlers.privacy import AcceptConsentThen
from storage.db import session_scope
from storage.models import Participation, Person
from tests.support.meetings import answer_of, initiative, person, person_id, staff_create

MEETING = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def said(c, key: str) -> bool:
    """The catalog text of ``key`` (in any register) is in the last replies."""
    texts = default_catalog().raw(key)
    return any(texts[lang] in c.text for lang in ("ja", "easy", "en"))


def statuses(engine, item_id: int, user: str) -> list[str]:
    with session_scope(engine) as db:
        return list(
            db.exec(
                select(Participation.status).where(
                    Participation.initiative_id == item_id,
                    Participation.person_id == person_id(engine, user),
                )
            ).all()
        )


def consented(engine, user: str) -> bool:
    with session_scope(engine) as db:
        return db.get(Person, person_id(engine, user)).consented_at is not None


def test_agreeing_after_a_join_tap_joins_at_once(make_person, engine, initiative):
    item, _poster = initiative
    c = make_person("U-new", "はじめて", consent=False)
    c.press(a.Join(item.id))
    assert said(c, "privacy.required"), c.text
    assert statuses(engine, item.id, "U-new") == []
    c.tap("同意する")
    assert said(c, "privacy.accepted_then"), c.text
    assert statuses(engine, item.id, "U-new") == ["joined"]
    assert consented(engine, "U-new")


def test_agreeing_after_a_meeting_answer_records_the_answer(runtime, engine):
    staff, staff_id = person(runtime, "U-staff", staff=True)
    from tests.support.conversation import Conversation

    c = Conversation(runtime, user="U-nocon", name="未同意")
    c.follow()
    pid = person_id(engine, "U-nocon")
    ini = initiative(engine, staff_id, [pid])
    mid = staff_create(staff, f"initiative:{ini}", MEETING)
    c.press(Answer(mid, "yes"))
    assert answer_of(engine, mid, pid) == "invited"
    c.tap("同意する")
    assert answer_of(engine, mid, pid) == "yes"


def test_an_old_notice_with_a_tap_shows_the_current_one_and_does_nothing(
    make_person, engine, initiative, runtime
):
    item, _poster = initiative
    c = make_person("U-old", "古い", consent=False)
    c.press(AcceptConsentThen("2000-01", pack(a.Join(item.id))))
    assert not consented(engine, "U-old")
    assert statuses(engine, item.id, "U-old") == []
    current = runtime.settings.privacy_version or "1"
    assert c.button("同意する").data == pack(AcceptConsentThen(current, pack(a.Join(item.id))))


def test_a_forged_tap_inside_the_agreement_is_rechecked_by_its_handler(
    make_person, engine, initiative, runtime
):
    item, _poster = initiative
    version = runtime.settings.privacy_version or "1"
    c = make_person("U-forge", "偽造", consent=False)
    # Suspending a poster is staff-only: agreeing does not make the redone tap a staff one.
    c.press(AcceptConsentThen(version, pack(Decide("initiative", item.id, "suspend", True))))
    assert consented(engine, "U-forge")
    with session_scope(engine) as db:
        assert not db.get(Person, person_id(engine, "U-poster")).suspended
    # Garbage inside the agreement is not redone: the person has just agreed.
    c2 = make_person("U-junk", "ごみ", consent=False)
    c2.press(AcceptConsentThen(version, "k1:zz:1"))
    assert consented(engine, "U-junk")
    assert said(c2, "privacy.accepted"), c2.text
