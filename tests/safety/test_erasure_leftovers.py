"""マイデータ deletion, field by field: the profile's area and activity text, a half-written
dialog draft, and the private calendar feed must all be gone — not just the names the
whole-database search in test_privacy.py looks for."""

from __future__ import annotations

from sqlmodel import select

from storage.db import session_scope
from storage.models import Actor, ChannelAccount, DialogState, Person


def _edit_profile(c) -> None:
    """Area 荻窪 and an activity text, through マイページ as a resident does it."""
    c.command("me")
    c.tap("プロフィールを編集")
    c.tap("地域")
    c.tap("荻窪")
    c.tap("活動(かつどう)・方針(ほうしん)")
    c.say("毎朝 通学路で 子どもの 見守りを しています")


def _delete_my_data(c) -> None:
    c.command("mydata")  # a command, so it also works in the middle of a dialog
    c.tap("データを削除")
    c.tap("はい、削除する")
    assert "削除しました" in c.text, c.text


def _me(engine, user: str) -> Person:
    with session_scope(engine) as db:
        pid = db.exec(
            select(ChannelAccount.person_id).where(ChannelAccount.external_id == user)
        ).one()
        return db.get(Person, pid)


def test_deletion_clears_the_profile_area_and_activity(make_person, engine):
    c = make_person("U-prof", "見守り隊")
    _edit_profile(c)
    me = _me(engine, "U-prof")
    with session_scope(engine) as db:
        actor = db.get(Actor, me.actor_id)
        assert (actor.area, actor.activity) == (
            "ogikubo",
            "毎朝 通学路で 子どもの 見守りを しています",
        )
    _delete_my_data(c)
    with session_scope(engine) as db:
        actor = db.get(Actor, me.actor_id)
        assert actor.area is None
        assert actor.activity == ""
        assert actor.name == "退会(たいかい)したユーザー"


def test_deletion_drops_a_half_written_dialog_draft(make_person, engine):
    c = make_person("U-draft", "下書き中")
    c.command("post")
    c.say("夜の 見回りを いっしょに")  # the title of a post not yet sent
    with session_scope(engine) as db:
        drafts = db.exec(select(DialogState).where(DialogState.user_id == "U-draft")).all()
        assert drafts, "the post dialog should have saved a draft"
    _delete_my_data(c)
    with session_scope(engine) as db:
        assert db.exec(select(DialogState).where(DialogState.user_id == "U-draft")).all() == []


def test_the_calendar_feed_of_a_deleted_person_is_gone(make_person, engine, client):
    c = make_person("U-cal", "予定表")
    token = _me(engine, "U-cal").calendar_token
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 200
    _delete_my_data(c)
    with session_scope(engine) as db:
        person = db.exec(select(Person).where(Person.deleted == True)).one()  # noqa: E712
        new_token = person.calendar_token
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404
    assert client.get(f"/calendar/feed/{new_token}.ics").status_code == 404


def test_deletion_touches_only_the_deleted_persons_rows_and_blanks_short_names(
    make_person, engine, clock
):
    """Found by mutation testing: other people's memberships, follows and drafts must stay;
    a two-character name (太郎) and profile name are still blanked in others' notices; and
    two deletions in a row both succeed (no clash on the profile's unique invite code)."""
    from datetime import timedelta

    from storage.models import Membership, OutboxMessage, Subscription

    gone = make_person("U-gone", "太郎")
    keep = make_person("U-keep", "残る人")
    keep.command("post")
    keep.say("残る 下書き")  # keep's draft on the same channel
    me, other = _me(engine, "U-gone"), _me(engine, "U-keep")
    with session_scope(engine) as db:
        org = Actor(name="みどり会", kind="npo")
        db.add(org)
        db.flush()
        actor = db.get(Actor, me.actor_id)
        actor.name = "ひま"  # a two-character profile name
        db.add(actor)
        for pid in (me.id, other.id):
            db.add(Membership(actor_id=org.id, person_id=pid, role="member"))
            db.add(Subscription(person_id=pid, topic="category", value="bousai"))
        for text in ("太郎さんが 参加しました", "ひまさんが 参加しました", "明日は 雨です"):
            db.add(
                OutboxMessage(
                    person_id=other.id,
                    payload=[{"kind": "text", "text": text}],
                    due_at=clock.now() + timedelta(hours=1),
                )
            )
    _delete_my_data(gone)
    with session_scope(engine) as db:
        assert [m.person_id for m in db.exec(select(Membership)).all()] == [other.id]
        assert [s.person_id for s in db.exec(select(Subscription)).all()] == [other.id]
        assert db.exec(select(DialogState).where(DialogState.user_id == "U-keep")).all() != []
        texts = sorted(
            str(r.payload) for r in db.exec(select(OutboxMessage)).all() if r.person_id == other.id
        )
    assert not any("太郎" in t or "ひま" in t for t in texts), texts
    assert any("明日は 雨です" in t for t in texts), texts

    _delete_my_data(keep)
    with session_scope(engine) as db:
        assert len(db.exec(select(Person).where(Person.deleted == True)).all()) == 2  # noqa: E712


