"""Inbound events: what a channel adapter turns a webhook into.

Adapters (LINE, Slack, simulator) translate their payloads into these frozen types, so
handlers never see a platform format. ``event_id`` is the platform's own id (LINE
``webhookEventId``, Slack ``event_id`` or action timestamp) and is the de-duplication key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Channel = Literal["line", "slack", "simulator"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """Enough to reach a person again later (cf. botbuilder's ConversationReference)."""

    channel: str
    user_id: str
    conversation_id: str | None = None  # LINE group/room, Slack channel; None = 1:1 chat
    thread_id: str | None = None  # Slack thread_ts

    @property
    def key(self) -> tuple[str, str, str]:
        """Serialisation key: events of one person in one conversation run one at a time."""
        return (self.channel, self.conversation_id or "", self.user_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Inbound:
    address: Address
    event_id: str
    reply_handle: Any = None  # LINE reply token, Slack response_url/trigger_id; adapters only
    staff: bool = False  # set only by an adapter that verified the person is ward staff
    display_name: str | None = None  # the platform's profile name, used once at sign-up
    language: str | None = None  # platform language hint ("ja", "easy", "en")
    # A shared chat (LINE group/room): replies go to the person 1:1 and the dialog lives in
    # their 1:1 chat, so nothing personal is posted where other members can read it.
    reply_privately: bool = False
    addressed: bool = True  # False: chatter in a shared chat, not meant for Kyodo (not handled)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextReceived(Inbound):
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionInvoked(Inbound):
    """A button, quick reply or postback; ``data`` is a packed action (see actions.py)."""

    data: str
    params: dict[str, str] = field(default_factory=dict)  # e.g. LINE datetime picker


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Inbound):
    """A named command: Slack slash sub-command, LINE rich-menu entry, simulator menu."""

    name: str
    args: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmitted(Inbound):
    """A submitted form (Slack modal, simulator form). ``data`` is the packed submit action."""

    data: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Followed(Inbound):
    """The person added the bot (LINE follow) or opened it for the first time."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unfollowed(Inbound):
    """The person blocked the bot: no more pushes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsupported(Inbound):
    """A sticker, image or other content the dialogs cannot use."""

    kind: str = "unknown"
