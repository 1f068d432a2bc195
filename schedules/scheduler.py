"""APScheduler 3 (in-memory job store) wakes things up; the database holds the truth.

One asyncio task runs the outbox dispatcher (sleeping until the next due row); APScheduler
runs the periodic jobs of ``schedules.jobs``. Nothing is stored in APScheduler, so several
processes may run this at once and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from schedules.jobs import REGISTRY, JobContext
from schedules.outbox import OutboxDispatcher

log = logging.getLogger("kyodo.scheduler")


def load_job_modules() -> None:
    """Import the modules that register periodic jobs."""
    import importlib
    import pkgutil
    from pathlib import Path

    import schedules.jobs

    folder = str(Path(schedules.jobs.__file__).parent)
    for module in pkgutil.iter_modules([folder]):
        if module.name.endswith("_jobs"):  # domain jobs: schedules/<domain>_jobs.py
            importlib.import_module(f"schedules.{module.name}")
    try:
        import schedules.periodic
    except ModuleNotFoundError as exc:
        if exc.name != "schedules.periodic":
            raise


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
