"""Everything one running Kyodo process owns, built in the app's lifespan (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock
from bot.core.dispatch import Dispatcher
from bot.core.inbox import Inbox
from bot.core.ports import Messenger
from bot.i18n import Catalog
from bot.settings import Settings
from bot.ward import Ward
from schedules.jobs import JobContext
from schedules.outbox import OutboxDispatcher


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    clock: Clock
    catalog: Catalog
    ward: Ward
    dispatcher: Dispatcher
    outbox: OutboxDispatcher
    inbox: Inbox
    messengers: dict[str, Messenger] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)  # channel clients (LINE api, Bolt app)

    @property
    def job_context(self) -> JobContext:
        return JobContext(
            engine=self.engine,
            clock=self.clock,
            catalog=self.catalog,
            ward=self.ward,
            settings=self.settings,
        )

    def add_messenger(self, messenger: Messenger) -> None:
        """Register a channel's messenger (the dispatcher and the outbox share this dict)."""
        self.messengers[messenger.channel] = messenger
