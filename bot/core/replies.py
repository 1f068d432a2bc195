"""Outbound replies: handlers say *what*, each channel renderer decides *how*.

LINE renders cards as Flex bubbles and choices as quick replies; Slack renders Block Kit and
modals; the simulator renders HTML. All text is already localised by the handler.
Replies are plain data so they can be stored in the outbox as JSON and rendered later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Style = Literal["primary", "danger", "default", "subtle"]  # subtle: set apart (通報する)


@dataclass(frozen=True, slots=True, kw_only=True)
class Button:
    """A tap: ``data`` is a packed action (≤300 characters) sent back to Kyodo; or, with ``url``,
    a link the channel opens (a calendar file, a download) instead of a long text value."""

    label: str
    data: str = ""
    style: Style = "default"
    url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class Choices:
    """A question with a few answers (LINE quick replies, Slack buttons)."""

    text: str
    buttons: tuple[Button, ...]
    kind: Literal["choices"] = "choices"


@dataclass(frozen=True, slots=True, kw_only=True)
class Card:
    """An initiative, idea call, idea or meeting shown as a card with fields and buttons."""

    title: str
    body: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    badge: str | None = None  # short status label, e.g. 募集中
    links: tuple[Button, ...] = ()  # link buttons (url) after the actions: カレンダーに入れる
    kind: Literal["card"] = "card"


@dataclass(frozen=True, slots=True, kw_only=True)
class Carousel:
    """Several cards side by side; ``more`` is a button to the next page."""

    alt_text: str
    cards: tuple[Card, ...]
    more: Button | None = None
    kind: Literal["carousel"] = "carousel"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormField:
    name: str
    label: str
    input: Literal["text", "textarea", "select", "multiselect", "datetime", "date", "number"] = (
        "text"
    )
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    required: bool = True
    max_length: int | None = None
    initial: Any = None
    hint: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Form:
    """A form for staff (Slack modal, simulator modal). Submitting sends FormSubmitted(data)."""

    title: str
    fields: tuple[FormField, ...]
    submit_label: str
    data: str
    kind: Literal["form"] = "form"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormErrors:
    """Inline validation errors for the form just submitted; the typed values stay."""

    errors: tuple[tuple[str, str], ...]  # (field name, message)
    kind: Literal["form_errors"] = "form_errors"


@dataclass(frozen=True, slots=True, kw_only=True)
class DatetimeRequest:
    """Ask for a date and time (LINE datetime picker, Slack/simulator datetime input)."""

    text: str
    label: str
    data: str
    initial: str | None = None  # "YYYY-MM-DDTHH:MM" in the ward's timezone
    minimum: str | None = None
    cancel: Button | None = None
    kind: Literal["datetime"] = "datetime"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleItem:
    """One waiting thing in a console queue: a line (with its age) and its actions."""

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleQueue:
    """A console queue: its count, its first items and a 「もっと見る」; ``empty`` if none."""

    title: str
    count: int
    items: tuple[ConsoleItem, ...] = ()
    empty: str = ""
    more: Button | None = None
    count_label: str = ""  # e.g. 3件


@dataclass(frozen=True, slots=True, kw_only=True)
class Console:
    """A person's standing work view (Slack App Home), replaced whole on every refresh.

    Channels that don't declare it get the dashboard's cards instead (handlers ask
    ``turn.channel.supports(Console)``). ``notice`` says what the last press did.
    """

    title: str
    actions: tuple[Button, ...] = ()
    queues: tuple[ConsoleQueue, ...] = ()
    cards: tuple[Card, ...] = ()
    notice: str = ""
    kind: Literal["console"] = "console"


Reply = Text | Choices | Card | Carousel | Form | FormErrors | DatetimeRequest | Console

_KINDS: dict[str, type] = {
    "text": Text,
    "choices": Choices,
    "card": Card,
    "carousel": Carousel,
    "form": Form,
    "form_errors": FormErrors,
    "datetime": DatetimeRequest,
    "console": Console,
}


def to_json(reply: Reply) -> dict[str, Any]:
    """A JSON-ready dict (for the outbox and the simulator)."""
    return asdict(reply)


def from_json(data: dict[str, Any]) -> Reply:
    """Rebuild a reply stored with :func:`to_json`."""
    kind = data["kind"]
    d = dict(data)
    if kind in ("choices", "card"):
        d["buttons"] = tuple(Button(**b) for b in d.get("buttons", ()))
    if kind == "card":
        d["fields"] = tuple(tuple(f) for f in d.get("fields", ()))
        d["links"] = tuple(Button(**b) for b in d.get("links", ()))
    if kind == "carousel":
        d["cards"] = tuple(from_json(c) for c in d["cards"])
        d["more"] = Button(**d["more"]) if d.get("more") else None
    if kind == "form":
        d["fields"] = tuple(
            FormField(**{**f, "options": tuple(tuple(o) for o in f.get("options", ()))})
            for f in d["fields"]
        )
    if kind == "form_errors":
        d["errors"] = tuple(tuple(e) for e in d["errors"])
    if kind == "console":
        d["actions"] = tuple(Button(**b) for b in d.get("actions", ()))
        d["cards"] = tuple(from_json(c) for c in d.get("cards", ()))
        d["queues"] = tuple(_queue(q) for q in d.get("queues", ()))
    if kind == "datetime" and d.get("cancel"):
        d["cancel"] = Button(**d["cancel"])
    return _KINDS[kind](**d)


def _queue(data: dict[str, Any]) -> ConsoleQueue:
    d = dict(data)
    d["items"] = tuple(
        ConsoleItem(text=i["text"], buttons=tuple(Button(**b) for b in i.get("buttons", ())))
        for i in d.get("items", ())
    )
    d["more"] = Button(**d["more"]) if d.get("more") else None
    return ConsoleQueue(**d)


__all__ = [
    "Button",
    "Card",
    "Carousel",
    "Choices",
    "Console",
    "ConsoleItem",
    "ConsoleQueue",
    "DatetimeRequest",
    "Form",
    "FormErrors",
    "FormField",
    "Reply",
    "Text",
    "from_json",
    "to_json",
]
