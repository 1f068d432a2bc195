"""Neutral replies → LINE Messaging API messages (pure functions, golden-tested).

Every LINE limit is enforced here, not in handlers: text is split at 5,000 UTF-16 code units,
quick replies carry ≤13 items with labels ≤20 characters (otherwise a numbered list plus Flex
buttons, so every answer stays one tap away), Flex bubbles stay under 30 KB and carousels
under 50 KB and 12 bubbles (the rest go into further messages), alt texts ≤1,500 characters
and postback data ≤300. LINE shows only the *last* message's quick reply, so quick replies
are used only for the final reply of a turn. :func:`batches` cuts the result into API calls
of ≤5 messages, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from linebot.v3.messaging import (
    DatetimePickerAction,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexCarousel,
    FlexMessage,
    FlexSeparator,
    FlexText,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)

from bot.channels.line.limits import (
    BUTTONS_PER_BUBBLE,
    MAX_ALT,
    MAX_BUBBLE_BYTES,
    MAX_BUBBLES,
    MAX_BUTTON_LABEL,
    MAX_CAROUSEL_BYTES,
    MAX_DATA,
    MAX_DISPLAY_TEXT,
    MAX_MESSAGES,
    MAX_QUICK_LABEL,
    MAX_QUICK_REPLIES,
    MAX_URI,
    clip,
    size_of,
    split_text,
    utf16_len,
)
from bot.core.replies import (
    Button,
    Card,
    Carousel,
    Choices,
    DatetimeRequest,
    Form,
    FormErrors,
    Reply,
    Text,
)

log = logging.getLogger("kyodo.line.render")

Translate = Callable[..., str]  # bot.i18n.Translator: tr(key, **params)

BODY_LIMIT = 2000  # first cap on a card's body text (shrunk further if a bubble is too big)
CAROUSEL_BODY_LIMIT = 300  # cards side by side are summaries; "details" buttons show the rest
FIELD_LIMIT = 400

COLOR_PRIMARY = "#1F6FD1"
COLOR_DANGER = "#C62828"
COLOR_MUTED = "#666666"
COLOR_BADGE_BG = "#E8F0FE"
COLOR_BADGE_TEXT = "#1F4F99"


# ---------------------------------------------------------------- actions and buttons


def _usable(button: Button) -> bool:
    if button.url:
        plain = all(ch.isprintable() and not ch.isspace() for ch in button.url)
        if (
            len(button.url) > MAX_URI
            or not plain
            or not button.url.startswith(("https://", "http://"))
        ):
            log.warning("link button over %s characters or not http(s) dropped", MAX_URI)
            return False
        return True
    if len(button.data) > MAX_DATA:
        log.warning("button data over %s characters dropped", MAX_DATA)
        return False
    return True


def postback(
    label: str, data: str, *, label_limit: int = MAX_BUTTON_LABEL, said: str | None = None
) -> PostbackAction:
    """A postback that also shows the tapped answer in the chat (as if the person said it)."""
    shown = clip(label, label_limit)
    return PostbackAction(
        label=shown, data=data, display_text=clip(said or label, MAX_DISPLAY_TEXT)
    )


def flex_button(button: Button, label: str | None = None) -> FlexButton:
    """A Flex button; ``scaling`` lets its label follow the person's LINE font size."""
    style = "primary" if button.style in ("primary", "danger") else "secondary"
    if button.style == "subtle":
        style = "link"
    color = {"primary": COLOR_PRIMARY, "danger": COLOR_DANGER}.get(button.style)
    action: Any = (
        URIAction(label=clip(label or button.label, MAX_BUTTON_LABEL), uri=button.url)
        if button.url
        else postback(label or button.label, button.data, said=button.label)
    )
    return FlexButton(
        action=action,
        style=style,
        color=color,
        height="sm" if button.style == "subtle" else "md",
        margin="sm",
        scaling=True,
    )


def primary_first(buttons: Sequence[Button]) -> list[Button]:
    """The primary action leads (a screen reader and a thumb meet it first); order otherwise kept."""
    return sorted(buttons, key=lambda b: b.style != "primary")


def _text(text: str, **kw: Any) -> FlexText:
    """Every Flex text wraps and scales with the person's LINE font size setting."""
    return FlexText(text=text, wrap=True, scaling=True, **kw)


# ---------------------------------------------------------------- bubbles


def card_bubble(card: Card, body_limit: int = BODY_LIMIT) -> FlexBubble:
    """A card as a Flex bubble; long bodies are shortened until the bubble fits 30 KB."""
    return sized_card_bubble(card, body_limit)[0]


