"""取組提示型 through the LINE adapter: signed webhooks in, rendered LINE messages out.

Each person taps what LINE shows them (quick replies, Flex buttons) by label; nothing is
typed but answers. post → browse → join (twice, and a redelivery) → waitlist → withdraw and
promotion → status change, with every answer checked in the store.
"""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Initiative, Participation
from tests.channels.line.conftest import postback_event
from tests.channels.line.residents import resident, texts_in


def test_initiative_life_over_line(line, line_api, engine):
    poster = resident(line, line_api, "U" + "a" * 32)
    poster.menu("post")
    poster.say("地域の防災訓練を一緒に")
    poster.say("町会と いっしょに 防災訓練を します。")
    poster.tap("防災・防犯")
    poster.tap("阿佐谷")
    poster.tap("人手")
    poster.tap("決定(けってい)")
    poster.tap("とばす")
    poster.say("１人")
    assert "この内容で 投稿しますか" in poster.text
    poster.tap("投稿する")
    assert "投稿しました" in poster.text
    with Session(engine) as db:
        ini = db.exec(select(Initiative)).one()
    assert (ini.title, ini.capacity, ini.category) == ("地域の防災訓練を一緒に", 1, "bousai")

    taro = resident(line, line_api, "U" + "b" * 32)
    taro.menu("browse")
    assert "地域の防災訓練を一緒に" in taro.text
    redelivery = taro.redeliver_last_tap("参加したい")
    taro._send(redelivery)
    assert "参加を 受け付けました" in taro.text
    again = {**redelivery, "deliveryContext": {"isRedelivery": True}}
    line.send(again)  # LINE redelivers the same webhookEventId: nothing changes
    taro._send(postback_event(taro.user, redelivery["postback"]["data"]))  # tapped twice
    assert "すでに" in taro.text
    with Session(engine) as db:
        assert len(db.exec(select(Participation)).all()) == 1

    jiro = resident(line, line_api, "U" + "c" * 32)
    jiro.menu("browse")
    jiro.tap("キャンセルまちで もうしこむ")  # a full initiative says so (issue 17)
    assert "補欠(ほけつ)（1番目(ばんめ)）" in jiro.text

    taro.menu("browse")
    taro.tap("くわしく")
    taro.tap("参加をやめる")
    taro.tap("はい")  # 参加をやめる asks once (issue 17)
    assert "とりやめました" in taro.text
    with Session(engine) as db:
        status = {p.person_id: p.status for p in db.exec(select(Participation)).all()}
    assert sorted(status.values()) == ["joined", "withdrawn"]
    line.client.portal.call(line.runtime.outbox.drain)
    pushed = [
        r.body
        for r in line_api.requests
        if isinstance(r.body, dict) and r.body.get("to") == jiro.user
    ]
    assert any("参加できるように なりました" in texts_in(b) for b in pushed)  # jiro is told
