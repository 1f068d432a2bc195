"""LINE event → neutral event translation (pure)."""

from __future__ import annotations

from linebot.v3.webhooks import Event

from bot.channels.line.inbound import to_event
from bot.core.events import ActionInvoked, Followed, TextReceived, Unfollowed, Unsupported
from tests.channels.line.conftest import (
    follow_event,
    postback_event,
    sticker_event,
    text_event,
    unfollow_event,
)


def translate(raw: dict):
    return to_event(Event.from_dict(raw), raw)


def test_text_follow_unfollow_sticker():
    text = translate(text_event("U1", "ヘルプ", reply_token="r1", eid="01JX"))
    assert isinstance(text, TextReceived)
    assert (text.text, text.event_id, text.reply_handle) == ("ヘルプ", "01JX", "r1")
    assert text.address.channel == "line" and text.address.user_id == "U1"
    assert text.address.conversation_id is None and text.language is None
    assert isinstance(translate(follow_event("U1")), Followed)
    unfollowed = translate(unfollow_event("U1"))
    assert isinstance(unfollowed, Unfollowed) and unfollowed.reply_handle is None
    sticker = translate(sticker_event("U1"))
    assert isinstance(sticker, Unsupported) and sticker.kind == "sticker"


def test_postback_with_datetime_params():
    event = translate(postback_event("U1", "k1:x:1", params={"datetime": "2026-12-01T10:00"}))
    assert isinstance(event, ActionInvoked)
    assert event.data == "k1:x:1"
    assert event.params == {"datetime": "2026-12-01T10:00"}


def test_group_messages_keep_the_group_as_conversation():
    raw = text_event("U1", "hi")
    raw["source"] = {"type": "group", "groupId": "C123", "userId": "U1"}
    event = translate(raw)
    assert event.address.conversation_id == "C123" and event.address.user_id == "U1"


def test_ignored_events():
    standby = {**text_event("U1", "x"), "mode": "standby"}
    assert translate(standby) is None
    no_user = text_event("U1", "x")
    no_user["source"] = {"type": "group", "groupId": "C1"}
    assert translate(no_user) is None
    unsend = {**unfollow_event("U1"), "type": "unsend", "unsend": {"messageId": "1"}}
    assert translate(unsend) is None
    join = {**follow_event("U1"), "type": "join"}
    join.pop("follow")
    join["source"] = {"type": "group", "groupId": "C1"}
    assert translate(join) is None