def test_deletion_withdraws_only_the_persons_answers_and_screens_only_notices_quoting_them(
    make_person, engine, clock, initiative
):
    """Found by mutation testing (issue 22): the person's joins are withdrawn with their message
    gone and their RSVPs deleted — other people's stay; pending notices that quote the name are
    cancelled and emptied, sent ones only emptied, and unrelated notices are left alone."""
    from datetime import timedelta

    from storage.models import Meeting, OutboxMessage, OutboxStatus, Participation, Rsvp

    item, _poster = initiative
    gone = make_person("U-gone", "消える花子")
    keep = make_person("U-keep", "残る人")
    me, other = _me(engine, "U-gone"), _me(engine, "U-keep")
    later = clock.now() + timedelta(hours=1)
    with session_scope(engine) as db:
        meeting = Meeting(
            initiative_id=item.id, title="集い", starts_at=later, created_by=item.poster_id
        )
        db.add(meeting)
        db.flush()
        for pid in (me.id, other.id):
            db.add(Participation(initiative_id=item.id, person_id=pid, message="よろしく"))
            db.add(Rsvp(meeting_id=meeting.id, person_id=pid, answer="yes"))

        def note(text: str, status=OutboxStatus.PENDING, to=other.id) -> OutboxMessage:
            row = OutboxMessage(
                person_id=to, payload=[{"kind": "text", "text": text}], due_at=later, status=status
            )
            db.add(row)
            return row

        quoting = note("消える花子さんが 参加します")
        quoted_sent = note("消える花子さんが 参加しました", OutboxStatus.SENT)
        unrelated = note("明日は 雨です")
        mine_sent = note("ようこそ", OutboxStatus.SENT, to=me.id)
        db.flush()
        ids = {r.id: name for r, name in ((quoting, "q"), (quoted_sent, "qs"), (unrelated, "u"))}
        ids[mine_sent.id] = "ms"
    clock.advance(timedelta(minutes=5))
    _delete_my_data(gone)
    with session_scope(engine) as db:
        parts = {p.person_id: p for p in db.exec(select(Participation)).all()}
        rsvps = {r.person_id: r.answer for r in db.exec(select(Rsvp)).all()}
        rows = {ids[r.id]: (r.status, r.payload) for r in db.exec(select(OutboxMessage)).all()}
        person = db.get(Person, me.id)
    assert (parts[me.id].status, parts[me.id].message) == ("withdrawn", None)
    assert parts[me.id].updated_at.replace(tzinfo=None) == clock.now().replace(tzinfo=None)
    assert (parts[other.id].status, parts[other.id].message) == ("joined", "よろしく")
    assert rsvps == {other.id: "yes"}
    assert rows["q"] == (OutboxStatus.CANCELLED, [])
    assert rows["qs"] == (OutboxStatus.SENT, [])
    assert rows["u"] == (OutboxStatus.PENDING, [{"kind": "text", "text": "明日は 雨です"}])
    assert rows["ms"] == (OutboxStatus.SENT, [])
    assert (person.real_name, person.consent_version, person.consented_at) == (None, None, None)
    keep.command("help")  # the remaining person still works normally
    assert keep.last
