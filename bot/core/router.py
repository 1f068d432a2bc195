"""The single routing table: commands, typed actions, forms, dialog steps and lifecycle events.

Precedence for typed text: the cancel and resume words always win; then the dialog step; then a
command keyword; then the fallback. Buttons (actions) and menu commands interrupt a dialog
without losing it, so a person can come back with 「つづける」.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from bot.core import actions
from bot.core.events import (
    ActionInvoked,
    CommandInvoked,
    Followed,
    FormSubmitted,
    TextReceived,
    Unfollowed,
    Unsupported,
)
from bot.core.replies import Reply
from bot.core.turn import Turn

Handler = Callable[..., None]
# A check or guard: replies stop (check) or roll back (guard) the turn; None lets it go on.
Guard = Callable[[Turn], list[Reply] | None]


def normalize(text: str) -> str:
    """NFKC, trimmed and lower-cased: 「ＨＥＬＰ 」 and 'help' are the same keyword."""
    return unicodedata.normalize("NFKC", text).strip().lower()


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Handler] = {}
        self.keywords: dict[str, str] = {}  # catalog key holding the words -> command name
        self.staff_commands: set[str] = set()  # listed in staff help (catalog ``staff.cmd_<name>``)
        self.actions: dict[type, Handler] = {}
        self.forms: dict[type, Handler] = {}
        self.steps: dict[str, Handler] = {}
        self.flows: dict[str, Handler] = {}  # flow -> handler(turn, text) for any of its steps
        self.events: dict[type, Handler] = {}
        self.fallback_handler: Handler | None = None
        self.bad_action_handler: Handler | None = None
        self.guards: list[Guard] = []  # run before commit
        self.checks: list[Guard] = []  # run before routing

    # ---------------------------------------------------------------- registration
    def command(
        self, name: str, *, keywords: str | None = None, staff: bool = False
    ) -> Callable[[Handler], Handler]:
        """Register ``handler(turn, args)``; ``keywords`` is a catalog key of typed words.

        ``staff`` marks a ward-staff command: staff help lists it, so it needs help text.
        The handler still checks permission itself (``turn.require_staff``).
        """

        def wrap(fn: Handler) -> Handler:
            self.commands[name] = fn
            if keywords:
                self.keywords[keywords] = name
            if staff:
                self.staff_commands.add(name)
            return fn

        return wrap

    def action(self, cls: type) -> Callable[[Handler], Handler]:
        """Register ``handler(turn, action)`` for a packed action class."""

        def wrap(fn: Handler) -> Handler:
            self.actions[cls] = fn
            return fn

        return wrap

    def form(self, cls: type) -> Callable[[Handler], Handler]:
        """Register ``handler(turn, action, values)`` for a form submitted with that action."""

        def wrap(fn: Handler) -> Handler:
            self.forms[cls] = fn
            return fn

        return wrap

    def step(self, name: str) -> Callable[[Handler], Handler]:
        """Register ``handler(turn, text)`` for text typed at a dialog step."""

        def wrap(fn: Handler) -> Handler:
            self.steps[name] = fn
            return fn

        return wrap

    def flow(self, name: str, fn: Handler) -> None:
        """Register ``fn(turn, text)`` for text typed at any step of flow ``name`` (wizards)."""
        self.flows[name] = fn

    def on(self, event_type: type) -> Callable[[Handler], Handler]:
        def wrap(fn: Handler) -> Handler:
            self.events[event_type] = fn
            return fn

        return wrap

    def fallback(self, fn: Handler) -> Handler:
        self.fallback_handler = fn
        return fn

    def bad_action(self, fn: Handler) -> Handler:
        self.bad_action_handler = fn
        return fn

    def before(self, fn: Guard) -> Guard:
        """Register ``fn(turn)`` run before routing; returning replies stops the turn there
        (what ``fn`` wrote is committed, e.g. a rate counter)."""
        self.checks.append(fn)
        return fn

    def guard(self, fn: Guard) -> Guard:
        """Register ``fn(turn)`` run after the handler, before commit.

        Returning replies aborts the turn: everything it wrote is rolled back (the dialog keeps
        its earlier answers) and the person gets those replies instead. Used for consent and
        abuse limits, so every writing handler is covered without knowing about them.
        """
        self.guards.append(fn)
        return fn

    def include(self, other: Router) -> None:
        tables: tuple[tuple[dict[Any, Any], dict[Any, Any]], ...] = (
            (self.commands, other.commands),
            (self.keywords, other.keywords),
            (self.actions, other.actions),
            (self.forms, other.forms),
            (self.steps, other.steps),
            (self.flows, other.flows),
            (self.events, other.events),
        )
        for mine, theirs in tables:
            clash = set(mine) & set(theirs)
            if clash:
                raise ValueError(f"routes registered twice: {sorted(map(str, clash))}")
            mine.update(theirs)
        self.staff_commands |= other.staff_commands
        self.guards.extend(other.guards)
        self.checks.extend(other.checks)
        self.fallback_handler = other.fallback_handler or self.fallback_handler
        self.bad_action_handler = other.bad_action_handler or self.bad_action_handler

    # ---------------------------------------------------------------- routing
    def keyword_command(self, turn: Turn, text: str) -> str | None:
        word = normalize(text)
        for key, name in self.keywords.items():  # a keyword works in every register
            if word in {normalize(w) for w in turn.catalog.words(key)}:
                return name
        return None

    def route(self, turn: Turn) -> None:
        for check in self.checks:
            stop = check(turn)
            if stop is not None:
                turn.say(*stop)
                return None
        event = turn.event
        if isinstance(event, CommandInvoked):
            handler = self.commands.get(event.name)
            if handler is None:
                return self._fallback(turn)
            return handler(turn, event.args)
        if isinstance(event, ActionInvoked | FormSubmitted):
            try:
                action = actions.unpack(event.data)
            except actions.ActionError:
                return self._bad_action(turn)
            if isinstance(event, FormSubmitted):
                handler = self.forms.get(type(action))
                if handler is None:
                    return self._bad_action(turn)
                return handler(turn, action, event.values)
            handler = self.actions.get(type(action))
            if handler is None:
                return self._bad_action(turn)
            return handler(turn, action)
        if isinstance(event, TextReceived):
            command = self.keyword_command(turn, event.text)
            if command in ("cancel", "resume"):  # always mean stop / repeat the question
                return self.commands[command](turn, "")
            if turn.dialog.active and turn.dialog.step in self.steps:
                return self.steps[turn.dialog.step](turn, event.text)
            if turn.dialog.active and turn.dialog.flow in self.flows:
                return self.flows[turn.dialog.flow](turn, event.text)
            if command is not None:
                return self.commands[command](turn, "")
            return self._fallback(turn)
        for event_type in (Followed, Unfollowed, Unsupported):
            if isinstance(event, event_type) and event_type in self.events:
                return self.events[event_type](turn)
        return None

    def _fallback(self, turn: Turn) -> Any:
        if self.fallback_handler is not None:
            return self.fallback_handler(turn)
        return None

    def _bad_action(self, turn: Turn) -> Any:
        if self.bad_action_handler is not None:
            return self.bad_action_handler(turn)
        return None
