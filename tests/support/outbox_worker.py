"""A dispatcher process for crash and concurrency tests (run as a subprocess).

    python -m tests.support.outbox_worker DB_URL STANDIN_URL [--lease S] [--no-claim]

Runs the real OutboxDispatcher against the DB and the LINE stand-in until no pending or
sending row is left. Test-only fault injection (never in production code):
- KYODO_TEST_CRASH_AFTER_ACCEPT=N: os._exit(137) right after the N-th accepted HTTP response,
  i.e. the platform accepted but the row is not marked sent;
- KYODO_TEST_START_AT=epoch: wait until then, so several workers start together;
- --no-claim: the negative control, a plain SELECT of due rows with no claim or lease
  (what N schedulers sharing one APScheduler 3 job store do).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import Session, select

from bot.clock import SystemClock
from schedules.outbox import OutboxDispatcher
from storage.db import make_engine
from storage.models import OutboxMessage, OutboxStatus
from tests.support.line_http import StandInLineMessenger


def crash_hook():
    limit = int(os.environ.get("KYODO_TEST_CRASH_AFTER_ACCEPT", "0") or 0)
    if not limit:
        return None
    seen = [0]

    def hook():
        seen[0] += 1
        if seen[0] >= limit:
            os._exit(137)

    return hook


def open_rows(engine) -> int:
    with Session(engine) as db:
        return db.exec(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]))
        ).one()


async def no_claim(outbox: OutboxDispatcher) -> None:
    """Negative control: read due rows without claiming them, send, mark."""
    while True:
        now = outbox.clock.now()
        with Session(outbox.engine, expire_on_commit=False) as db:
            rows = list(
                db.exec(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now
                    )
                    .order_by(OutboxMessage.due_at)
                    .limit(outbox.batch)
                ).all()
            )
            db.commit()
        if not rows:
            return
        for item in await asyncio.to_thread(outbox.resolve, rows):
            await outbox.send(item, outbox.clock.now())
        with Session(outbox.engine) as db:
            db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([r.id for r in rows]))
                .values(status=OutboxStatus.SENT)
            )
            db.commit()


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("standin_url")
    parser.add_argument("--lease", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--no-claim", action="store_true")
    args = parser.parse_args()
    start_at = float(os.environ.get("KYODO_TEST_START_AT", "0") or 0)
    if start_at:
        time.sleep(max(0.0, start_at - time.time()))
    engine = make_engine(args.database_url)
    messenger = StandInLineMessenger(args.standin_url, engine, after_accept=crash_hook())
    outbox = OutboxDispatcher(
        engine=engine,
        messengers={"line": messenger},
        clock=SystemClock(),
        batch=args.batch,
        lease=timedelta(seconds=args.lease),
    )
    if args.no_claim:
        await no_claim(outbox)
        return 0
    stop = asyncio.Event()
    loop = asyncio.create_task(outbox.run_forever(stop))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        if await asyncio.to_thread(open_rows, engine) == 0:
            break
    stop.set()
    await loop
    await messenger.aclose()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
