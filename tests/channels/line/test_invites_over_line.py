"""Over LINE (signed webhooks in, what LINE received out): an admin shares an invite from their
organisation's card; a friend taps 「この団体に参加する」 — in their own chat or in a group where
Kyodo is — and joins without typing a code. The group hears nothing personal."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from storage.db import session_scope
from storage.models import Actor, Membership
from tests.channels.line.conftest import postback_event
from tests.channels.line.residents import actions_in, bubbles_in, resident, texts_in
from tests.channels.line.test_group_chats import group_reply, pushes_to, shared
from tests.support.meetings import person_id

ADMIN = "U" + "a" * 32
FRIEND = "U" + "f" * 32
OTHER = "U" + "e" * 32


def setup_organisation(engine) -> int:
    admin_id = person_id(engine, ADMIN)
    with session_scope(engine) as db:
        org = Actor(kind="neighborhood", name="阿佐谷北三丁目町会", invite_code="ASAG2345")
        db.add(org)
        db.flush()
        db.add(Membership(actor_id=org.id, person_id=admin_id, role="admin"))
        return org.id


def member_ids(engine, org: int) -> set[int]:
    with Session(engine) as db:
        return set(db.exec(select(Membership.person_id).where(Membership.actor_id == org)).all())


def test_an_invite_button_joins_a_friend_in_their_chat_and_in_a_group(line, line_api, engine):
    admin = resident(line, line_api, ADMIN)
    org = setup_organisation(engine)
    admin.menu("me")
    admin.tap("阿佐谷北三丁目町会")
    admin.tap("招待(しょうたい)を送る")
    [invite] = [b for b in bubbles_in(admin.seen) if "への 招待" in texts_in(b)]
    [join] = [a for a in actions_in(invite) if a["label"] == "この団体に参加する"]
    assert join["type"] == "postback"
    assert "ASAG2345" not in json.dumps(invite, ensure_ascii=False)  # the code never travels
    assert invite["footer"]["contents"][0]["scaling"] is True

    friend = resident(line, line_api, FRIEND)
    friend._send(postback_event(FRIEND, join["data"]))
    assert "メンバーに なりました" in friend.text
    assert person_id(engine, FRIEND) in member_ids(engine, org)

    resident(line, line_api, OTHER)
    pushed = len(line_api.calls("push"))
    tapped = shared(postback_event(OTHER, join["data"]), OTHER)  # shared in a group with Kyodo
    line.send(tapped)
    in_group = json.dumps(group_reply(line_api, tapped), ensure_ascii=False)
    assert "個別(こべつ)に 送りました" in in_group and "メンバーに なりました" not in in_group
    assert "メンバーに なりました" in texts_in(pushes_to(line_api, OTHER, pushed))
    assert person_id(engine, OTHER) in member_ids(engine, org)


def test_a_tampered_invite_postback_over_line_joins_nothing(line, line_api, engine):
    admin = resident(line, line_api, ADMIN)
    org = setup_organisation(engine)
    admin.menu("me")
    admin.tap("阿佐谷北三丁目町会")
    admin.tap("招待(しょうたい)を送る")
    [join] = [a for a in actions_in(admin.seen) if a["label"] == "この団体に参加する"]
    friend = resident(line, line_api, FRIEND)
    forged = join["data"][:-4] + ("0000" if not join["data"].endswith("0000") else "1111")
    friend._send(postback_event(FRIEND, forged))
    assert "使(つか)えません" in friend.text
    assert member_ids(engine, org) == {person_id(engine, ADMIN)}
