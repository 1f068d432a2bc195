"""Periodic jobs (digests, deadline checks, retention). Each is a plain sync function of a
JobContext, registered with ``@periodic``; the scheduler runs them in a thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, delete, update
from sqlmodel import col

from bot.clock import Clock
from bot.core.replies import Reply
from bot.i18n import Catalog, Translator
from bot.settings import Settings
from bot.ward import Ward
from storage import inbox
from storage.db import affected, session_scope
from storage.models import DialogState, Initiative, ProcessedEvent

# (translator, initiative, reminder?) -> the replies asking a partner to evaluate it; made in
# handlers and injected by the runtime, so no job imports handlers.
EvaluationAsk = Callable[[Translator, Initiative, bool], list[Reply]]


@dataclass
class JobContext:
    engine: Engine
    clock: Clock
    catalog: Catalog
    ward: Ward
    settings: Settings
    evaluation_ask: EvaluationAsk | None = None


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
