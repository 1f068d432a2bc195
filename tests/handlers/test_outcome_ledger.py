"""The outcome ledger through whole conversations on the real store: counts are written when
things happen and survive withdrawals (refused after 完了), data deletion and hiding."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from handlers import initiative_actions as a
from handlers.idea_actions import AnswerForm, MakeInitiative
from handlers.moderation import Decide
from storage.db import session_scope
from storage.models import Idea, IdeaCall, Meeting, OutcomeFact, Participation, Rsvp
from storage.queries import outcomes as o
from tests.handlers.conftest import call_values, send_idea
from tests.support.adopt import publish_prefilled
from tests.support.initiatives import latest, post
from tests.support.initiatives import person_named as person_id

TOKYO = ZoneInfo("Asia/Tokyo")


def complete(owner, initiative_id: int, count: str = "１２人") -> None:
    owner.press(a.StatusMenu(initiative_id))
    owner.tap("実施中")
    owner.press(a.StatusMenu(initiative_id))
    owner.tap("完了")
    owner.say("公園で 消火器の 使い方を 練習しました")
    owner.say(count)
    owner.say("また やりたいです")
    assert "完了" in owner.text, owner.text


def staff_totals(engine, period=o.ALL_TIME) -> dict[str, int]:
    with Session(engine) as db:
        return o.totals(db, period, public=False)


def public_totals(engine, period=o.ALL_TIME) -> dict[str, int]:
    with Session(engine) as db:
        return o.totals(db, period, public=True)


def test_counts_survive_withdrawal_deletion_and_hiding(people, staff, engine):
    owner = people("U-owner", "はなこ")
    owner.press(a.CreateOrganisation())
    owner.tap("町会・自治会")
    owner.say("阿佐谷北町会")
    post(owner, as_name="阿佐谷北町会")
    ini = latest(engine)
    joiners = [people(f"U-j{i}", name) for i, name in enumerate(("たろう", "じろう", "さぶろう"))]
    for j in joiners:
        j.press(a.Join(ini.id))
        assert "参加を 受け付けました" in j.text
    # one withdraws before 完了: not counted
    joiners[2].press(a.Withdraw(ini.id))
    assert "とりやめました" in joiners[2].text
    complete(owner, ini.id)
    owner.press(a.SetStatus(ini.id, "done", "running"))  # an old button: nothing twice

    taro = person_id(engine, "たろう")
    before = staff_totals(engine)
    assert before["initiatives_posted"] == 1
    assert before["initiatives_started"] == 1
    assert before["initiatives_completed"] == 1
    assert before["participants"] == 2
    with Session(engine) as db:
        assert o.partnership_matrix(db, public=False) == {
            ("individual", "individual"): 1,
            ("individual", "neighborhood"): 1,
        }
        assert o.breakdown(db, "initiatives_posted", "actor_kind", public=False) == {
            "neighborhood": 1
        }
        assert o.breakdown(db, "participants", "area", public=False) == {"asagaya": 2}
        assert o.participants_of(db, [ini.id]) == {ini.id: 2}
        assert o.person_summary(db, taro)["completed"] == 1

    # withdrawing after 完了 is refused and changes nothing
    joiners[0].press(a.Withdraw(ini.id))
    assert "完了しました" in joiners[0].text and "とりやめは できません" in joiners[0].text
    with Session(engine) as db:
        statuses = sorted(
            p.status
            for p in db.exec(select(Participation).where(Participation.initiative_id == ini.id))
        )
    assert statuses == ["joined", "joined", "withdrawn"]
    joiners[0].press(a.Show(ini.id))
    assert "参加をやめる" not in str(joiners[0].last)

    # マイデータ deletion: anonymised, still counted
    gone = person_id(engine, "じろう")
    joiners[1].say("マイデータ")
    joiners[1].tap("データを削除")
    joiners[1].tap("はい、削除する")
    assert "削除しました" in joiners[1].text
    assert staff_totals(engine) == before
    with Session(engine) as db:
        facts = db.exec(select(OutcomeFact).where(OutcomeFact.measure == "participants")).all()
        assert sorted(f.person_id is None for f in facts) == [False, True]
        assert o.person_summary(db, gone)["completed"] == 0

    # hidden by moderation: out of public numbers, still counted for staff
    staff.press(Decide("initiative", ini.id, "keep"))
    assert staff_totals(engine) == before
    hidden = public_totals(engine)
    assert hidden["initiatives_posted"] == 0 and hidden["participants"] == 0
    with Session(engine) as db:
        assert o.partnership_matrix(db, public=True) == {}
    staff.press(Decide("initiative", ini.id, "restore"))
    assert public_totals(engine) == before


def test_fiscal_year_boundary_in_tokyo(people, engine, clock):
    owner = people("U-owner", "はなこ")
    # 3/31 23:30 JST is still 令和8年度 (FY2026); 4/1 00:10 JST starts FY2027
    clock.set(datetime(2027, 3, 31, 23, 30, tzinfo=TOKYO))
    post(owner, title="年度末の 清掃")
    first = latest(engine)
    complete(owner, first.id)
    clock.set(datetime(2027, 4, 1, 0, 10, tzinfo=TOKYO))
    post(owner, title="新年度の 清掃")
    second = latest(engine)
    complete(owner, second.id)

    fy2026, fy2027 = o.fiscal_year(2026, TOKYO), o.fiscal_year(2027, TOKYO)
    assert staff_totals(engine, fy2026)["initiatives_completed"] == 1
    assert staff_totals(engine, fy2027)["initiatives_completed"] == 1
    assert staff_totals(engine, fy2026)["initiatives_posted"] == 1
    # in UTC both happened on 3/31: the boundary is the ward's, not the server's
    with Session(engine) as db:
        times = sorted(f.occurred_at for f in db.exec(select(OutcomeFact)))
    assert all(t.astimezone(UTC).day == 31 for t in times)
    assert o.fiscal_year_of(times[-1], TOKYO) == 2027
    march = o.month(2027, 3, TOKYO)
    april = o.month(2027, 4, TOKYO)
    assert staff_totals(engine, march)["initiatives_posted"] == 1
    assert staff_totals(engine, april)["initiatives_posted"] == 1


def test_ideas_answers_conversions_and_meetings(staff, resident, engine, clock):
    from datetime import timedelta

    from bot.core.replies import Form

    form = next(r for r in staff.command("new_call") if isinstance(r, Form))
    staff.submit(form.data, call_values(clock))
    staff.tap("公開する")
    with session_scope(engine) as db:
        call_id = db.exec(select(IdeaCall.id)).one()
    author = resident("U-author", "鈴木")
    send_idea(author, call_id, "朝だけ 臨時の 駐輪場を ひらく")
    send_idea(author, call_id, "案内板を ふやす")
    with session_scope(engine) as db:
        first, second = db.exec(select(Idea.id).order_by(Idea.id)).all()
    clock.advance(timedelta(days=3))
    staff.submit(AnswerForm(first), {"status": "adopted", "answer": "来月から 試します。"})
    staff.submit(AnswerForm(first), {"status": "adopted", "answer": "再来月から 試します。"})
    staff.submit(AnswerForm(second), {"status": "declined", "answer": "今回は 見送ります。"})
    staff.press(MakeInitiative(first))
    publish_prefilled(staff)  # the prefilled modal, confirmed (issue 16)
    staff.press(MakeInitiative(first))

    totals = staff_totals(engine)
    assert totals["ideas_submitted"] == 2
    assert totals["ideas_answered"] == 2  # the first answer only, per idea
    assert totals["ideas_adopted"] == 1
    assert totals["ideas_to_initiatives"] == 1
    assert totals["initiatives_posted"] == 1
    suzuki = person_id(engine, "鈴木")
    staff_id = person_id(engine, "区の職員")
    with Session(engine) as db:
        assert o.mean_days_to_answer(db, public=False) == 3.0
        assert o.breakdown(db, "initiatives_posted", "actor_kind", public=False) == {"ward": 1}
        summary = o.person_summary(db, suzuki)
    assert summary["ideas"] == 2 and summary["adopted"] == 1

    # a held meeting counts once, with who said they would come
    with session_scope(engine) as db:
        ini_id = db.exec(select(Idea.initiative_id).where(Idea.id == first)).one()
        meeting = Meeting(
            initiative_id=ini_id,
            title="準備の集い",
            starts_at=clock.now() - timedelta(hours=1),
            created_by=staff_id,
        )
        db.add(meeting)
        db.flush()
        db.add(Rsvp(meeting_id=meeting.id, person_id=suzuki, answer="yes"))
        meeting_id = meeting.id
    from handlers.meeting_actions import RecordMeeting

    for _ in range(2):
        staff.press(RecordMeeting(meeting_id))
        staff.say("10人で 話しました")
    totals = staff_totals(engine)
    assert (totals["meetings_held"], totals["attendance"]) == (1, 1)
    with Session(engine) as db:
        assert o.person_summary(db, suzuki)["attended"] == 1


def test_my_page_shows_your_collaboration_and_the_ward_numbers(people, engine):
    from bot.core.replies import Card

    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    taro.press(a.Join(ini.id))
    newcomer = people("U-new", "あたらしい")
    complete(owner, ini.id)

    taro.command("me")
    card = next(
        r for r in taro.last if isinstance(r, Card) and r.title == "あなたの協働(きょうどう)"
    )
    assert dict(card.fields) == {
        "参加して 完了した取組": "1件",
        "出席(しゅっせき)した会議": "0回",
        "採用(さいよう)された アイデア": "0件",
    }
    assert (
        "区の 協働(きょうどう)の成果(せいか)：完了した取組 1件・参加者(さんかしゃ) 1人" in card.body
    )
    assert "/public" in card.body
    newcomer.command("me")
    card = next(
        r for r in newcomer.last if isinstance(r, Card) and r.title == "あなたの協働(きょうどう)"
    )
    assert dict(card.fields)["参加して 完了した取組"] == "0件"
    english = people("U-en", "Ann", language="en")
    english.command("me")
    assert any(isinstance(r, Card) and r.title == "Your collaboration" for r in english.last)
