"""What a channel can show, declared by its adapter, so handlers ask *can it* instead of *which*.

Each adapter declares the reply kinds it renders natively (``declare("slack", {Form, …})``);
the wizard then asks ``turn.channel.supports(Form)`` to choose one form or step questions.
A channel nobody declared supports only what every channel can show (text and buttons).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.replies import Card, Choices, Text

BASIC: frozenset[type] = frozenset({Text, Choices, Card})
_declared: dict[str, frozenset[type]] = {}


def declare(channel: str, kinds: Iterable[type]) -> frozenset[type]:
    """Record what ``channel`` renders natively (called once by its adapter at import)."""
    found = frozenset(kinds) | BASIC
    _declared[channel] = found
    return found


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    name: str
    kinds: frozenset[type]

    def supports(self, kind: type) -> bool:
        return kind in self.kinds


def channel_info(channel: str) -> ChannelInfo:
    return ChannelInfo(channel, _declared.get(channel, BASIC))
