"""Modals and buttons reached from the staff console come back to it.

A button shown inside the console (e.g. 取組にする or 公開する after an answer) is wrapped in
:class:`ConsoleVia`, and a form opened from the console in :class:`ConsoleForm`; both carry
the original packed action, so the ordinary handler runs and then App Home is published
again with what it said on top. Without this, a modal submitted from App Home left the
console showing the state from before the submit. The routes are in ``console_buttons``.
"""

from __future__ import annotations

import dataclasses

from bot.core.actions import ActionError, action, pack, unpack
from bot.core.replies import Card, Form
from bot.core.turn import Turn

CONSOLE_PREFIX = "h"  # every console action's prefix starts so (hm, hcl, hdc, han …)


@action("hvi")
class ConsoleVia:
    """A button shown inside the console: run ``inner``, then show the console again."""

    inner: str


@action("hfw")
class ConsoleForm:
    """A form opened from the console: submit ``inner`` with the values, then the console."""

    inner: str


def _wrapped(data: str, cls: type[ConsoleVia] | type[ConsoleForm]) -> str:
    """``data`` inside ``cls``, unless it is a console action already or would not fit."""
    try:
        prefix = getattr(type(unpack(data)), "prefix", "")
        if prefix.startswith(CONSOLE_PREFIX):
            return data
        return pack(cls(data))
    except ActionError:
        return data


def via_console(cards: tuple[Card, ...]) -> tuple[Card, ...]:
    """The cards with every plain button wrapped, so pressing it comes back to the console."""
    return tuple(
        dataclasses.replace(
            card,
            buttons=tuple(
                dataclasses.replace(b, data=_wrapped(b.data, ConsoleVia)) if b.data else b
                for b in card.buttons
            ),
        )
        for card in cards
    )


def forms_via_console(turn: Turn, before: int) -> bool:
    """Wrap each form said since ``before`` so its submit shows the console; True if any."""
    found = False
    for i, reply in enumerate(turn.replies[before:], start=before):
        if isinstance(reply, Form):
            turn.replies[i] = dataclasses.replace(reply, data=_wrapped(reply.data, ConsoleForm))
            found = True
    return found


def inner_action(data: str) -> object | None:
    """The wrapped action, or None when it is malformed or itself a wrapper."""
    try:
        inner = unpack(data)
    except ActionError:
        return None
    return None if isinstance(inner, ConsoleVia | ConsoleForm) else inner


__all__ = ["ConsoleForm", "ConsoleVia", "forms_via_console", "inner_action", "via_console"]
