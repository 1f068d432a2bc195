"""Guided-dialog state: which flow and step a person is in, with collected answers.

State is saved in the database after every turn (a restart loses nothing) and expires lazily:
a person who comes back after the TTL is told politely and starts again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage.models import DialogState

DEFAULT_TTL = timedelta(days=1)


class Dialog:
    def __init__(self, state: DialogState, now: datetime):
        self.state = state
        self.now = now
        self.expired = False
        if state.flow and state.expires_at and state.expires_at <= now:
            self.expired = True
            self.expired_flow = state.flow
            self._reset()
        self.data: dict[str, Any] = dict(state.data or {})
        self._had_dialog = state.flow is not None or self.expired
        self._ttl = DEFAULT_TTL

    @property
    def flow(self) -> str | None:
        return self.state.flow

    @property
    def step(self) -> str | None:
        return self.state.step

    @property
    def active(self) -> bool:
        return self.state.step is not None

    def enter(self, flow: str, step: str, *, ttl: timedelta = DEFAULT_TTL) -> None:
        """Start or continue a flow at ``step``; answers in ``data`` are kept."""
        if self.state.flow != flow:
            self.data = {}
        self.state.flow = flow
        self.state.step = step
        self._ttl = ttl

    def goto(self, step: str) -> None:
        self.state.step = step

    def clear(self) -> None:
        self.data = {}
        self._reset()

    def _reset(self) -> None:
        self.state.flow = None
        self.state.step = None
        self.state.data = {}
        self.state.expires_at = None

    def save(self) -> bool:
        """Write the answers back; False when there is nothing to store (no dialog, none before)."""
        if self.state.flow is None and not self._had_dialog:
            return False
        self.state.data = dict(self.data) if self.state.flow else {}
        self.state.expires_at = self.now + self._ttl if self.state.flow else None
        self.state.updated_at = self.now
        return True
