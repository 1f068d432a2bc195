"""LINE webhook events → neutral inbound events (pure translation, no I/O).

Returns ``None`` for events Kyodo does not act on (standby mode, unsend, join/leave, unknown
types, events without a user). Unknown fields are ignored; unknown *message* types become
:class:`Unsupported` so the person gets a polite prompt. The SDK parses an unknown type into an
``UnknownEvent`` that drops ``source.userId``, so the raw JSON of each event is passed along too.
"""

from __future__ import annotations

import logging
from typing import Any

from linebot.v3.webhooks import (
    EventMode,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
    UnsendEvent,
)

from bot.core.events import (
    ActionInvoked,
    Address,
    Followed,
    Inbound,
    TextReceived,
    Unfollowed,
    Unsupported,
)

log = logging.getLogger("kyodo.line.inbound")

CHANNEL = "line"


def address_of(raw: dict[str, Any]) -> Address | None:
    """Who sent it; group and room chats keep their id so dialogs stay per conversation."""
    source = raw.get("source") or {}
    user_id = source.get("userId")
    if not isinstance(user_id, str) or not user_id:
        return None
    conversation = source.get("groupId") or source.get("roomId")
    return Address(channel=CHANNEL, user_id=user_id, conversation_id=conversation or None)


def to_event(event: Any, raw: dict[str, Any]) -> Inbound | None:
    """Translate one parsed SDK event (with its raw JSON) into a neutral event, or None."""
    mode = getattr(event, "mode", None)
    if mode == EventMode.STANDBY or raw.get("mode") == "standby":
        return None  # another module channel is active: never answer
    address = address_of(raw)
    event_id = raw.get("webhookEventId")
    if address is None or not isinstance(event_id, str) or not event_id:
        return None
    common: dict[str, Any] = {
        "address": address,
        "event_id": event_id,
        "reply_handle": raw.get("replyToken") or None,
        "raw": raw,
    }
    kind = raw.get("type")
    if address.conversation_id:
        return _in_shared_chat(event, raw, common)
    if isinstance(event, FollowEvent) or kind == "follow":
        # line-bot-sdk-java's follow.json has no ``follow`` object, which the Python SDK refuses
        # to parse: the type alone says the person added Kyodo.
        return Followed(**common)
    if isinstance(event, UnfollowEvent):
        return Unfollowed(**common)
    if isinstance(event, PostbackEvent):
        params = {k: v for k, v in (event.postback.params or {}).items() if isinstance(v, str)}
        return ActionInvoked(**common, data=event.postback.data, params=params)
    if isinstance(event, MessageEvent):
        if isinstance(event.message, TextMessageContent):
            return TextReceived(**common, text=event.message.text)
        return Unsupported(**common, kind=str(getattr(event.message, "type", "unknown")))
    if kind == "message":  # a message type newer than the SDK
        message = raw.get("message") or {}
        return Unsupported(**common, kind=str(message.get("type", "unknown")))
    if isinstance(event, UnsendEvent):
        return None  # Kyodo keeps no copy of chat messages, so there is nothing to delete
    log.debug("ignored LINE event type %s", kind)
    return None


def _in_shared_chat(event: Any, raw: dict[str, Any], common: dict[str, Any]) -> Inbound | None:
    """A group or room: only what is addressed to Kyodo, answered to the person privately.

    Residents talk to each other there, so plain chatter is marked ``addressed=False`` (the
    channel drops it) and stickers and the like are ignored; a text that mentions the bot
    (``isSelf``) and a postback from one of Kyodo's own cards are handled (there is no rich
    menu in groups).
    """
    common = {**common, "reply_privately": True}
    if isinstance(event, PostbackEvent):
        params = {k: v for k, v in (event.postback.params or {}).items() if isinstance(v, str)}
        return ActionInvoked(**common, data=event.postback.data, params=params)
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        text = without_self_mentions(raw.get("message") or {})
        if text is not None:
            return TextReceived(**common, text=text)
        return TextReceived(**common, text=event.message.text, addressed=False)
    return None


def without_self_mentions(message: dict[str, Any]) -> str | None:
    """The text with the mentions of the bot cut out, or None if the bot is not mentioned."""
    text = message.get("text")
    mention = message.get("mention")
    mentionees = mention.get("mentionees") if isinstance(mention, dict) else None
    if not isinstance(text, str) or not isinstance(mentionees, list):
        return None
    spans = []
    for m in mentionees:
        if isinstance(m, dict) and m.get("isSelf") is True:
            index, length = m.get("index"), m.get("length")
            if isinstance(index, int) and isinstance(length, int) and index >= 0 < length:
                spans.append((index, index + length))
    if not spans:
        return None
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    return text.strip()
