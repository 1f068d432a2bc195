"""Whole conversations: post → browse → join (twice) → waitlist promotion → opinions →
status changes → results, on the real dispatcher and store."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.core.actions import pack
from bot.core.events import ActionInvoked, Address
from bot.core.replies import Card, Carousel, DatetimeRequest
from handlers import initiative_actions as a
from storage.models import (
    AuditLog,
    Initiative,
    Opinion,
    OpinionRequest,
    OutboxMessage,
    Participation,
)
from tests.conftest import count
from tests.support.initiatives import latest, outbox, post, pushed_text
from tests.support.initiatives import person_named as person_id


def test_post_browse_join_waitlist_opinions_lifecycle(people, engine, runtime):
    owner = people("U-owner", "はなこ")
    post(owner, capacity="２人")
    ini = latest(engine)
    assert (ini.title, ini.category, ini.area, ini.help_wanted, ini.capacity) == (
        "地域の防災訓練を一緒に",
        "bousai",
        "asagaya",
        ["hands"],
        2,
    )
    staff_rows = outbox(engine, audience="staff")
    assert staff_rows[0].thread_key == f"initiative:{ini.id}"
    assert "担当する" in str(staff_rows[0].payload)
    assert count(engine, "audit_log") >= 1

    # browse: the card is there, newest first, with 「参加したい」
    taro = people("U-taro", "たろう")
    taro.command("browse")
    carousel = next(r for r in taro.last if isinstance(r, Carousel))
    assert carousel.cards[0].title == "地域の防災訓練を一緒に"
    assert carousel.cards[0].badge == "募集中"
    assert "U-owner" not in str(taro.last)

    # join, twice, and once more as a redelivered event: one participation
    taro.tap("参加したい")
    assert "参加を 受け付けました" in taro.text
    taro.tap("ひとこと送る")
    taro.say("よろしく おねがいします")
    assert "送りました" in taro.text
    taro.press(a.Join(ini.id))
    assert "すでに" in taro.text
    event = ActionInvoked(
        address=Address(channel="simulator", user_id="U-taro"),
        event_id="redelivered-1",
        data=pack(a.Join(ini.id)),
    )
    runtime.dispatcher.process(event)
    assert runtime.dispatcher.process(event).duplicate
    assert count(engine, "participation") == 1
    poster_rows = outbox(engine, person_id=person_id(engine, "はなこ"))
    assert "たろうさんが 参加したい" in pushed_text(poster_rows)
    assert "よろしく おねがいします" in pushed_text(poster_rows)

    jiro = people("U-jiro", "じろう")
    jiro.press(a.Join(ini.id))
    assert "参加を 受け付けました" in jiro.text
    saburo = people("U-saburo", "さぶろう")
    saburo.press(a.Join(ini.id))
    assert "補欠(ほけつ)（1番目(ばんめ)）" in saburo.text
    saburo.tap("とばす")

    # the poster sees display names only
    owner.press(a.Participants(ini.id))
    assert "たろう" in owner.text and "さぶろう（補欠）" in owner.text
    assert "U-taro" not in owner.text

    # taro withdraws: saburo is promoted and told
    taro.press(a.Show(ini.id))
    taro.tap("参加をやめる")
    taro.tap("はい")  # 参加をやめる asks once (issue 17)
    assert "とりやめました" in taro.text
    with Session(engine) as s:
        statuses = {
            p.person_id: p.status
            for p in s.exec(select(Participation).where(Participation.initiative_id == ini.id))
        }
    assert statuses[person_id(engine, "さぶろう")] == "joined"
    assert statuses[person_id(engine, "たろう")] == "withdrawn"
    assert "参加できるように なりました" in pushed_text(
        outbox(engine, person_id=person_id(engine, "さぶろう"))
    )

    # opinions: the poster asks the participants
    owner.press(a.Show(ini.id))
    detail = next(r for r in owner.last if isinstance(r, Card))
    assert "状態(じょうたい)を変更" in [b.label for b in detail.buttons]
    owner.tap("意見(いけん)をきく")
    owner.say("集合場所は どこが いいですか？")
    owner.tap("参加者(さんかしゃ)に")
    assert "意見募集(いけんぼしゅう)を はじめました（2人" in owner.text
    req_rows = outbox(engine, kind="opinion")
    assert {r.person_id for r in req_rows} == {
        person_id(engine, "じろう"),
        person_id(engine, "さぶろう"),
    }
    # taro withdrew: not a participant any more
    with Session(engine) as s:
        req = s.exec(select(OpinionRequest)).one()
    taro.press(a.OpinionAnswer(req.id))
    assert "参加者(さんかしゃ)だけ" in taro.text
    jiro.press(a.OpinionAnswer(req.id))
    jiro.say("公園が いいです")
    assert "ありがとうございます" in jiro.text
    assert count(engine, "opinion") == 1
    assert "公園が いいです" in pushed_text(outbox(engine, person_id=person_id(engine, "はなこ")))
    assert "公園が いいです" in pushed_text(outbox(engine, thread_key=f"initiative:{ini.id}"))
    owner.press(a.OpinionList(ini.id))
    assert "じろう：公園が いいです" in owner.text

    # lifecycle: 準備中 → 実施中 → 完了 with results
    owner.press(a.StatusMenu(ini.id))
    owner.tap("準備中")
    assert "準備中" in owner.text
    notices = outbox(engine, kind="status")
    assert {r.person_id for r in notices} == {
        person_id(engine, "じろう"),
        person_id(engine, "さぶろう"),
    }
    assert any(r.staff_update for r in outbox(engine, audience="staff"))
    owner.press(a.StatusMenu(ini.id))
    owner.tap("実施中")
    owner.press(a.StatusMenu(ini.id))
    owner.tap("完了")
    owner.say("公園で 消火器の 使い方を 練習しました")
    owner.say("１２人")
    owner.say("また やりたいです")
    with Session(engine) as s:
        done = s.get(Initiative, ini.id)
        assert done.status == "done"
        assert (done.result_participants, done.result_reflection) == (12, "また やりたいです")
        actions = [r.action for r in s.exec(select(AuditLog))]
    assert actions.count("initiative.status") == 3
    # a done initiative takes no joins
    people("U-late", "おそい").press(a.Join(ini.id))
    assert count(engine, "participation") == 3


def test_edit_any_answer_from_the_confirmation_and_post_as_organisation(people, engine):
    owner = people("U-o", "はなこ")
    owner.press(a.CreateOrganisation())
    owner.tap("町会・自治会")
    owner.say("阿佐谷北町会")
    assert "招待(しょうたい)コード" in owner.text
    owner.command("post")
    owner.say("花だん づくり")
    owner.say("駅前の 花だんを つくります")
    owner.tap("環境・みどり")
    owner.tap("区内全域")
    owner.tap("場所")
    owner.tap("資金")
    owner.tap("資金")  # toggled off again
    owner.tap("決定")
    picker = next(r for r in owner.last if isinstance(r, DatetimeRequest))
    owner.press(picker.data, datetime="2026-12-05T10:00")
    owner.tap("とばす")  # no end
    owner.tap("定員なし")
    owner.tap("阿佐谷北町会")
    assert "阿佐谷北町会" in owner.text and "2026年12月05日 10:00" in owner.text
    owner.tap("タイトルをなおす")
    owner.say("駅前の 花だん づくり")
    assert "駅前の 花だん づくり" in owner.text and "この内容で" in owner.text
    owner.tap("定員をなおす")
    owner.say("30")
    owner.tap("投稿する")
    ini = latest(engine)
    assert ini.title == "駅前の 花だん づくり"
    assert ini.capacity == 30 and ini.area is None and ini.help_wanted == ["place"]
    assert ini.starts_on is not None and ini.starts_on.hour == 1  # 10:00 JST in UTC
    from storage.models import Actor

    with Session(engine) as s:
        assert s.get(Actor, ini.actor_id).name == "阿佐谷北町会"


def test_resume_after_interruption_and_expiry(people, engine, clock):
    c = people("U-r", "りさ")
    c.command("post")
    c.say("みどりの まちあるき")
    c.command("browse")  # interrupted
    c.say("つづける")
    assert "内容を 送ってください" in c.text
    c.say("みんなで 歩きます")
    assert "分野(ぶんや)を えらんで" in c.text
    clock.advance(timedelta(days=1, minutes=1))
    c.say("こんにちは")
    assert "入力を 終了(しゅうりょう)しました" in c.text
    assert count(engine, "initiative") == 0


def test_follow_immediately_and_digest(people, engine, runtime, clock):
    fan = people("U-fan", "ファン")
    fan.command("me")
    fan.tap("フォロー設定")
    fan.tap("分野(ぶんや)をえらぶ")
    fan.tap("防災・防犯")
    assert "✓ 防災・防犯" in str(fan.last)
    fan.tap("決定")
    fan.tap("すぐにしらせる")
    weekly = people("U-weekly", "まとめ")
    weekly.press(a.FollowToggle("area", "asagaya"))
    other = people("U-other", "べつ")
    other.press(a.FollowToggle("category", "kankyo"))

    owner = people("U-o2", "はなこ")
    post(owner)
    ini = latest(engine)
    rows = outbox(engine, kind="follow")
    assert [r.person_id for r in rows] == [person_id(engine, "ファン")]
    assert rows[0].dedupe_key == f"initiative:{ini.id}:new:{rows[0].person_id}"

    from schedules.initiatives_jobs import weekly_digest

    clock.advance(timedelta(days=6))  # next Monday
    assert weekly_digest(runtime.job_context) == {"written": 1}
    assert weekly_digest(runtime.job_context) == {"written": 0}  # rerun: nothing twice
    digests = outbox(engine, kind="digest")
    assert [r.person_id for r in digests] == [person_id(engine, "まとめ")]
    assert "地域の防災訓練を一緒に" in str(digests[0].payload)
    clock.advance(timedelta(days=7))  # a week with nothing new
    assert weekly_digest(runtime.job_context) == {"written": 0}


def test_staff_claim_match_invite_and_form(people, engine):
    owner = people("U-o3", "はなこ")
    post(owner, help=("人手", "場所"))
    ini = latest(engine)
    npo = people("U-npo", "NPOの人")
    npo.press(a.CreateOrganisation())
    npo.tap("NPO")
    npo.say("防災ネット")
    from storage.models import Actor

    with Session(engine) as s:
        org = s.exec(select(Actor).where(Actor.name == "防災ネット")).one()
        org.interests, org.strengths, org.area = ["bousai"], ["hands"], "asagaya"
        s.add(org)
        s.commit()
        org_id = org.id

    staff = people("S-1", "区職員", staff=True)
    staff.press(a.Claim(ini.id))
    assert "担当になりました" in staff.text
    assert latest(engine).facilitator_id == person_id(engine, "区職員")
    staff.press(a.Match(ini.id))
    assert "防災ネット" in staff.text and "できること：人手" in staff.text
    staff.tap("防災ネットを招待")
    staff.press(a.Invite(ini.id, org_id))  # twice: deduped
    invites = outbox(engine, kind="invite")
    assert [r.person_id for r in invites] == [person_id(engine, "NPOの人")]
    assert "参加したい" in str(invites[0].payload)

    staff.command("post")
    from bot.core.replies import Form, FormErrors

    form = next(r for r in staff.last if isinstance(r, Form))
    staff.submit(form.data, {"title": "", "description": "🎉", "category": "nope"})
    errors = dict(next(r for r in staff.last if isinstance(r, FormErrors)).errors)
    assert set(errors) == {"title", "description", "category"}
    assert count(engine, "initiative") == 1
    staff.submit(
        form.data,
        {
            "actor": "ward",
            "title": "区の清掃デー",
            "description": "みんなで 清掃します",
            "category": "kankyo",
            "area": "koenji",
            "help": ["hands"],
            "capacity": "50",
        },
    )
    assert "投稿しました" in staff.text
    made = latest(engine)
    assert made.title == "区の清掃デー" and made.capacity == 50
    with Session(engine) as s:
        assert s.get(Actor, made.actor_id).kind == "ward"
    assert count(engine, "opinion") == 0
    assert Opinion is not None


def test_staff_card_updates_coalesce_while_one_waits(people, engine, runtime):
    """Card updates of one initiative queue once while unsent, carrying the latest state;
    once that one is sent, the next change queues a new one."""
    owner = people("U-co-owner", "はなこ")
    post(owner, title="公園の花だんを いっしょに")
    ini = latest(engine)

    def waiting_updates():
        return [
            r
            for r in outbox(engine, audience="staff", thread_key=f"initiative:{ini.id}")
            if r.staff_update and r.status == "pending"
        ]

    for label in ("準備中", "実施中"):
        owner.press(a.StatusMenu(ini.id))
        owner.tap(label)
    waiting = waiting_updates()
    assert len(waiting) == 1
    assert "実施中" in pushed_text(waiting)  # the latest card
    with Session(engine) as s:
        row = s.get(OutboxMessage, waiting[0].id)
        row.status = "sent"
        s.add(row)
        s.commit()
    people("U-co-staff", "やまもと", staff=True).press(a.Claim(ini.id))  # claiming updates it
    assert len(waiting_updates()) == 1
    assert waiting_updates()[0].id != waiting[0].id
    assert "やまもと" in pushed_text(waiting_updates())
