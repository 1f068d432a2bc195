"""The outbox dispatcher: claim due rows, send them once, mark them sent.

TL;DR: rows are written in the transaction of the change that causes them. Any number of
dispatchers may run (web processes and ``kyodo worker``): PostgreSQL claims with
``FOR UPDATE SKIP LOCKED`` and a lease, SQLite with a single-writer ``BEGIN IMMEDIATE`` claim.
The retry key is fixed on the row before the first attempt and reused on every retry, so a
crash between "platform accepted" and "row marked sent" cannot make a person see it twice
(LINE answers 409 to the repeat). A lease that runs out is taken over by another dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import Engine, and_, func, or_, update
from sqlmodel import Session, select

from bot.clock import Clock
from bot.core.ports import Delivery, DeliveryStatus, Messenger, StaffFeed
from bot.core.replies import Reply, from_json
from storage.db import is_postgres
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus, Person

log = logging.getLogger("kyodo.outbox")

RETRY_KEY_LIFETIME = timedelta(hours=23)  # LINE honours a retry key for 24 h
MAX_SLEEP = 1.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


@dataclass
class Claimed:
    row: OutboxMessage
    account: ChannelAccount | None
    replies: list[Reply]


class OutboxDispatcher:
    def __init__(
        self,
        *,
        engine: Engine,
        messengers: Mapping[str, Messenger],
        clock: Clock,
        name: str | None = None,
        batch: int = 100,
        lease: timedelta = timedelta(seconds=60),
        channel_preference: Sequence[str] = ("line", "slack", "simulator"),
    ):
        self.engine = engine
        self.messengers = messengers
        self.clock = clock
        self.name = name or worker_name()
        self.batch = batch
        self.lease = lease
        self.channel_preference = channel_preference
        self._wake = asyncio.Event()

    # ------------------------------------------------------------------ claiming (sync)
    def claim(self, now: datetime) -> list[OutboxMessage]:
        """Atomically take up to ``batch`` due rows (and rows whose lease ran out)."""
        due = or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        )
        ids = select(OutboxMessage.id).where(due).order_by(OutboxMessage.due_at).limit(self.batch)
        if is_postgres(self.engine):
            ids = ids.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids.scalar_subquery()))
            .values(
                status=OutboxStatus.SENDING,
                claimed_by=self.name,
                attempts=OutboxMessage.attempts + 1,
                lease_until=now + self.lease,
                first_attempt_at=func.coalesce(OutboxMessage.first_attempt_at, now),
            )
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        with Session(self.engine, expire_on_commit=False) as db:
            rows = list(db.scalars(stmt).all())
            db.commit()
        return sorted(rows, key=lambda r: (r.due_at, r.id or 0))

    def finish(self, row: OutboxMessage, delivery: Delivery, now: datetime) -> bool:
        """Record the outcome, fenced on our claim: False if another dispatcher took it over."""
        values: dict = {"lease_until": None, "last_error": delivery.detail}
        status = delivery.status
        if status is DeliveryStatus.SENT:
            values |= {"status": OutboxStatus.SENT, "sent_at": now}
        elif status is DeliveryStatus.BLOCKED:
            values |= {"status": OutboxStatus.SKIPPED}
        elif status is DeliveryStatus.FAILED:
            values |= {"status": OutboxStatus.DEAD}
        elif status is DeliveryStatus.QUOTA:
            values |= {"status": OutboxStatus.PENDING, "due_at": now + timedelta(hours=1)}
        else:  # RETRY
            first = row.first_attempt_at or now
            if now - first > RETRY_KEY_LIFETIME:
                values |= {"status": OutboxStatus.DEAD}
            else:
                wait = (
                    timedelta(seconds=delivery.retry_after)
                    if delivery.retry_after
                    else backoff(row.attempts)
                )
                values |= {"status": OutboxStatus.PENDING, "due_at": now + wait}
        stmt = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_by == self.name,
            )
            .values(**values)
        )
        with Session(self.engine) as db:
            done = db.execute(stmt).rowcount == 1
            db.commit()
        if not done:
            log.warning("outbox row %s was taken over before it was marked", row.id)
        return done

    def resolve(self, rows: list[OutboxMessage]) -> list[Claimed]:
        """Find each person's reachable account (blocked or deleted people get none)."""
        person_ids = {r.person_id for r in rows if r.person_id is not None}
        accounts: dict[int, ChannelAccount] = {}
        if person_ids:
            with Session(self.engine) as db:
                live = set(
                    db.exec(
                        select(Person.id).where(
                            Person.id.in_(person_ids),
                            Person.deleted == False,  # noqa: E712
                        )
                    ).all()
                )
                found = db.exec(
                    select(ChannelAccount).where(
                        ChannelAccount.person_id.in_(live),
                        ChannelAccount.blocked == False,  # noqa: E712
                        ChannelAccount.channel.in_(list(self.messengers)),
                    )
                ).all()
            rank = {c: i for i, c in enumerate(self.channel_preference)}
            for acc in sorted(found, key=lambda a: rank.get(a.channel, 99)):
                accounts.setdefault(acc.person_id, acc)
        return [
            Claimed(
                row=r,
                account=accounts.get(r.person_id) if r.person_id is not None else None,
                replies=[from_json(p) for p in r.payload],
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ sending (async)
    async def send(self, item: Claimed, now: datetime) -> Delivery:
        row = item.row
        if row.expires_at is not None and now >= row.expires_at:
            return Delivery(DeliveryStatus.FAILED, "expired")
        if row.audience == "staff":
            feeds = [m for m in self.messengers.values() if isinstance(m, StaffFeed)]
            if not feeds:
                return Delivery(DeliveryStatus.BLOCKED, "no staff channel configured")
            results = [
                await feed.post_staff(
                    item.replies, thread_key=row.thread_key, update=row.staff_update
                )
                for feed in feeds
            ]
            return results[0]
        if item.account is None:
            return Delivery(DeliveryStatus.BLOCKED, "no reachable account")
        messenger = self.messengers[item.account.channel]
        return await messenger.push(item.account.external_id, item.replies, retry_key=row.retry_key)

    async def run_once(self) -> int:
        """Claim, send and mark one batch. Returns how many rows were handled."""
        now = self.clock.now()
        rows = await anyio.to_thread.run_sync(self.claim, now)
        if not rows:
            return 0
        items = await anyio.to_thread.run_sync(self.resolve, rows)
        for item in items:
            try:
                delivery = await self.send(item, self.clock.now())
            except Exception as exc:  # a messenger bug must not stop the loop
                log.exception("send failed for outbox row %s", item.row.id)
                delivery = Delivery(DeliveryStatus.RETRY, type(exc).__name__)
            if delivery.detail == "expired":
                await anyio.to_thread.run_sync(self._expire, item.row)
                continue
            await anyio.to_thread.run_sync(self.finish, item.row, delivery, self.clock.now())
        return len(rows)

    def _expire(self, row: OutboxMessage) -> None:
        with Session(self.engine) as db:
            db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == self.name)
                .values(status=OutboxStatus.EXPIRED, lease_until=None)
            )
            db.commit()

    def next_due(self) -> datetime | None:
        with Session(self.engine) as db:
            pending = db.exec(
                select(func.min(OutboxMessage.due_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING
                )
            ).first()
            leased = db.exec(
                select(func.min(OutboxMessage.lease_until)).where(
                    OutboxMessage.status == OutboxStatus.SENDING
                )
            ).first()
        times = [t for t in (pending, leased) if t is not None]
        return min(times) if times else None

    # ------------------------------------------------------------------ loop
    def wake(self) -> None:
        """Called after a commit that wrote rows due now (in-process wake-up)."""
        self._wake.set()

    async def drain(self) -> int:
        """Send everything due now (tests and the simulator's clock button)."""
        total = 0
        while n := await self.run_once():
            total += n
        return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Sleep until the next due row (at most 1 s), or until woken; never busy-poll."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
                if handled:
                    continue
                nxt = await anyio.to_thread.run_sync(self.next_due)
            except Exception:
                log.exception("outbox loop error; retrying")
                nxt = None
            delay = MAX_SLEEP
            if nxt is not None:
                delay = max(0.0, min(MAX_SLEEP, (nxt - self.clock.now()).total_seconds()))
            self._wake.clear()
            wake = asyncio.ensure_future(self._wake.wait())
            halt = asyncio.ensure_future(stop.wait())
            await asyncio.wait({wake, halt}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for task in (wake, halt):
                task.cancel()
