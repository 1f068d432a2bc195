"""Periodic jobs (digests, deadline checks, retention). Each is a plain sync function of a
JobContext, registered with ``@periodic``; the scheduler runs them in a thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col

from bot.clock import Clock
from bot.core.replies import Button, Card, Reply
from bot.i18n import Catalog, Translator
from bot.settings import Settings
from bot.ward import Ward
from storage import inbox
from storage.db import affected, session_scope
from storage.models import DialogState, IdeaCall, Initiative, ProcessedEvent


class JobCards(Protocol):
    """What the jobs show that the conversation layer draws (cards, buttons with its actions).

    Injected (``handlers.job_cards``, wired by ``bot.app``) so that ``schedules`` never imports
    ``handlers``: a reminder looks exactly like the card a person gets in the chat."""

    def resident_call_card(self, call: IdeaCall, t: Translator, ward: Ward, now: datetime) -> Card:
        """An idea call as residents see it."""

    def staff_call_card(
        self, db: Session, call: IdeaCall, t: Translator, ward: Ward, now: datetime
    ) -> Card:
        """The staff thread's live card of an idea call."""

    def summary_card(self, db: Session, call: IdeaCall, t: Translator) -> Card:
        """The closing summary of an idea call."""

    def staff_translator(self, catalog: Catalog, config: Settings) -> Translator:
        """The staff channel's language."""

    def when(self, dt: datetime, tz: ZoneInfo) -> str:
        """A date-time as the chat shows it."""

    def initiative_buttons(self, t: Translator, initiative_id: int) -> tuple[Button, ...]:
        """An initiative's 詳細 and 参加 buttons (the weekly digest's cards)."""

    def result_card(self, t: Translator, initiative: Initiative) -> Card:
        """A completed initiative's results in the weekly digest: what was done, how many took
        part, and a button to open it."""

    def evaluation_ask(self, t: Translator, initiative: Initiative, reminder: bool) -> list[Reply]:
        """The replies asking a partner to evaluate a completed initiative (協働評価)."""


@dataclass
class JobContext:
    engine: Engine
    clock: Clock
    catalog: Catalog
    ward: Ward
    settings: Settings
    cards: JobCards


@dataclass(frozen=True)
class PeriodicJob:
    id: str
    fn: Callable[[JobContext], Any]
    trigger: str  # "interval" | "cron"
    args: dict[str, Any] = field(default_factory=dict)


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(job_id: str, trigger: str, **args: Any):
    """Register ``fn(ctx)``: ``@periodic("digest.weekly", "cron", day_of_week="mon", hour=9)``."""

    def wrap(fn: Callable[[JobContext], Any]) -> Callable[[JobContext], Any]:
        REGISTRY[job_id] = PeriodicJob(job_id, fn, trigger, args)
        return fn

    return wrap


PROCESSED_EVENT_RETENTION = inbox.PROCESSED_EVENT_RETENTION  # the replay window's setting too


@periodic("retention.purge", "interval", hours=1)
def purge(ctx: JobContext) -> dict[str, int]:
    """Forget processed-event ids after 30 days and drop expired dialog answers."""
    now = ctx.clock.now()
    with session_scope(ctx.engine) as db:
        events = affected(
            db.execute(
                delete(ProcessedEvent).where(
                    col(ProcessedEvent.received_at) < now - PROCESSED_EVENT_RETENTION
                )
            )
        )
        dialogs = affected(
            db.execute(
                update(DialogState)
                .where(col(DialogState.expires_at) < now)
                .values(flow=None, step=None, data={}, expires_at=None)
            )
        )
    return {"events": events, "dialogs": dialogs}
