"""Edit and withdraw what you posted: the post dialog filled in, the same limits, people told."""

from __future__ import annotations

from sqlmodel import Session

from bot.core.replies import DatetimeRequest
from handlers import initiative_actions as a
from storage.models import Initiative
from tests.conftest import count
from tests.support.initiatives import latest, outbox, person_named, post, pushed_text


def _setup(people, engine):
    owner = people("U-owner", "はなこ")
    post(owner)
    ini = latest(engine)
    taro = people("U-taro", "たろう")
    taro.press(a.Join(ini.id))
    return owner, taro, ini


def test_the_poster_changes_title_and_date_and_participants_are_told(people, engine):
    owner, _taro, ini = _setup(people, engine)
    owner.press(a.EditInitiative(ini.id))
    assert "地域の防災訓練を一緒に" in owner.text  # the card, filled in
    owner.tap("タイトルをなおす")
    owner.say("秋の 防災訓練")
    owner.tap("日時をなおす")
    picker = next(r for r in owner.last if isinstance(r, DatetimeRequest))
    owner.press(picker.data, datetime="2026-12-20T10:00")
    owner.tap("とばす")  # no end
    owner.tap("保存(ほぞん)する")
    assert "保存(ほぞん)しました" in owner.text
    with Session(engine) as s:
        changed = s.get(Initiative, ini.id)
        assert changed.title == "秋の 防災訓練" and changed.starts_on is not None
    told = outbox(engine, kind="initiative_change")
    assert len(told) == 1 and "かわりました" in pushed_text(told)


def test_a_capacity_below_the_participants_is_refused_and_nothing_is_lost(people, engine):
    owner, _taro, ini = _setup(people, engine)
    people("U-jiro", "じろう").press(a.Join(ini.id))
    owner.press(a.EditInitiative(ini.id))
    owner.tap("タイトルをなおす")
    owner.say("人数の テスト")
    owner.tap("定員をなおす")
    owner.say("1")
    owner.tap("保存(ほぞん)する")
    assert "2人より" in owner.text
    assert "人数の テスト" in owner.text  # back at the card with the answers kept
    with Session(engine) as s:
        assert s.get(Initiative, ini.id).capacity is None
    owner.tap("定員をなおす")
    owner.say("5")
    owner.tap("保存(ほぞん)する")
    with Session(engine) as s:
        assert s.get(Initiative, ini.id).capacity == 5
        assert s.get(Initiative, ini.id).title == "人数の テスト"


def test_nobody_else_edits_and_nothing_changes_after_it_ended(people, engine):
    owner, taro, ini = _setup(people, engine)
    taro.press(a.EditInitiative(ini.id))  # forged: not the poster
    assert "できません" in taro.text
    assert "タイトルをなおす" not in taro.text  # no filled-in card for someone else
    owner.press(a.StatusMenu(ini.id))
    owner.tap("中止")
    owner.say("雨の ため")
    owner.tap("中止する")
    owner.press(a.EditInitiative(ini.id))
    assert "なおせません" in owner.text


def test_withdrawing_asks_a_reason_and_participants_hear_it(people, engine):
    owner, _taro, ini = _setup(people, engine)
    owner.press(a.StatusMenu(ini.id))
    owner.tap("中止")
    assert count(engine, "initiative") == 1
    with Session(engine) as s:
        assert s.get(Initiative, ini.id).status != "cancelled"  # one tap changes nothing yet
    owner.say("会場が 使えなく なりました")
    owner.tap("中止する")
    with Session(engine) as s:
        assert s.get(Initiative, ini.id).status == "cancelled"
    assert "会場が 使えなく なりました" in pushed_text(outbox(engine, person_id=taro_id(engine)))


def taro_id(engine) -> int:
    return person_named(engine, "たろう")
