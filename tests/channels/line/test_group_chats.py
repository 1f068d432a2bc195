"""LINE group and room chats through signed webhooks: Kyodo answers only what is addressed to
it, and everything it answers goes to the person 1:1 — the group only hears 「個別(こべつ)に 送りました」."""

from __future__ import annotations

import json

from tests.channels.line.conftest import postback_event, text_event
from tests.channels.line.residents import actions_in, resident, texts_in
from tests.conftest import count

GROUP = "C" + "a" * 32
ROOM = "R" + "b" * 32
C = "U" + "c" * 32
D = "U" + "d" * 32
MENTION = "@Kyodo "


def shared(event: dict, user: str, where: str = GROUP) -> dict:
    kind, key = ("group", "groupId") if where.startswith("C") else ("room", "roomId")
    event["source"] = {"type": kind, key: where, "userId": user}
    return event


def said_in(where: str, user: str, text: str, *, mention: bool = True) -> dict:
    event = shared(text_event(user, (MENTION if mention else "") + text), user, where)
    if mention:
        event["message"]["mention"] = {
            "mentionees": [{"index": 0, "length": len(MENTION) - 1, "type": "user", "isSelf": True}]
        }
    return event


def group_reply(line_api, event: dict) -> list[dict]:
    return [
        m
        for r in line_api.calls("reply")
        if r.body["replyToken"] == event["replyToken"]
        for m in r.body["messages"]
    ]


def pushes_to(line_api, user: str, since: int) -> list[dict]:
    return [
        m
        for r in line_api.calls("push")[since:]
        if r.body["to"] == user
        for m in r.body["messages"]
    ]


def test_chatter_in_a_group_or_room_gets_no_reply(line, line_api, engine):
    resident(line, line_api, C)
    before = len(line_api.requests)
    for where in (GROUP, ROOM):
        line.send(said_in(where, C, "今日は 暑いですね", mention=False))
        line.send(said_in(where, C, "マイデータ", mention=False))
    assert line_api.requests[before:] == []
    assert count(engine, "dialog_state") == 0


def test_a_mention_of_the_bot_is_answered_privately_in_groups_and_rooms(line, line_api):
    resident(line, line_api, C)
    for where in (GROUP, ROOM):
        pushed = len(line_api.calls("push"))
        asked = said_in(where, C, "ヘルプ")
        line.send(asked)
        [notice] = group_reply(line_api, asked)
        assert notice["text"] == "個別(こべつ)に 送りました。"
        assert "quickReply" not in notice
        assert pushes_to(line_api, C, pushed)  # the help itself, 1:1


def test_my_data_asked_in_a_group_posts_nothing_personal_there(line, line_api):
    line_api.profiles[C] = "しずか"
    resident(line, line_api, C)
    pushed = len(line_api.calls("push"))
    asked = said_in(GROUP, C, "マイデータ")
    line.send(asked)

    in_group = json.dumps(group_reply(line_api, asked), ensure_ascii=False)
    assert "個別(こべつ)に 送りました" in in_group
    assert "しずか" not in in_group and "マイデータ" not in in_group
    card = pushes_to(line_api, C, pushed)
    assert "しずか" in texts_in(card)
    download = next(a for a in actions_in(card) if a["label"] == "ダウンロード")

    pushed = len(line_api.calls("push"))
    tapped = shared(postback_event(C, download["data"]), C)  # a postback from Kyodo's own card
    line.send(tapped)
    in_group = json.dumps(group_reply(line_api, tapped), ensure_ascii=False)
    assert "/mydata/" not in in_group and "個別(こべつ)に 送りました" in in_group
    assert "/mydata/" in texts_in(pushes_to(line_api, C, pushed))


def test_someone_elses_confirm_button_is_refused(line, line_api, engine):
    c = resident(line, line_api, C)
    resident(line, line_api, D)
    c.say("マイデータ")
    c.tap("データを削除")
    confirm = next(a for a in actions_in(c.seen) if a["label"] == "はい、削除する")

    pushed = len(line_api.calls("push"))
    line.send(shared(postback_event(D, confirm["data"]), D))  # D taps C's bubble in a group
    assert "ほかの方 あての" in texts_in(pushes_to(line_api, D, pushed))
    with engine.connect() as conn:
        deleted = conn.exec_driver_sql("SELECT count(*) FROM person WHERE deleted").scalar_one()
    assert deleted == 0

    c.tap("はい、削除する")  # the person it was made for
    assert "削除しました" in c.text


def test_a_person_who_is_not_a_friend_is_asked_to_add_kyodo(line, line_api):
    line_api.fail.append(("push", 403, {"message": "Not a friend"}))
    asked = said_in(GROUP, "U" + "e" * 32, "ヘルプ")
    line.send(asked)
    [notice] = group_reply(line_api, asked)
    assert "ともだち追加" in notice["text"]
