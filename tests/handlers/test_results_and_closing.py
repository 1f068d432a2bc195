"""Results reach people and closed means closed: the 完了 notice carries the results report
and a button to open the initiative; after 完了/中止 nobody joins or withdraws (server-side)
and the card offers neither; a poster can't join their own; a full initiative says
キャンセル待ち; browse shows open initiatives first."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.actions import unpack
from bot.core.replies import Card, Carousel
from handlers import initiative_actions as a
from storage.models import Participation
from tests.conftest import count
from tests.support.conversation import buttons_of
from tests.support.initiatives import latest, outbox, person_named, post


def finish(owner, ini_id: int) -> None:
    for label in ("実施中", "完了"):
        owner.press(a.StatusMenu(ini_id))
        owner.tap(label)
    owner.say("公園で 消火器の 使い方を 練習しました")
    owner.say("１２人")
    owner.say("また やりたいです")


def cards_in(replies) -> list[Card]:
    found: list[Card] = []
    for r in replies:
        if isinstance(r, Card):
            found.append(r)
        elif isinstance(r, Carousel):
            found.extend(r.cards)
    return found


def test_the_done_notice_carries_the_results_and_a_button_to_open_it(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    taro.press(a.Join(ini.id))
    finish(owner, ini.id)
    rows = outbox(engine, kind="status", person_id=person_named(engine, "たろう"))
    done = [r for r in rows if "完了" in str(r.payload)]
    assert len(done) == 1
    payload = done[0].payload
    assert payload[0]["kind"] == "text" and "「完了」に なりました" in payload[0]["text"]
    card = payload[1]
    assert card["kind"] == "card"
    assert "公園で 消火器の 使い方を 練習しました" in card["body"]
    assert "12" in card["body"] and "また やりたいです" in card["body"]
    opens = [b for b in card["buttons"] if b["label"] == "くわしく"]
    assert len(opens) == 1 and unpack(opens[0]["data"]) == a.Show(ini.id)
    assert "参加をやめる" not in [b["label"] for b in card["buttons"]]


def test_after_done_nobody_withdraws_and_the_card_has_no_such_button(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    jiro = people("U-jiro", "じろう")
    taro.press(a.Join(ini.id))
    jiro.press(a.Join(ini.id))
    finish(owner, ini.id)
    taro.press(a.Show(ini.id))
    labels = [b.label for c in cards_in(taro.last) for b in c.buttons]
    assert "参加をやめる" not in labels and "参加したい" not in labels
    taro.press(a.Withdraw(ini.id))  # a forged or stale button
    assert "とりやめは できません" in taro.text
    taro.press(a.WithdrawAsk(ini.id))
    assert "とりやめは できません" in taro.text
    with Session(engine) as db:
        statuses = db.exec(
            select(Participation.status).where(Participation.initiative_id == ini.id)
        ).all()
    assert sorted(statuses) == ["joined", "joined"]  # the count stays 2


def test_after_cancel_nobody_withdraws_either(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    taro.press(a.Join(ini.id))
    owner.press(a.StatusMenu(ini.id))
    owner.tap("中止")
    owner.say("雨の ため")  # 中止 asks a reason (participants are told) and a confirmation
    owner.tap("中止する")
    taro.press(a.Withdraw(ini.id))
    assert "参加の 変更は できません" in taro.text
    with Session(engine) as db:
        assert db.exec(select(Participation.status)).all() == ["joined"]


def test_a_poster_cannot_join_their_own_initiative(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    owner.press(a.Show(ini.id))
    card = cards_in(owner.last)[0]
    assert ("あなた", "あなたの取組です") in card.fields
    assert "参加したい" not in [b.label for b in card.buttons]
    assert "参加者" in " ".join(b.label for b in card.buttons)  # its management buttons
    owner.press(a.Join(ini.id))  # forged
    assert "あなたの取組です" in owner.text
    assert count(engine, "participation") == 0
    assert outbox(engine, kind="join") == []  # nobody was told 「投稿した人に 伝えました」


def test_a_full_initiative_offers_the_waitlist(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner, capacity="1人")
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    jiro = people("U-jiro", "じろう")
    jiro.press(a.Show(ini.id))
    assert "参加したい" in [b.label for b in buttons_of(jiro.last)]
    taro.press(a.Join(ini.id))
    jiro.press(a.Show(ini.id))
    labels = [b.label for b in buttons_of(jiro.last)]
    assert "キャンセルまちで もうしこむ" in labels and "参加したい" not in labels
    jiro.tap("キャンセルまちで もうしこむ")
    assert "補欠(ほけつ)（1番目(ばんめ)）" in jiro.text


def test_browse_lists_open_initiatives_first(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner, title="おわった 清掃活動")
    finished = latest(engine)
    finish(owner, finished.id)
    post(owner, title="準備中の 見守り")
    preparing = latest(engine)
    owner.press(a.StatusMenu(preparing.id))
    owner.tap("準備中")
    post(owner, title="実施中の 花壇づくり")
    running = latest(engine)
    owner.press(a.StatusMenu(running.id))
    owner.tap("実施中")
    post(owner, title="募集中の 防災訓練")
    reader = people("U-reader", "よむ人")
    reader.command("browse")
    carousel = next(r for r in reader.last if isinstance(r, Carousel))
    titles = [c.title for c in carousel.cards]
    assert titles == [
        "募集中の 防災訓練",
        "準備中の 見守り",
        "実施中の 花壇づくり",
        "おわった 清掃活動",
    ]
