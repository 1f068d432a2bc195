"""取組提示型 through the LINE adapter: signed webhooks in, rendered LINE messages out.

Each person taps what LINE shows them (quick replies, Flex buttons) by label; nothing is
typed but answers. post → browse → join (twice, and a redelivery) → waitlist → withdraw and
promotion → status change, with every answer checked in the store.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from bot.core.actions import pack
from handlers.common import Menu
from storage.models import Initiative, Participation
from tests.channels.line.conftest import follow_event, postback_event, text_event


def actions_in(node: Any) -> list[dict]:
    """Every action object in LINE messages (quick replies and Flex buttons)."""
    found = []
    if isinstance(node, dict):
        action = node.get("action")
        if isinstance(action, dict) and "label" in action:
            found.append(action)
        for value in node.values():
            found.extend(actions_in(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(actions_in(value))
    return found


def texts_in(node: Any) -> str:
    if isinstance(node, dict):
        return (
            " ".join([node["text"]] if isinstance(node.get("text"), str) else [])
            + " "
            + " ".join(texts_in(v) for k, v in node.items() if k != "text")
        )
    if isinstance(node, list):
        return " ".join(texts_in(v) for v in node)
    return ""


class LineUser:
    """One resident on LINE: what they send is a signed webhook; what they see is what the
    LINE stand-in received for them (the reply to their token, or pushes to them)."""

    def __init__(self, line, api, user: str):
        self.line, self.api, self.user = line, api, user
        self.seen: list[dict] = []

    def _send(self, event: dict) -> None:
        token = event.get("replyToken")
        before = len(self.api.requests)
        assert self.line.send(event).status_code == 200
        self.seen = [
            m
            for r in self.api.requests[before:]
            if isinstance(r.body, dict)
            and (r.body.get("replyToken") == token or r.body.get("to") == self.user)
            for m in r.body.get("messages", [])
        ]

    def follow(self) -> None:
        self._send(follow_event(self.user))

    def say(self, text: str) -> None:
        self._send(text_event(self.user, text))

    def menu(self, name: str) -> None:
        self._send(postback_event(self.user, pack(Menu(name))))

    def tap(self, label: str) -> None:
        for action in actions_in(self.seen):
            if action["label"] == label and action.get("type") == "postback":
                self._send(postback_event(self.user, action["data"]))
                return
        raise AssertionError(f"{label!r} not in {[a['label'] for a in actions_in(self.seen)]}")

    def redeliver_last_tap(self, label: str) -> dict:
        action = next(a for a in actions_in(self.seen) if a["label"] == label)
        return postback_event(self.user, action["data"])

    @property
    def text(self) -> str:
        return texts_in(self.seen)


def resident(line, api, user: str) -> LineUser:
    person = LineUser(line, api, user)
    person.follow()
    assert "ともだち追加" in person.text
    person.tap("同意する")
    return person


def test_initiative_life_over_line(line, line_api, engine):
    poster = resident(line, line_api, "U" + "a" * 32)
    poster.menu("post")
    poster.say("地域の防災訓練を一緒に")
    poster.say("町会と いっしょに 防災訓練を します。")
    poster.tap("防災・防犯")
    poster.tap("阿佐谷")
    poster.tap("人手")
    poster.tap("決定")
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
    jiro.tap("参加したい")
    assert "補欠（1番目）" in jiro.text

    taro.menu("browse")
    taro.tap("くわしく")
    taro.tap("参加をやめる")
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
