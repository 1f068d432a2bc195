"""Transcript helper: drive whole conversations through the real dispatcher and store.

c = Conversation(runtime, user="U1")
c.follow()
c.say("メニュー")
c.tap("取組をさがす")          # presses the button with that label in the last replies
"""

from __future__ import annotations

import itertools
from typing import Any

from bot.core.actions import pack
from bot.core.events import (
    ActionInvoked,
    CommandInvoked,
    Followed,
    FormSubmitted,
    TextReceived,
    Unfollowed,
)
from bot.core.replies import Button, Card, Carousel, Choices, DatetimeRequest, Reply, Text

_ids = itertools.count(1)


def buttons_of(replies: list[Reply]) -> list[Button]:
    found: list[Button] = []
    for r in replies:
        if isinstance(r, Choices | Card):
            found.extend(r.buttons)
        elif isinstance(r, Carousel):
            for card in r.cards:
                found.extend(card.buttons)
            if r.more:
                found.append(r.more)
        elif isinstance(r, DatetimeRequest) and r.cancel:
            found.append(r.cancel)
    return found


def texts_of(replies: list[Reply]) -> str:
    parts: list[str] = []
    for r in replies:
        if isinstance(r, Text | Choices):
            parts.append(r.text)
        elif isinstance(r, Card):
            parts.append(
                r.title + "\n" + r.body + "\n" + "\n".join(f"{k} {v}" for k, v in r.fields)
            )
        elif isinstance(r, Carousel):
            parts.extend(c.title for c in r.cards)
    return "\n".join(parts)


class Conversation:
    def __init__(
        self,
        runtime: Any,
        *,
        user: str = "U-resident",
        channel: str = "simulator",
        staff: bool = False,
        name: str | None = None,
        language: str = "ja",
    ):
        self.runtime = runtime
        self.user = user
        self.channel = channel
        self.staff = staff
        self.name = name
        self.language = language
        self.last: list[Reply] = []

    def _address(self):
        from bot.core.events import Address

        return Address(channel=self.channel, user_id=self.user)

    def _common(self) -> dict[str, Any]:
        return {
            "address": self._address(),
            "event_id": f"test-{next(_ids)}",
            "staff": self.staff,
            "display_name": self.name,
            "language": self.language,
        }

    def send(self, event) -> list[Reply]:
        result = self.runtime.dispatcher.process(event)
        self.last = result.replies
        return self.last

    def say(self, text: str) -> list[Reply]:
        return self.send(TextReceived(text=text, **self._common()))

    def follow(self) -> list[Reply]:
        return self.send(Followed(**self._common()))

    def unfollow(self) -> list[Reply]:
        return self.send(Unfollowed(**self._common()))

    def command(self, name: str, args: str = "") -> list[Reply]:
        return self.send(CommandInvoked(name=name, args=args, **self._common()))

    def press(self, data: str | object, **params: str) -> list[Reply]:
        data = data if isinstance(data, str) else pack(data)
        return self.send(ActionInvoked(data=data, params=params, **self._common()))

    def submit(self, data: str | object, values: dict[str, Any]) -> list[Reply]:
        data = data if isinstance(data, str) else pack(data)
        return self.send(FormSubmitted(data=data, values=values, **self._common()))

    def button(self, label: str) -> Button:
        for b in buttons_of(self.last):
            if b.label == label or label in b.label:
                return b
        raise AssertionError(f"no button {label!r} in {[b.label for b in buttons_of(self.last)]}")

    def tap(self, label: str, **params: str) -> list[Reply]:
        return self.press(self.button(label).data, **params)

    @property
    def text(self) -> str:
        return texts_of(self.last)
