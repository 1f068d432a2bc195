"""Run the periodic jobs that became due while a movable clock jumped forward.

The simulator's clock button moves an injected clock by hours or days; APScheduler only
follows the wall clock, so without this an idea call stayed 募集中 past its deadline until the
next 5-minute tick and a weekly digest could never be seen. The clock is moved to each fire
time in order and the due jobs run there, so every job sees the time it would have run at.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from schedules.jobs import REGISTRY, JobContext, PeriodicJob
from schedules.scheduler import load_job_modules

log = logging.getLogger("kyodo.scheduler")

FINEST_STEP = timedelta(hours=1)  # interval jobs (every 5 min) catch up at most hourly …
MAX_TICKS = 500  # … and at most this many times per jump (a 400-day jump: every ~19 h)


def fire_times(job: PeriodicJob, start: datetime, end: datetime, tz: ZoneInfo) -> list[datetime]:
    """When ``job`` would have run in (start, end]; interval jobs also run at ``end``."""
    if job.trigger == "cron":
        trigger = CronTrigger(**job.args, timezone=tz)
        times: list[datetime] = []
        previous = None
        while (nxt := trigger.get_next_fire_time(previous, previous or start)) is not None:
            if nxt <= start:
                previous = nxt
                continue
            if nxt > end:
                break
            times.append(nxt)
            previous = nxt
        return times
    period = timedelta(**job.args)
    step = max(period, FINEST_STEP, (end - start) / MAX_TICKS)
    times = []
    at = start + step
    while at < end:
        times.append(at)
        at += step
    return [*times, end]


def plan(start: datetime, end: datetime, tz: ZoneInfo) -> list[tuple[datetime, str]]:
    """(time, job id) pairs in time order; jobs due at the same instant keep registry order."""
    load_job_modules()
    order = {job_id: i for i, job_id in enumerate(REGISTRY)}
    runs = [(at, job.id) for job in REGISTRY.values() for at in fire_times(job, start, end, tz)]
    return sorted(runs, key=lambda run: (run[0], order[run[1]]))


def catch_up(
    ctx: JobContext, delta: timedelta, advance: Callable[[timedelta], None], timezone: str
) -> list[str]:
    """Move the clock forward by ``delta`` through every due fire time, running the jobs there.

    Returns the ids of the jobs run, in order (a failing job is logged, the others still run).
    """
    start = ctx.clock.now()
    end = start + delta
    done: list[str] = []
    for at, job_id in plan(start, end, ZoneInfo(timezone)):
        gap = at - ctx.clock.now()
        if gap > timedelta():
            advance(gap)
        try:
            REGISTRY[job_id].fn(ctx)
        except Exception:
            log.exception("periodic job %s failed while the clock caught up", job_id)
        done.append(job_id)
    rest = end - ctx.clock.now()
    if rest > timedelta():
        advance(rest)
    return done
