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
    if isinstance(event, FollowEvent):
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
