"""Confirm and undo: 参加をやめる and 通報する ask once; 取り消す gives the place back for ten
minutes while it is still free (a promoted waitlister keeps it); a report carries a reason."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from bot.channels.line.render import card_bubble
from bot.core.replies import Card, Carousel
from handlers import initiative_actions as a
from storage.models import Participation, Report
from tests.conftest import count
from tests.support.conversation import buttons_of
from tests.support.initiatives import latest, person_named, post


def status_of(engine, ini_id: int, name: str) -> str:
    with Session(engine) as db:
        return db.exec(
            select(Participation.status).where(
                Participation.initiative_id == ini_id,
                Participation.person_id == person_named(engine, name),
            )
        ).one()


def joined(people, engine, user: str, name: str, capacity: str | None = None):
    owner = people("U-owner", "はなこ")
    post(owner, capacity=capacity)
    ini = latest(engine)
    c = people(user, name)
    c.press(a.Join(ini.id))
    assert "参加を 受け付けました" in c.text
    return ini, c


def test_withdraw_asks_once_and_no_keeps_the_place(people, engine):
    ini, taro = joined(people, engine, "U-taro", "たろう")
    taro.press(a.Show(ini.id))
    taro.tap("参加をやめる")
    assert "ほんとうに「地域の防災訓練を一緒に」への 参加を やめますか" in taro.text
    assert [b.label for b in buttons_of(taro.last)] == ["はい", "いいえ"]
    assert status_of(engine, ini.id, "たろう") == "joined"  # nothing yet
    taro.tap("いいえ")
    assert "参加は そのままです" in taro.text
    assert status_of(engine, ini.id, "たろう") == "joined"


def test_withdraw_then_undo_within_ten_minutes_restores_the_place(people, engine, clock):
    ini, taro = joined(people, engine, "U-taro", "たろう", capacity="2人")
    taro.press(a.Show(ini.id))
    taro.tap("参加をやめる")
    taro.tap("はい")
    assert "とりやめました" in taro.text and "10分" in taro.text
    assert status_of(engine, ini.id, "たろう") == "withdrawn"
    clock.advance(timedelta(minutes=9))
    taro.tap("とりけす")
    assert "ふたたび 参加しています" in taro.text
    assert status_of(engine, ini.id, "たろう") == "joined"
    assert count(engine, "participation") == 1
    taro.press(a.UndoWithdraw(ini.id, "joined"))  # the same (stale) button again
    assert "とりけす 操作(そうさ)は ありません" in taro.text


def test_undo_after_ten_minutes_is_refused_with_the_reason(people, engine, clock):
    ini, taro = joined(people, engine, "U-taro", "たろう")
    taro.press(a.WithdrawAsk(ini.id))
    taro.tap("はい")
    clock.advance(timedelta(minutes=10, seconds=1))
    taro.tap("とりけす")
    assert "10分 以上(いじょう) たったため" in taro.text
    assert status_of(engine, ini.id, "たろう") == "withdrawn"


def test_undo_when_a_waitlister_took_the_place_offers_the_waitlist(people, engine):
    ini, taro = joined(people, engine, "U-taro", "たろう", capacity="1人")
    jiro = people("U-jiro", "じろう")
    jiro.press(a.Join(ini.id))
    assert status_of(engine, ini.id, "じろう") == "waitlisted"
    taro.press(a.WithdrawAsk(ini.id))
    taro.tap("はい")
    assert status_of(engine, ini.id, "じろう") == "joined"  # promoted at once
    taro.tap("とりけす")
    assert "ほかの 人が 入りました" in taro.text
    assert [b.label for b in buttons_of(taro.last)] == ["キャンセルまちで もうしこむ"]
    assert status_of(engine, ini.id, "たろう") == "withdrawn"
    assert status_of(engine, ini.id, "じろう") == "joined"  # never demoted


def test_report_asks_once_with_reasons_and_no_reports_nothing(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    other = people("U-other", "さとう")
    other.command("browse")
    other.tap("くわしく")
    other.tap("通報する")
    assert "ほんとうに「地域の防災訓練を一緒に」を 通報しますか" in other.text
    labels = [b.label for b in buttons_of(other.last)]
    assert labels == [
        "不適切(ふてきせつ)な内容",
        "個人情報(こじんじょうほう)",
        "宣伝(せんでん)・勧誘(かんゆう)",
        "そのた",
        "いいえ",
    ]
    assert count(engine, "report") == 0
    other.tap("いいえ")
    assert "通報は しませんでした" in other.text
    assert count(engine, "report") == 0
    other.command("browse")
    other.tap("くわしく")
    other.tap("通報する")
    other.tap("個人情報")
    assert "通報を 受け付けました" in other.text
    with Session(engine) as db:
        assert db.exec(select(Report.reason)).all() == ["personal"]


def test_report_is_set_apart_from_the_other_buttons_on_an_idea_card(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    other = people("U-other", "さとう")
    other.command("browse")
    other.tap("くわしく")
    card = next(r for r in other.last if isinstance(r, Card | Carousel))
    card = card.cards[0] if isinstance(card, Carousel) else card
    assert card.buttons[-1].label == "通報する" and card.buttons[-1].style == "subtle"
    footer = card_bubble(card).footer.contents
    kinds = [(c.type, getattr(c, "style", None)) for c in footer]
    assert kinds[-2:] == [("separator", None), ("button", "link")]
    assert ("separator", None) not in kinds[:-2]  # only 通報する is set apart
