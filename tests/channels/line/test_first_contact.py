"""First contact from several conversations at once: one person, every message answered.

A new LINE user whose first 1:1 message and first group/room messages are handled in
parallel used to make each turn create the person; on PostgreSQL all but one failed on the
channel_account unique key. The inbox handles different conversations concurrently, so one
signed body with ten events from ten conversations is the race.
"""

from __future__ import annotations

import logging

from tests.channels.line.conftest import body_of, text_event
from tests.conftest import count

USER = "U0000000000000000000000000new001"


def in_conversation(event: dict, kind: str, conversation: str) -> dict:
    key = "groupId" if kind == "group" else "roomId"
    event["source"] = {"type": kind, key: conversation, "userId": USER}
    text = "@Kyodo ヘルプ"
    event["message"]["text"] = text
    event["message"]["mention"] = {
        "mentionees": [{"index": 0, "length": 6, "type": "user", "userId": "Ubot", "isSelf": True}]
    }
    return event


def test_ten_concurrent_first_events_make_one_person_and_ten_answers(
    line, line_api, engine, caplog
):
    events = [text_event(USER, "ヘルプ", reply_token="tok-0")]
    events += [
        in_conversation(text_event(USER, "x", reply_token=f"tok-{i}"), "group", f"C{i:032d}")
        for i in range(1, 6)
    ]
    events += [
        in_conversation(text_event(USER, "x", reply_token=f"tok-{i}"), "room", f"R{i:032d}")
        for i in range(6, 10)
    ]
    with caplog.at_level(logging.INFO):
        assert line.post(body_of(*events)).status_code == 200
        line.drain()

    assert count(engine, "person") == 1
    assert count(engine, "channel_account") == 1
    assert count(engine, "actor") == 1
    replies: dict[str, list[dict]] = {}
    for call in line_api.calls("reply"):
        replies.setdefault(call.body["replyToken"], []).extend(call.body["messages"])
    assert sorted(replies) == sorted(f"tok-{i}" for i in range(10))
    for messages in replies.values():
        text = " ".join(m.get("text") or m.get("altText") or "" for m in messages)
        assert text and "エラー" not in text
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