def sized_card_bubble(card: Card, body_limit: int = BODY_LIMIT) -> tuple[FlexBubble, int]:
    """The bubble and its size in bytes, so a carousel need not serialise it again."""
    field_limit = FIELD_LIMIT
    while True:
        bubble = _card_bubble(card, body_limit, field_limit)
        size = size_of(bubble)
        if size <= MAX_BUBBLE_BYTES or body_limit <= 20:
            return bubble, size
        body_limit //= 2
        field_limit = max(20, field_limit // 2)


def _card_bubble(card: Card, body_limit: int, field_limit: int) -> FlexBubble:
    header: list[Any] = []
    if card.badge:
        header.append(
            FlexBox(
                layout="horizontal",
                contents=[
                    FlexText(
                        text=clip(card.badge, 20),
                        size="sm",
                        weight="bold",
                        color=COLOR_BADGE_TEXT,
                        flex=0,
                        scaling=True,
                    )
                ],
                background_color=COLOR_BADGE_BG,
                corner_radius="md",
                padding_all="xs",
                padding_start="md",
                padding_end="md",
            )
        )
    header.append(
        _text(clip(card.title, 400), weight="bold", size="lg", margin="md" if card.badge else None)
    )
    body: list[Any] = []
    if card.body:
        body.append(_text(clip(card.body, body_limit), size="md"))
    if card.fields:
        if body:
            body.append(FlexSeparator(margin="lg"))
        rows = [
            FlexBox(
                layout="baseline",
                spacing="md",
                contents=[
                    _text(clip(label, 40), size="sm", color=COLOR_MUTED, flex=2),
                    _text(clip(value, field_limit) or "-", size="sm", flex=5),
                ],
            )
            for label, value in card.fields
        ]
        body.append(FlexBox(layout="vertical", spacing="sm", margin="lg", contents=rows))
    buttons: list[Any] = []
    for b in primary_first(card.buttons) + list(card.links):
        if not _usable(b):
            continue
        if b.style == "subtle" and buttons:  # a line sets 通報する apart from 賛同する etc.
            buttons.append(FlexSeparator(margin="lg"))
        buttons.append(flex_button(b))
    return FlexBubble(
        header=FlexBox(layout="vertical", contents=header, padding_bottom="none"),
        body=FlexBox(layout="vertical", contents=body) if body else None,
        footer=FlexBox(layout="vertical", spacing="sm", contents=buttons) if buttons else None,
    )


def button_bubble(text: str | None, buttons: Sequence[FlexButton]) -> FlexBubble:
    return FlexBubble(
        body=FlexBox(layout="vertical", contents=[_text(clip(text, 1000), size="md")])
        if text
        else None,
        footer=FlexBox(layout="vertical", spacing="sm", contents=list(buttons)),
    )


def carousels(
    bubbles: Sequence[FlexBubble], alt_text: str, sizes: Sequence[int | None] = ()
) -> list[Message]:
    """Pack bubbles into carousels of ≤12 bubbles and ≤50 KB, in order; ``sizes`` are the
    bubbles' known sizes (a bubble without one is serialised here to measure it)."""
    out: list[Message] = []
    current: list[FlexBubble] = []
    current_size = 0
    for index, bubble in enumerate(bubbles):
        known = sizes[index] if index < len(sizes) else None
        size = size_of(bubble) if known is None else known
        if current and (len(current) >= MAX_BUBBLES or current_size + size > MAX_CAROUSEL_BYTES):
            out.append(_flex(alt_text, current))
            current, current_size = [], 0
        current.append(bubble)
        current_size += size + 1
    if current:
        out.append(_flex(alt_text, current))
    return out


def _flex(alt_text: str, bubbles: list[FlexBubble]) -> FlexMessage:
    contents: Any = bubbles[0] if len(bubbles) == 1 else FlexCarousel(contents=list(bubbles))
    return FlexMessage(alt_text=clip(alt_text, MAX_ALT), contents=contents)


# ---------------------------------------------------------------- per reply kind


def render_text(text: str) -> list[Message]:
    return [TextMessage(text=chunk) for chunk in split_text(text)]


def quick_reply_fits(choices: Choices) -> bool:
    buttons = [b for b in choices.buttons if _usable(b)]
    return len(buttons) <= MAX_QUICK_REPLIES and all(
        utf16_len(b.label) <= MAX_QUICK_LABEL and not b.url for b in buttons
    )  # a link goes in a Flex button, where a URI action always works


def render_choices(choices: Choices, tr: Translate, *, last: bool) -> list[Message]:
    buttons = [b for b in choices.buttons if _usable(b)]
    if not buttons:
        return render_text(choices.text)
    if last and quick_reply_fits(choices):
        messages = render_text(choices.text) or [TextMessage(text=tr("line.choose_buttons"))]
        items = [
            QuickReplyItem(action=postback(b.label, b.data, label_limit=MAX_QUICK_LABEL))
            for b in buttons
        ]
        messages[-1].quick_reply = QuickReply(items=items)
        return messages
    if quick_reply_fits(choices) and utf16_len(choices.text) <= 1000:
        # Not the last message: a quick reply would be hidden, so buttons go in a bubble.
        bubble = button_bubble(choices.text, [flex_button(b) for b in buttons])
        return [FlexMessage(alt_text=clip(choices.text, MAX_ALT), contents=bubble)]
    # Too many or too long for quick replies: a numbered list, and every answer as a button.
    options = "\n".join(f"{i}. {b.label}" for i, b in enumerate(buttons, 1))
    messages = render_text(tr("line.choose_number", text=choices.text, options=options))
    flex_buttons = [flex_button(b, f"{i}. {b.label}") for i, b in enumerate(buttons, 1)]
    bubbles = [
        button_bubble(None, flex_buttons[i : i + BUTTONS_PER_BUBBLE])
        for i in range(0, len(flex_buttons), BUTTONS_PER_BUBBLE)
    ]
    return messages + carousels(bubbles, tr("line.choose_buttons"))


def render_carousel(carousel: Carousel, tr: Translate) -> list[Message]:
    sized = [sized_card_bubble(c, CAROUSEL_BODY_LIMIT) for c in carousel.cards]
    bubbles = [bubble for bubble, _ in sized]
    if carousel.more is not None and _usable(carousel.more):
        bubbles.append(button_bubble(tr("line.more_text"), [flex_button(carousel.more)]))
    return carousels(bubbles, carousel.alt_text, [size for _, size in sized]) if bubbles else []


def render_datetime(request: DatetimeRequest, tr: Translate) -> list[Message]:
    buttons: list[FlexButton] = []
    if len(request.data) <= MAX_DATA:
        buttons.append(
            FlexButton(
                action=DatetimePickerAction(
                    label=clip(request.label or tr("line.pick_datetime"), MAX_BUTTON_LABEL),
                    data=request.data,
                    mode="datetime",
                    initial=request.initial,
                    min=request.minimum,
                ),
                style="primary",
                color=COLOR_PRIMARY,
                height="md",
                scaling=True,
            )
        )
    if request.cancel is not None and _usable(request.cancel):
        buttons.append(flex_button(request.cancel))
    if not buttons:
        return render_text(request.text)
    bubble = button_bubble(request.text, buttons)
    return [FlexMessage(alt_text=clip(request.text, MAX_ALT), contents=bubble)]


def render_reply(reply: Reply, tr: Translate, *, last: bool = True) -> list[Message]:
    if isinstance(reply, Text):
        return render_text(reply.text)
    if isinstance(reply, Choices):
        return render_choices(reply, tr, last=last)
    if isinstance(reply, Card):
        return [FlexMessage(alt_text=clip(reply.title, MAX_ALT), contents=card_bubble(reply))]
    if isinstance(reply, Carousel):
        return render_carousel(reply, tr)
    if isinstance(reply, DatetimeRequest):
        return render_datetime(reply, tr)
    if isinstance(reply, Form):
        return render_text(tr("line.form_on_slack", title=reply.title))
    if isinstance(reply, FormErrors):
        lines = [tr("line.form_errors")] + [
            tr("line.form_error_line", message=message) for _name, message in reply.errors
        ]
        return render_text("\n".join(lines))
    log.warning("no LINE rendering for %s", type(reply).__name__)
    return []


def render(replies: Sequence[Reply], tr: Translate) -> list[Message]:
    """All replies of one turn (or one outbox row) as LINE messages, in order."""
    out: list[Message] = []
    for i, reply in enumerate(replies):
        out.extend(render_reply(reply, tr, last=i == len(replies) - 1))
    return out


def batches(messages: Sequence[Message], size: int = MAX_MESSAGES) -> list[list[Message]]:
    """Cut messages into API calls of ≤5, keeping their order."""
    return [list(messages[i : i + size]) for i in range(0, len(messages), size)]


def to_dicts(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """The JSON sent to LINE (for golden tests and logs)."""
    return [m.to_dict() for m in messages]
