"""Neutral replies → Slack Block Kit (pure functions, golden-tested).

Every message carries a plain-text ``text`` fallback (notifications, screen readers). All text
goes through ``bot/channels/slack/escape.py``: the fallback and mrkdwn are escaped the same way. Slack's
limits are enforced here, never in handlers: long texts are cut with "…", long lists are split
into several messages (≤50 blocks) or cut to one view (≤100 blocks).

Form values travel as ``block_id == action_id == FormField.name``; submitted values come back
as: text/textarea/number → str or None, select → str or None, multiselect → list[str],
datetime → "YYYY-MM-DDTHH:MM" in the ward's timezone, date → "YYYY-MM-DD".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.channels.slack.escape import escape, input_value
from bot.channels.slack.escape import plain as plain_text
from bot.core.replies import (
    Button,
    Card,
    Carousel,
    Choices,
    Console,
    ConsoleItem,
    ConsoleQueue,
    DatetimeRequest,
    Form,
    FormErrors,
    FormField,
    Reply,
    Text,
)

# Slack's documented limits (platform.md §2.3).
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ID_LENGTH = 255  # action_id, block_id, callback_id
URL_LENGTH = 3000  # a link button's url
HEADER_TEXT = 150
CONTEXT_TEXT = 3000
VIEW_TITLE = 24  # title, submit, close
PRIVATE_METADATA = 3000
LABEL_TEXT = 2000
HINT_TEXT = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
OPTIONS = 100
FALLBACK_TEXT = 4000

FORM_CALLBACK_ID = "kyodo_form"
DATETIME_BLOCK_PREFIX = "kdt|"  # block_id of a datetime picker: prefix + packed action
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in "…" when shortened."""
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(plain_text(text), limit), "emoji": True}


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": cut(escape(text), limit)}


# ---------------------------------------------------------------- blocks per reply


def _sections(text: str) -> list[dict[str, Any]]:
    """One or more sections: a text over 3,000 characters continues in the next section."""
    escaped = escape(text) or " "
    chunks = [escaped[i : i + SECTION_TEXT] for i in range(0, len(escaped), SECTION_TEXT)]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]


def safe_url(url: str) -> bool:
    """Only a plain http(s) address becomes a link: no spaces, control or bidi characters."""
    return (
        url.startswith(("https://", "http://"))
        and len(url) <= URL_LENGTH
        and all(ch.isprintable() and not ch.isspace() for ch in url)
    )


def button(b: Button, action_id: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(b.label, BUTTON_TEXT),
        "action_id": action_id[:ID_LENGTH],
    }
    if safe_url(b.url):  # a link button: Slack opens the URL (and still sends an action we ignore)
        element["url"] = b.url
    else:
        element["value"] = b.data[:BUTTON_VALUE]
    if b.style in ("primary", "danger"):
        element["style"] = b.style
    return element


def _actions(buttons: Sequence[Button], prefix: str = "b") -> list[dict[str, Any]]:
    """Buttons in actions blocks of ≤25; action ids unique within each block."""
    blocks = []
    for start in range(0, len(buttons), ACTIONS_ELEMENTS):
        chunk = buttons[start : start + ACTIONS_ELEMENTS]
        blocks.append(
            {
                "type": "actions",
                "elements": [button(b, f"{prefix}{start + i}") for i, b in enumerate(chunk)],
            }
        )
    return blocks


def _card(card: Card) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(card.title, HEADER_TEXT)}]
    section: dict[str, Any] = {"type": "section"}
    if card.body:
        section["text"] = mrkdwn(card.body)
    if card.fields:
        section["fields"] = [
            {"type": "mrkdwn", "text": cut(f"*{escape(k)}*\n{escape(v)}", FIELD_TEXT)}
            for k, v in card.fields[:SECTION_FIELDS]
        ]
    if len(section) > 1:
        blocks.append(section)
    if card.badge:
        blocks.append({"type": "context", "elements": [mrkdwn(card.badge, CONTEXT_TEXT)]})
    blocks.extend(_actions(card.buttons + card.links))
    return blocks


def local_text(value: Any, tz: ZoneInfo) -> str | None:
    """A neutral datetime value ("YYYY-MM-DDTHH:MM" local, or aware datetime) as text."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime(DATETIME_FORMAT) if value.tzinfo else None
    return str(value)[:16]


def epoch(value: Any, tz: ZoneInfo) -> int | None:
    """Unix seconds for Slack's datetimepicker from a neutral local "YYYY-MM-DDTHH:MM"."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=tz)
    else:
        try:
            when = datetime.strptime(str(value)[:16], DATETIME_FORMAT).replace(tzinfo=tz)
        except ValueError:
            return None
    return int(when.timestamp())


