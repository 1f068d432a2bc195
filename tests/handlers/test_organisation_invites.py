"""Invite as a button: an organisation's admin shares 「この団体に参加する」 and a friend joins
with one tap (no typed code); forged, altered, expired and withdrawn invites change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.actions import unpack
from handlers.initiative_actions import Profile
from handlers.organisation_invites import JoinByInvite, ShareInvite
from storage.db import session_scope
from storage.models import Actor, Membership
from tests.support.conversation import Conversation, buttons_of
from tests.support.meetings import person, person_id


def organisation(runtime) -> tuple[Conversation, int]:
    admin, admin_id = person(runtime, "U-admin")
    with session_scope(runtime.engine) as db:
        org = Actor(kind="npo", name="すぎなみ子ども食堂あおぞら", invite_code="ABCD2345")
        db.add(org)
        db.flush()
        db.add(Membership(actor_id=org.id, person_id=admin_id, role="admin"))
        return admin, org.id


def invite_of(admin: Conversation, org_id: int) -> JoinByInvite:
    admin.press(Profile(org_id))
    admin.tap("招待(しょうたい)を送る")
    assert "送(おく)ってください" in admin.text and "コードの 入力は いりません" in admin.text
    button = admin.button("この団体に参加する")
    assert button.style == "primary"
    return unpack(button.data, JoinByInvite)


def members(engine, org_id: int) -> list[tuple[int, str]]:
    with Session(engine) as db:
        rows = db.exec(select(Membership).where(Membership.actor_id == org_id)).all()
        return sorted((m.person_id, m.role) for m in rows)


def test_a_friend_joins_with_one_tap_and_the_admin_is_told(runtime, engine, messenger):
    admin, org = organisation(runtime)
    invite = invite_of(admin, org)
    friend, friend_id = person(runtime, "U-friend")
    friend.press(invite)
    assert "「すぎなみ子ども食堂あおぞら」の メンバーに なりました" in friend.text
    assert (friend_id, "member") in members(engine, org)
    assert any(r.title == "すぎなみ子ども食堂あおぞら" for r in friend.last if hasattr(r, "title"))
    friend.press(invite)  # the same invite again: already a member, nothing added
    assert len(members(engine, org)) == 2
    with Session(engine) as db:
        from storage.models import OutboxMessage

        told = db.exec(
            select(OutboxMessage).where(OutboxMessage.person_id == person_id(engine, "U-admin"))
        ).all()
    assert any("すぎなみ子ども食堂あおぞら" in str(m.payload) for m in told)


def test_a_friend_who_never_agreed_sees_the_notice_first(runtime, engine):
    admin, org = organisation(runtime)
    invite = invite_of(admin, org)
    newcomer = Conversation(runtime, user="U-new", name="新人")
    newcomer.follow()
    newcomer.press(invite)
    assert "同意" in newcomer.text and len(members(engine, org)) == 1  # rolled back
    newcomer.tap("同意する")
    newcomer.press(invite)
    assert len(members(engine, org)) == 2


def test_forged_altered_expired_and_withdrawn_invites_change_nothing(runtime, engine, clock):
    admin, org = organisation(runtime)
    invite = invite_of(admin, org)
    friend, _ = person(runtime, "U-friend")
    with session_scope(engine) as db:
        other = Actor(kind="npo", name="ほかの団体", invite_code="ZZZZ9999")
        db.add(other)
        db.flush()
        other_id = other.id
    for forged in (
        JoinByInvite(org, invite.exp, "0" * 64),  # made up
        JoinByInvite(other_id, invite.exp, invite.sig),  # another organisation
        JoinByInvite(org, invite.exp + 86400 * 30, invite.sig),  # a longer life
    ):
        friend.press(forged)
        assert "使(つか)えません" in friend.text
    assert len(members(engine, org)) == 1
    assert members(engine, other_id) == []

    with session_scope(engine) as db:  # the admin changes the code: old invites stop working
        db.get(Actor, org).invite_code = "NEWC0DE2"
    friend.press(invite)
    assert "使(つか)えません" in friend.text

    fresh = invite_of(admin, org)
    clock.advance(timedelta(days=8))
    friend.press(fresh)
    assert "切(き)れています" in friend.text
    assert len(members(engine, org)) == 1


def test_only_an_admin_can_share_an_invite(runtime, engine):
    admin, org = organisation(runtime)
    member, member_id = person(runtime, "U-member")
    with session_scope(engine) as db:
        db.add(Membership(actor_id=org, person_id=member_id, role="member"))
    member.press(Profile(org))
    assert "招待(しょうたい)を送る" not in [b.label for b in buttons_of(member.last)]
    member.press(ShareInvite(org))
    assert "この団体に参加する" not in [b.label for b in buttons_of(member.last)]
    with session_scope(engine) as db:  # archived: its code was withdrawn
        db.get(Actor, org).invite_code = None
    admin.press(ShareInvite(org))
    assert "招待(しょうたい)を 受け付けていません" in admin.text
