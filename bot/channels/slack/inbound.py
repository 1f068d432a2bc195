"""Slack payloads → neutral events (pure functions; Bolt-style extractors).

The adapter has already decided ``staff`` (see staff.py). Every Slack surface speaks to the
same per-person conversation (``conversation_id=None``): a dialog begun from a slash command can
go on in the bot's DM. Where to answer travels in the :class:`SlackHandle` (``reply_handle``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.channels.slack import render
from bot.core.events import (
    ActionInvoked,
    Address,
    CommandInvoked,
    FormSubmitted,
    Inbound,
    TextReceived,
)

CHANNEL = "slack"
HOME_COMMAND = "console"
HELP_COMMAND = "help"


@dataclass
class SlackHandle:
    """Where and how to answer one Slack interaction (adapter-only; handlers never see it)."""

    kind: Literal["action", "command", "view", "message", "home"]
    channel_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None
    message_ts: str | None = None
    view_id: str | None = None
    block_ids: tuple[str, ...] = ()
    slash_help: bool = False
    in_modal: bool = False  # a button inside an open modal: a new form is pushed on top
    in_home: bool = False  # a button in the App Home view (the staff console)
    ephemeral: bool = False  # a button in an ephemeral message: answer via response_url
    ack: Callable[..., Awaitable[Any]] | None = field(default=None, repr=False)
    acked: bool = False


@dataclass(frozen=True)
class Who:
    staff: bool = False
    display_name: str | None = None
    language: str | None = None


def user_id_of(body: dict[str, Any]) -> str | None:
    """The acting user in any payload (``user`` str or dict, ``user_id``, nested ``event``)."""
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    if isinstance(user, str):
        return user
    if body.get("user_id"):
        return body["user_id"]
    event = body.get("event")
    if isinstance(event, dict):
        return user_id_of(event)
    return None


def user_team_of(body: dict[str, Any]) -> str | None:
    """The acting user's home workspace, when Slack tells it (Slack Connect guests differ)."""
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return user["team_id"]
    event = body.get("event")
    if isinstance(event, dict):
        return event.get("user_team") or None
    return None


def _common(body: dict[str, Any], user: str, event_id: str, who: Who, handle: SlackHandle):
    return {
        "address": Address(channel=CHANNEL, user_id=user),
        "event_id": event_id[:128],
        "reply_handle": handle,
        "staff": who.staff,
        "display_name": who.display_name,
        "language": who.language,
        "raw": body,
    }


def interaction_id(body: dict[str, Any], kind: str) -> str:
    """A stable id for an interaction (no ``event_id``): its trigger id, else the action time."""
    trigger = body.get("trigger_id")
    if trigger:
        return f"{kind}:{trigger}"
    actions = body.get("actions") or [{}]
    return f"{kind}:{user_id_of(body)}:{actions[0].get('action_ts') or body.get('action_ts')}"


def action_event(body: dict[str, Any], who: Who, tz: ZoneInfo) -> ActionInvoked | None:
    """A button (value = packed action) or a datetime picker (block_id carries the action)."""
    user = user_id_of(body)
    actions = body.get("actions") or []
    if not user or not actions:
        return None
    act = actions[0]
    params: dict[str, str] = {}
    if act.get("type") == "datetimepicker":
        block_id = act.get("block_id") or ""
        if not block_id.startswith(render.DATETIME_BLOCK_PREFIX):
            return None
        data = block_id[len(render.DATETIME_BLOCK_PREFIX) :]
        picked = render.parse_values({"b": {"dt": act}}, tz).get("dt")
        if picked:
            params["datetime"] = picked
    elif act.get("type") in ("static_select", "overflow"):
        data = (act.get("selected_option") or {}).get("value") or ""
    elif act.get("type") == "button" and "value" not in act and act.get("url"):
        return None  # a link button (calendar, download): Slack opened it, nothing to do
    else:
        data = act.get("value") or ""
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message = body.get("message") or {}
    handle = SlackHandle(
        kind="action",
        channel_id=channel_id,
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
        message_ts=container.get("message_ts") or message.get("ts"),
        view_id=(body.get("view") or {}).get("id"),
        in_modal=(body.get("view") or {}).get("type") == "modal",
        in_home=(body.get("view") or {}).get("type") == "home",
        ephemeral=bool(container.get("is_ephemeral")),
    )
    return ActionInvoked(
        data=data,
        params=params,
        **_common(body, user, interaction_id(body, "action"), who, handle),
    )


def command_event(
    body: dict[str, Any], who: Who, commands: Collection[str]
) -> CommandInvoked | None:
    """``/kyodo <sub> <args>`` → CommandInvoked(sub); empty or unknown → help."""
    user = user_id_of(body)
    if not user:
        return None
    text = (body.get("text") or "").strip()
    sub, _, args = text.partition(" ")
    name = sub.lower()
    if not name or name not in commands:
        name, args = HELP_COMMAND, text
    handle = SlackHandle(
        kind="command",
        channel_id=body.get("channel_id"),
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
        slash_help=name == HELP_COMMAND,
    )
    return CommandInvoked(
        name=name,
        args=args.strip(),
        **_common(body, user, interaction_id(body, "command"), who, handle),
    )


def view_event(
    body: dict[str, Any], who: Who, tz: ZoneInfo, ack: Callable[..., Awaitable[Any]]
) -> FormSubmitted | None:
    """A submitted modal: ``private_metadata`` is the packed submit action."""
    user = user_id_of(body)
    view = body.get("view") or {}
    if not user:
        return None
    values = render.parse_values((view.get("state") or {}).get("values") or {}, tz)
    block_ids = tuple(b["block_id"] for b in view.get("blocks") or [] if b.get("block_id"))
    handle = SlackHandle(
        kind="view",
        trigger_id=body.get("trigger_id"),
        view_id=view.get("id"),
        block_ids=block_ids,
        ack=ack,
    )
    if body.get("trigger_id"):
        event_id = interaction_id(body, "view")
    else:  # the same view submitted twice with the same values is one submission
        state = json.dumps(view.get("state") or {}, sort_keys=True).encode()
        event_id = f"view:{view.get('id')}:{hashlib.sha256(state).hexdigest()[:16]}"
    return FormSubmitted(
        data=view.get("private_metadata") or "",
        values=values,
        **_common(body, user, event_id, who, handle),
    )


def is_user_dm(event: dict[str, Any]) -> bool:
    """A person's own words in the bot's DM: no subtype (edits, joins…) and not a bot."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def message_event(body: dict[str, Any], who: Who) -> TextReceived | None:
    event = body.get("event") or {}
    if not is_user_dm(event) or not body.get("event_id"):
        return None
    handle = SlackHandle(kind="message", channel_id=event.get("channel"))
    return TextReceived(
        text=event.get("text") or "",
        **_common(body, event["user"], body["event_id"], who, handle),
    )


def home_event(body: dict[str, Any], who: Who) -> CommandInvoked | None:
    """The App Home tab was opened: the staff console is rendered into it."""
    event = body.get("event") or {}
    if event.get("tab", "home") != "home" or not event.get("user") or not body.get("event_id"):
        return None
    handle = SlackHandle(kind="home", channel_id=event.get("channel"))
    return CommandInvoked(
        name=HOME_COMMAND, **_common(body, event["user"], body["event_id"], who, handle)
    )


def is_slack_event(event: Inbound) -> bool:
    return isinstance(event.reply_handle, SlackHandle)