def _datetime_request(req: DatetimeRequest, tz: ZoneInfo) -> list[dict[str, Any]]:
    blocks = _sections(req.text)
    block_id = DATETIME_BLOCK_PREFIX + req.data
    elements: list[dict[str, Any]] = []
    if len(block_id) <= ID_LENGTH:
        picker: dict[str, Any] = {"type": "datetimepicker", "action_id": "dt"}
        initial = epoch(req.initial, tz)
        if initial is not None:
            picker["initial_date_time"] = initial
        elements.append(picker)
    if req.cancel is not None:
        elements.append(button(req.cancel, "cancel"))
    if elements:
        action_block: dict[str, Any] = {"type": "actions", "elements": elements}
        if len(block_id) <= ID_LENGTH:
            action_block["block_id"] = block_id
        blocks.append(action_block)
    return blocks


def blocks_for(reply: Reply, tz: ZoneInfo) -> list[dict[str, Any]]:
    """The blocks of one reply shown in a message or a view."""
    if isinstance(reply, Text):
        return _sections(reply.text)
    if isinstance(reply, Choices):
        return _sections(reply.text) + _actions(reply.buttons)
    if isinstance(reply, Card):
        return _card(reply)
    if isinstance(reply, Carousel):
        blocks: list[dict[str, Any]] = []
        for i, card in enumerate(reply.cards):
            if i:
                blocks.append({"type": "divider"})
            blocks.extend(_card(card))
        if reply.more is not None:
            blocks.append({"type": "actions", "elements": [button(reply.more, "more")]})
        return blocks
    if isinstance(reply, DatetimeRequest):
        return _datetime_request(reply, tz)
    if isinstance(reply, FormErrors):
        return _sections("\n".join(msg for _, msg in reply.errors))
    if isinstance(reply, Form):  # a form outside an interaction: show its title only
        return _sections(reply.title)
    return []


def fallback(replies: Iterable[Reply]) -> str:
    """The plain-text ``text`` shown in notifications and by clients without blocks."""
    parts: list[str] = []
    for r in replies:
        if isinstance(r, Text | Choices | DatetimeRequest):
            parts.append(r.text)
        elif isinstance(r, Card):
            parts.append("\n".join(p for p in (r.title, r.badge or "", r.body) if p))
        elif isinstance(r, Carousel):
            parts.append(r.alt_text)
        elif isinstance(r, Form):
            parts.append(r.title)
        elif isinstance(r, FormErrors):
            parts.extend(msg for _, msg in r.errors)
        elif isinstance(r, Console):
            parts.append(r.title)
    return cut(escape("\n".join(parts)), FALLBACK_TEXT) or " "


def messages(replies: Sequence[Reply], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Replies as chat messages ``{"text", "blocks"}`` of at most 50 blocks each."""
    out: list[dict[str, Any]] = []
    group: list[Reply] = []
    blocks: list[dict[str, Any]] = []

    def flush() -> None:
        if blocks:
            out.append({"text": fallback(group), "blocks": list(blocks)})
        group.clear()
        blocks.clear()

    for reply in replies:
        mine = blocks_for(reply, tz)
        if blocks and len(blocks) + len(mine) > MESSAGE_BLOCKS:
            flush()
        while len(mine) > MESSAGE_BLOCKS:  # one huge reply: split it
            group.append(reply)
            blocks.extend(mine[:MESSAGE_BLOCKS])
            mine = mine[MESSAGE_BLOCKS:]
            flush()
        group.append(reply)
        blocks.extend(mine)
    flush()
    return out


def view_blocks(replies: Sequence[Reply], tz: ZoneInfo) -> list[dict[str, Any]]:
    """All replies in one view (App Home), cut to 100 blocks."""
    blocks = [b for r in replies for b in blocks_for(r, tz)]
    return blocks[:VIEW_BLOCKS]


def home_view(replies: Sequence[Reply], tz: ZoneInfo) -> dict[str, Any]:
    return {"type": "home", "blocks": view_blocks(replies, tz) or _sections(" ")}


def _console_item(item: ConsoleItem, prefix: str) -> list[dict[str, Any]]:
    """One button sits beside its line (an accessory); several go in an actions block."""
    section: dict[str, Any] = {"type": "section", "text": mrkdwn(item.text)}
    if len(item.buttons) == 1:
        section["accessory"] = button(item.buttons[0], f"{prefix}a")
        return [section]
    return [section, *_actions(item.buttons, prefix)]


def _console_queue(queue: ConsoleQueue, n: int) -> list[dict[str, Any]]:
    title = f"{queue.title}（{queue.count_label}）" if queue.count_label else queue.title
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "header", "text": plain(title, HEADER_TEXT)},
    ]
    if not queue.items:
        blocks.append({"type": "context", "elements": [mrkdwn(queue.empty or " ", CONTEXT_TEXT)]})
        return blocks
    for i, item in enumerate(queue.items):
        blocks.extend(_console_item(item, f"q{n}i{i}b"))
    if queue.more is not None:
        blocks.append({"type": "actions", "elements": [button(queue.more, f"q{n}more")]})
    return blocks


def console_view(console: Console, tz: ZoneInfo) -> dict[str, Any]:
    """The staff console as an App Home view (≤100 blocks: the queues are cut, not the top)."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(console.title, HEADER_TEXT)}]
    if console.notice:
        blocks.extend(_sections(console.notice))
    blocks.extend(_actions(console.actions, "top"))
    for card in console.cards:
        mine = _card(card)
        blocks.extend(mine if card.title.strip() else mine[1:])  # no empty header
    for n, queue in enumerate(console.queues):
        blocks.extend(_console_queue(queue, n))
    return {"type": "home", "blocks": blocks[:VIEW_BLOCKS]}


# ---------------------------------------------------------------- modals


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label, OPTION_TEXT), "value": str(value)[:OPTION_VALUE]}


