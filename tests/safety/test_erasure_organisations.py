"""Erasure never leaves an organisation nobody can manage: a remaining member takes over, or an
empty organisation is archived (invite code withdrawn) and staff are told in their channel."""

from __future__ import annotations

from sqlmodel import select

from storage.db import session_scope
from storage.models import Actor, ActorKind, ChannelAccount, Membership, OutboxMessage, Person


def person_id(engine, user: str) -> int:
    with session_scope(engine) as db:
        account = db.exec(select(ChannelAccount).where(ChannelAccount.external_id == user)).one()
        return account.person_id


def organisation(engine, admin: int, *members: int) -> int:
    with session_scope(engine) as db:
        org = Actor(
            kind=ActorKind.NPO, name="みどり見守り隊", activity="見守り活動", invite_code="MIDORI1"
        )
        db.add(org)
        db.flush()
        db.add(Membership(actor_id=org.id, person_id=admin, role="admin"))
        for m in members:
            db.add(Membership(actor_id=org.id, person_id=m, role="member"))
        return org.id


def erase(conversation) -> None:
    conversation.say("マイデータ")
    conversation.tap("データを削除")
    conversation.tap("はい、削除する")
    assert "削除しました" in conversation.text


def staff_notices(engine) -> list[str]:
    with session_scope(engine) as db:
        rows = db.exec(select(OutboxMessage).where(OutboxMessage.audience == "staff")).all()
        return [part.get("text", "") for r in rows for part in r.payload]


def test_the_last_member_leaving_archives_the_organisation_and_tells_staff(engine, make_person):
    founder = make_person("U-founder", "創設者")
    org_id = organisation(engine, person_id(engine, "U-founder"))
    erase(founder)
    with session_scope(engine) as db:
        org = db.get(Actor, org_id)
        assert org.invite_code is None  # nobody joins an organisation nobody manages
        assert org.name == "みどり見守り隊"  # the organisation's name, not the person's
        assert db.exec(select(Membership)).all() == []
    [notice] = [n for n in staff_notices(engine) if "みどり見守り隊" in n]
    assert "アーカイブ" in notice


def test_a_remaining_member_becomes_admin_when_the_last_admin_leaves(engine, make_person):
    founder = make_person("U-founder", "創設者")
    make_person("U-helper", "手伝い")
    helper = person_id(engine, "U-helper")
    org_id = organisation(engine, person_id(engine, "U-founder"), helper)
    erase(founder)
    with session_scope(engine) as db:
        [membership] = db.exec(select(Membership).where(Membership.actor_id == org_id)).all()
        assert (membership.person_id, membership.role) == (helper, "admin")
        assert db.get(Actor, org_id).invite_code == "MIDORI1"
        assert not db.get(Person, helper).deleted
    assert any("みどり見守り隊" in n and "管理者" in n for n in staff_notices(engine))


def test_an_organisation_with_another_admin_is_left_alone(engine, make_person):
    founder = make_person("U-founder", "創設者")
    make_person("U-other", "もう一人")
    other = person_id(engine, "U-other")
    org_id = organisation(engine, person_id(engine, "U-founder"))
    with session_scope(engine) as db:
        db.add(Membership(actor_id=org_id, person_id=other, role="admin"))
    erase(founder)
    assert not [n for n in staff_notices(engine) if "みどり見守り隊" in n]


def test_the_longest_standing_member_takes_over_and_the_audit_names_the_organisation(
    engine, make_person, clock
):
    """Found by mutation testing: "longest-standing" is the earliest membership, not the lowest
    row id; and the audit trail of a transfer or an archive points at the organisation."""
    from datetime import timedelta

    from storage.models import AuditLog

    founder = make_person("U-founder", "創設者")
    make_person("U-new", "新しい人")
    make_person("U-old", "古い人")
    newer, older = person_id(engine, "U-new"), person_id(engine, "U-old")
    org_id = organisation(engine, person_id(engine, "U-founder"))
    with session_scope(engine) as db:  # the newer member's row is written first
        db.add(Membership(actor_id=org_id, person_id=newer, role="member", created_at=clock.now()))
        db.flush()
        db.add(
            Membership(
                actor_id=org_id,
                person_id=older,
                role="member",
                created_at=clock.now() - timedelta(days=30),
            )
        )
    erase(founder)
    with session_scope(engine) as db:
        roles = {
            m.person_id: m.role
            for m in db.exec(select(Membership).where(Membership.actor_id == org_id)).all()
        }
        audits = db.exec(select(AuditLog).where(AuditLog.action == "actor.transferred")).all()
    assert roles == {older: "admin", newer: "member"}
    assert [(a.entity, a.entity_id) for a in audits] == [("actor", org_id)]


def test_an_archive_is_audited_against_the_organisation(engine, make_person):
    from storage.models import AuditLog

    founder = make_person("U-founder", "創設者")
    org_id = organisation(engine, person_id(engine, "U-founder"))
    erase(founder)
    with session_scope(engine) as db:
        audits = db.exec(select(AuditLog).where(AuditLog.action == "actor.archived")).all()
    assert [(a.entity, a.entity_id) for a in audits] == [("actor", org_id)]
