"""APScheduler 3 (in-memory job store) wakes things up; the database holds the truth.

One asyncio task runs the outbox dispatcher (sleeping until the next due row); APScheduler
runs the periodic jobs of ``JOB_MODULES``. Nothing is stored in APScheduler, so several
processes may run this at once and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from types import ModuleType
from zoneinfo import ZoneInfo

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from schedules import answer_deadlines, evaluations_jobs, ideas_jobs, initiatives_jobs, jobs
from schedules.jobs import REGISTRY, JobContext
from schedules.outbox import OutboxDispatcher

# Every module whose ``@periodic`` jobs the scheduler runs; a new job module is added here.
JOB_MODULES: tuple[ModuleType, ...] = (
    jobs,
    ideas_jobs,
    initiatives_jobs,
    evaluations_jobs,
    answer_deadlines,
)

log = logging.getLogger("kyodo.scheduler")


def load_job_modules() -> None:
    """The periodic jobs are the ``@periodic`` functions of ``JOB_MODULES``, imported above;
    kept so callers can say they need the registry filled."""


class Scheduler:
    def __init__(self, ctx: JobContext, outbox: OutboxDispatcher, timezone: str = "Asia/Tokyo"):
        self.ctx = ctx
        self.outbox = outbox
        self.timezone = ZoneInfo(timezone)
        self._aps: AsyncIOScheduler | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def run_job(self, job_id: str) -> None:
        job = REGISTRY[job_id]
        try:
            await anyio.to_thread.run_sync(job.fn, self.ctx)
        except Exception:
            log.exception("periodic job %s failed", job_id)
        self.outbox.wake()

    def start(self) -> None:
        load_job_modules()
        self._aps = AsyncIOScheduler(
            timezone=self.timezone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for job in REGISTRY.values():
            self._aps.add_job(
                self.run_job,
                job.trigger,
                args=[job.id],
                id=job.id,
                replace_existing=True,
                **job.args,
            )
        self._aps.start()
        self._stop.clear()
        self._task = asyncio.create_task(self.outbox.run_forever(self._stop), name="outbox")
        log.info("scheduler started with %d periodic jobs", len(REGISTRY))

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        if self._aps is not None:
            self._aps.shutdown(wait=False)