def _element(f: FormField, tz: ZoneInfo) -> dict[str, Any]:
    kind = f.input
    options = [_option(v, label) for v, label in f.options[:OPTIONS]]
    if kind in ("text", "textarea"):
        e: dict[str, Any] = {"type": "plain_text_input", "multiline": kind == "textarea"}
        if f.max_length:
            e["max_length"] = f.max_length
        if f.initial not in (None, ""):
            e["initial_value"] = input_value(str(f.initial))
    elif kind == "select":
        e = {"type": "static_select", "options": options}
        chosen = [o for o in options if o["value"] == str(f.initial)]
        if chosen:
            e["initial_option"] = chosen[0]
    elif kind == "multiselect":
        e = {"type": "multi_static_select", "options": options}
        initial = {str(v) for v in (f.initial or ())}
        chosen = [o for o in options if o["value"] in initial]
        if chosen:
            e["initial_options"] = chosen
    elif kind == "datetime":
        e = {"type": "datetimepicker"}
        initial_at = epoch(f.initial, tz)
        if initial_at is not None:
            e["initial_date_time"] = initial_at
    elif kind == "date":
        e = {"type": "datepicker"}
        if isinstance(f.initial, date | datetime):
            e["initial_date"] = f.initial.strftime("%Y-%m-%d")
        elif f.initial:
            e["initial_date"] = str(f.initial)[:10]
    elif kind == "number":
        e = {"type": "number_input", "is_decimal_allowed": False}
        if f.initial not in (None, ""):
            e["initial_value"] = str(f.initial)
    else:  # pragma: no cover - FormField.input is a closed Literal
        raise ValueError(f"unknown form input {kind!r}")
    e["action_id"] = f.name[:ID_LENGTH]
    return e


def modal(
    form: Form, tz: ZoneInfo, *, close_label: str | None = None, required_mark: str = ""
) -> dict[str, Any]:
    """A Slack modal: one input block per field; ``private_metadata`` = the packed submit.

    ``required_mark`` (the catalog's 「（必須）」) follows each required label: Slack marks only
    the optional ones itself."""
    if len(form.data) > PRIVATE_METADATA:
        raise ValueError("form data is longer than Slack's private_metadata")
    blocks = []
    for f in form.fields[:VIEW_BLOCKS]:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f.name[:ID_LENGTH],
            "label": plain(f.label + (required_mark if f.required else ""), LABEL_TEXT),
            "optional": not f.required,
            "element": _element(f, tz),
        }
        if f.hint:
            block["hint"] = plain(f.hint, HINT_TEXT)
        blocks.append(block)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": FORM_CALLBACK_ID,
        "title": plain(form.title, VIEW_TITLE),
        "submit": plain(form.submit_label, VIEW_TITLE),
        "private_metadata": form.data,
        "blocks": blocks,
    }
    if close_label:
        view["close"] = plain(close_label, VIEW_TITLE)
    return view


def form_errors(errors: FormErrors, block_ids: Iterable[str] | None = None) -> dict[str, Any]:
    """``ack()`` arguments that show the messages under their fields (typed input stays).

    Slack refuses errors for blocks not in the view; those go to the first known block.
    """
    known = list(block_ids) if block_ids is not None else None
    out: dict[str, str] = {}
    for name, message in errors.errors:
        target = name
        if known is not None and name not in known:
            if not known:
                continue
            target = known[0]
        out[target] = cut(f"{out[target]} {message}" if target in out else message, LABEL_TEXT)
    return {"response_action": "errors", "errors": out}


def parse_values(state_values: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """``view.state.values`` → {field name: neutral value} (see the module docstring)."""
    values: dict[str, Any] = {}
    for actions in (state_values or {}).values():
        for action_id, state in (actions or {}).items():
            kind = state.get("type")
            if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
                value: Any = state.get("value")
            elif kind in ("static_select", "radio_buttons", "external_select"):
                value = (state.get("selected_option") or {}).get("value")
            elif kind in ("multi_static_select", "checkboxes"):
                value = [o.get("value") for o in state.get("selected_options") or []]
            elif kind == "datetimepicker":
                ts = state.get("selected_date_time")
                value = (
                    datetime.fromtimestamp(int(ts), tz).strftime(DATETIME_FORMAT)
                    if ts is not None
                    else None
                )
            elif kind == "datepicker":
                value = state.get("selected_date")
            else:
                value = state.get("value")
            values[action_id] = value
    return values
