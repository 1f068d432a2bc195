"""Permissions (forged payloads from the wrong person), bad input and Japanese search."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.core.replies import Carousel, Form
from handlers import initiative_actions as a
from storage.models import Actor, AuditLog, Initiative, Membership, OpinionRequest, Person
from storage.queries import initiatives as q
from tests.conftest import count
from tests.support.initiatives import latest, outbox, post
from tests.support.initiatives import person_named as person_id


@pytest.fixture
def cast(people, engine):
    """An organisation initiative: admin (poster's org), a plain member, a resident, staff."""
    admin = people("U-admin", "会長")
    admin.press(a.CreateOrganisation())
    admin.tap("町会・自治会")
    admin.say("北町会")
    with Session(engine) as s:
        code = s.exec(select(Actor.invite_code).where(Actor.name == "北町会")).one()
    poster = people("U-poster", "役員")
    poster.press(a.JoinOrganisation())
    poster.say(code.lower())
    member = people("U-member", "会員")
    member.press(a.JoinOrganisation())
    member.say(code)
    post(poster, as_name="北町会", capacity="1")
    resident = people("U-res", "住民")
    staff = people("S-staff", "職員", staff=True)
    return {
        "admin": admin,
        "poster": poster,
        "member": member,
        "resident": resident,
        "staff": staff,
        "ini": latest(engine),
    }


def _status(engine, ini_id):
    with Session(engine) as s:
        return s.get(Initiative, ini_id).status


MANAGE = [
    lambda i: a.StatusMenu(i),
    lambda i: a.SetStatus(i, "cancelled", "recruiting"),
    lambda i: a.Participants(i),
    lambda i: a.OpinionAsk(i),
    lambda i: a.OpinionList(i),
]


@pytest.mark.parametrize("make", MANAGE)
@pytest.mark.parametrize("who", ["resident", "member"])
def test_wrong_person_cannot_manage(cast, engine, make, who):
    c = cast[who]
    before = count(engine, "audit_log")
    c.press(make(cast["ini"].id))
    assert "できません" in c.text
    assert _status(engine, cast["ini"].id) == "recruiting"
    assert count(engine, "audit_log") == before


@pytest.mark.parametrize("who", ["poster", "admin", "staff"])
def test_poster_org_admin_and_staff_may_change_status(cast, engine, who):
    c = cast[who]
    c.press(a.SetStatus(cast["ini"].id, "preparing", "recruiting"))
    assert _status(engine, cast["ini"].id) == "preparing"
    # a replayed button made for the old status changes nothing
    c.press(a.SetStatus(cast["ini"].id, "cancelled", "recruiting"))
    assert "すでに" in c.text
    assert _status(engine, cast["ini"].id) == "preparing"
    # a transition that isn't allowed is refused even for the owner
    c.press(a.SetStatus(cast["ini"].id, "done", "preparing"))
    assert _status(engine, cast["ini"].id) == "preparing"


def test_opinion_close_and_audience_forged(cast, engine):
    ini = cast["ini"]
    cast["poster"].press(a.OpinionAsk(ini.id))
    cast["poster"].say("どう思いますか")
    # a resident forges the audience button of someone else's dialog
    cast["resident"].press(a.OpinionAudience(ini.id, "everyone", "deadbeef"))
    assert count(engine, "opinion_request") == 0
    cast["poster"].tap("みんなに")
    with Session(engine) as s:
        req = s.exec(select(OpinionRequest)).one()
    cast["resident"].press(a.OpinionClose(req.id))
    assert "できません" in cast["resident"].text
    with Session(engine) as s:
        assert s.get(OpinionRequest, req.id).open
    cast["admin"].press(a.OpinionClose(req.id))
    with Session(engine) as s:
        assert not s.get(OpinionRequest, req.id).open
    cast["resident"].press(a.OpinionAnswer(req.id))
    assert "おわっています" in cast["resident"].text


@pytest.mark.parametrize(
    "make",
    [lambda i, o: a.Claim(i), lambda i, o: a.Match(i), lambda i, o: a.Invite(i, o)],
)
@pytest.mark.parametrize("who", ["resident", "poster", "admin"])
def test_staff_actions_refused_to_non_staff(cast, engine, make, who):
    ini = cast["ini"]
    with Session(engine) as s:
        org = s.exec(select(Actor).where(Actor.name == "北町会")).one()
    c = cast[who]
    c.press(make(ini.id, org.id))
    assert "職員だけ" in c.text
    assert latest(engine).facilitator_id is None
    assert outbox(engine, kind="invite") == []


def test_staff_form_refused_to_residents(cast, engine):
    staff = cast["staff"]
    staff.command("post")
    form = next(r for r in staff.last if isinstance(r, Form))
    cast["resident"].submit(
        form.data, {"title": "にせ", "description": "にせ", "category": "bousai", "actor": "ward"}
    )
    assert "職員だけ" in cast["resident"].text
    assert count(engine, "initiative") == 1


def test_profile_edits_need_the_owner_or_an_admin(cast, engine):
    resident = person_id(engine, "住民")
    with Session(engine) as s:
        org = s.exec(select(Actor).where(Actor.name == "北町会")).one()
        resident_actor = s.get(Person, resident).actor_id
    for who in ("member", "resident", "poster"):
        cast[who].press(a.EditField(org.id, "name"))
        assert "編集(へんしゅう)できません" in cast[who].text
        cast[who].say("のっとり")
    cast["admin"].press(a.EditProfile(resident_actor))
    assert "編集(へんしゅう)できません" in cast["admin"].text
    with Session(engine) as s:
        assert s.get(Actor, org.id).name == "北町会"
    cast["admin"].press(a.EditField(org.id, "name"))
    cast["admin"].say("北町会（阿佐谷）")
    with Session(engine) as s:
        assert s.get(Actor, org.id).name == "北町会（阿佐谷）"
        assert s.exec(select(AuditLog).where(AuditLog.action == "profile.edit")).first()


def test_invite_code_shown_to_admins_only(cast, engine):
    with Session(engine) as s:
        org = s.exec(select(Actor).where(Actor.name == "北町会")).one()
    cast["admin"].press(a.Profile(org.id))
    assert org.invite_code in str(cast["admin"].last)
    for who in ("member", "resident"):
        cast[who].press(a.Profile(org.id))
        assert org.invite_code not in str(cast[who].last)
        assert "北町会" in cast[who].text


def test_waitlist_and_cancelled_or_hidden_initiatives(cast, engine):
    ini = cast["ini"]
    cast["resident"].press(a.Join(ini.id))
    cast["member"].press(a.Join(ini.id))
    assert "補欠" in cast["member"].text
    cast["poster"].press(a.SetStatus(ini.id, "cancelled", "recruiting"))
    cast["poster"].say("会場の 都合")  # 中止 asks a reason and a confirmation (issue 17)
    cast["poster"].tap("中止する")
    assert {r.person_id for r in outbox(engine, kind="status")} == {
        person_id(engine, "住民"),
        person_id(engine, "会員"),
    }
    late = cast["staff"]
    late.command("browse")
    assert "見つかりませんでした" in late.text
    cast["admin"].press(a.Join(ini.id))
    assert "受け付けていません" in cast["admin"].text
    with Session(engine) as s:
        row = s.get(Initiative, ini.id)
        row.status, row.hidden = "recruiting", True
        s.add(row)
        s.commit()
    cast["admin"].press(a.Join(ini.id))
    assert "みつかりませんでした" in cast["admin"].text
    cast["admin"].press(a.Show(999999))
    assert "みつかりませんでした" in cast["admin"].text
    assert count(engine, "participation") == 2


# ---------------------------------------------------------------- bad input


def test_bad_answers_keep_earlier_answers_and_write_nothing(people, engine):
    c = people("U-bad", "テスト")
    c.command("post")
    c.say("あ" * 61)
    assert "60文字以内" in c.text and "61文字" in c.text
    c.say("   ")
    assert "文字が 入っていません" in c.text
    c.say("🎉🎉✨")
    assert "絵文字" in c.text
    c.say("防災\x00訓練\u200b\x07")
    c.say("説明" * 501)
    assert "1000文字以内" in c.text
    c.say("くわしい 説明")
    # a button from another step (help) while the category is asked: stale
    cat_data = c.button("防災・防犯").data
    c.tap("防災・防犯")
    c.press(cat_data)  # the category button again, now at the area step
    assert "いまの 質問(しつもん)の ものでは ありません" in c.text
    assert "地域を えらんで" in c.text
    c.say("阿佐谷です")  # typed at a button step
    assert "ボタンから" in c.text
    c.tap("阿佐谷")
    c.tap("決定")
    c.tap("とばす")
    c.say("たくさん")
    assert "1〜10000" in c.text
    c.say("0")
    assert "1〜10000" in c.text
    c.tap("定員なし")
    assert "防災訓練" in c.text  # control characters stripped
    assert count(engine, "initiative") == 0
    old_submit = c.button("投稿する").data
    c.say("やめる")
    assert count(engine, "initiative") == 0
    c.press(old_submit)  # stale dialog
    assert "もう おわっています" in c.text
    assert count(engine, "initiative") == 0


def test_past_date_refused(people, engine):
    c = people("U-date", "日付")
    c.command("post")
    c.say("日付の テスト")
    c.say("内容")
    c.tap("防災・防犯")
    c.tap("区内全域")
    c.tap("決定")
    picker = c.button("とばす")
    from bot.core.replies import DatetimeRequest

    req = next(r for r in c.last if isinstance(r, DatetimeRequest))
    c.press(req.data, datetime="2020-01-01T10:00")
    assert "すぎた" in c.text
    c.press(req.data, datetime="2026-12-01T10:00")
    end = next(r for r in c.last if isinstance(r, DatetimeRequest))
    c.press(end.data, datetime="2026-11-30T10:00")
    assert "あとに" in c.text
    assert picker is not None


def test_wrong_invite_codes_end_the_dialog(people, engine):
    c = people("U-guess", "推測")
    c.press(a.JoinOrganisation())
    for _ in range(5):
        c.say("ZZZZ9999")
    assert "何度(なんど)も" in c.text
    with Session(engine) as s:
        assert s.exec(select(Membership)).first() is None


# ---------------------------------------------------------------- search


TEXTS = [
    ("地域の防災訓練を一緒に", "消火器の 使い方を 練習します"),
    ("子ども食堂の ボランティア", "毎週 土曜日に 食事を つくります"),
    ("公園の 花だん", "みどりを ふやす 活動です"),
]


@pytest.fixture
def searchable(engine):
    with Session(engine) as s:
        actor = Actor(name="x")
        s.add(actor)
        s.flush()
        person = Person(display_name="p", actor_id=actor.id)
        s.add(person)
        s.flush()
        for title, desc in TEXTS:
            s.add(
                Initiative(
                    actor_id=actor.id,
                    poster_id=person.id,
                    title=title,
                    description=desc,
                    category="bousai",
                )
            )
        s.commit()
    return engine


@pytest.mark.parametrize(
    ("keyword", "titles"),
    [
        ("防災", {"地域の防災訓練を一緒に"}),  # 2 characters
        ("訓練", {"地域の防災訓練を一緒に"}),
        ("一緒", {"地域の防災訓練を一緒に"}),
        ("食堂", {"子ども食堂の ボランティア"}),
        ("防災訓練", {"地域の防災訓練を一緒に"}),  # FTS / trigram path
        ("消火器", {"地域の防災訓練を一緒に"}),  # in the description
        ("ボランティア", {"子ども食堂の ボランティア"}),
        ("みどり 活動", {"公園の 花だん"}),  # every word must match
        ("土曜", {"子ども食堂の ボランティア"}),
        ("花", {"公園の 花だん"}),  # one character
        ("火事", set()),
        ("防災　食堂", set()),  # full-width space splits words
        ("100%", set()),
    ],
)
def test_japanese_keyword_search(searchable, keyword, titles):
    with Session(searchable) as s:
        rows, _ = q.browse(s, keyword=keyword)
    assert {r.title for r in rows} == titles


def test_search_after_title_update_and_through_the_dialog(searchable, people):
    with Session(searchable) as s:
        row = s.exec(select(Initiative).where(Initiative.title == "公園の 花だん")).one()
        row.title = "公園の 防災ベンチ"
        s.add(row)
        s.commit()
    c = people("U-search", "さがす人")
    c.command("browse")
    c.tap("ことばでさがす")
    c.say("防災")
    carousel = next(r for r in c.last if isinstance(r, Carousel))
    assert [card.title for card in carousel.cards] == [
        "公園の 防災ベンチ",
        "地域の防災訓練を一緒に",
    ]
    c.tap("分野(ぶんや)でしぼる")
    c.tap("環境・みどり")
    assert "みつかりませんでした" in c.text


def test_paging_with_more_button(searchable, people):
    with Session(searchable) as s:
        base = s.exec(select(Initiative)).first()
        for i in range(12):
            s.add(
                Initiative(
                    actor_id=base.actor_id,
                    poster_id=base.poster_id,
                    title=f"取組 {i}",
                    description="d",
                    category="kankyo",
                    area="koenji",
                )
            )
        s.commit()
    c = people("U-page", "ページ")
    c.command("browse")
    first = next(r for r in c.last if isinstance(r, Carousel))
    assert len(first.cards) == 10 and first.cards[0].title == "取組 11"
    c.tap("もっと見る")
    second = next(r for r in c.last if isinstance(r, Carousel))
    assert len(second.cards) == 5 and second.more is None
    c.command("browse")
    c.tap("地域でしぼる")
    c.tap("高円寺")
    third = next(r for r in c.last if isinstance(r, Carousel))
    assert len(third.cards) == 10 and third.more is not None
