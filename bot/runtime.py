"""Everything one running Kyodo process owns, built in the app's lifespan (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.clock import Clock
from bot.core.dispatch import Dispatcher
from bot.core.inbox import Inbox
from bot.core.ports import Messenger
from bot.i18n import Catalog
from bot.settings import Settings
from bot.ward import Ward
from schedules.catch_up import catch_up
from schedules.jobs import JobCards, JobContext
from schedules.outbox import OutboxDispatcher

if TYPE_CHECKING:  # the channels import this module; these are only named here
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.channels.line.webhook import LineChannel
    from bot.channels.simulator.hub import Hub
    from bot.channels.slack.bolt_app import Inflight
    from bot.channels.slack.staff import StaffDirectory
    from schedules.scheduler import Scheduler


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
    cards: JobCards  # what the jobs show, drawn by the conversation layer (injected)
    messengers: dict[str, Messenger] = field(default_factory=dict)
    # What each channel adapter holds while the app runs (None: that channel is off).
    line: LineChannel | None = None
    slack_client: AsyncWebClient | None = None  # preset to inject a client (tests)
    slack_app: AsyncApp | None = None
    slack_handler: AsyncSlackRequestHandler | None = None
    slack_socket: AsyncSocketModeHandler | None = None
    slack_inflight: Inflight | None = None
    slack_directory: StaffDirectory | None = None
    simulator_hub: Hub | None = None
    scheduler: Scheduler | None = None

    @property
    def default_language(self) -> str:
        """What a new person reads: KYODO_DEFAULT_LANGUAGE if set, else the ward's choice."""
        return self.settings.default_language or self.ward.default_language

    @property
    def job_context(self) -> JobContext:
        return JobContext(
            engine=self.engine,
            clock=self.clock,
            catalog=self.catalog,
            ward=self.ward,
            settings=self.settings,
            cards=self.cards,
        )

    def run_jobs_through(self, delta: timedelta, advance: Callable[[timedelta], None]) -> list[str]:
        """Move the clock by ``delta``, running the periodic jobs due on the way (the
        simulator's clock button; channels may not import ``schedules`` themselves)."""
        return catch_up(self.job_context, delta, advance, self.settings.timezone)

    def add_messenger(self, messenger: Messenger) -> None:
        """Register a channel's messenger (the dispatcher and the outbox share this dict)."""
        self.messengers[messenger.channel] = messenger
