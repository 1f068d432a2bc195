"""The outbox dispatcher: claim due rows, send them once, mark them sent.

TL;DR: rows are written in the transaction of the change that causes them. Any number of
dispatchers may run (web processes and ``kyodo worker``): PostgreSQL claims with
``FOR UPDATE SKIP LOCKED`` and a lease, SQLite with a single-writer ``BEGIN IMMEDIATE`` claim.
The retry key is fixed on the row before the first attempt and reused on every retry, so a
crash between "platform accepted" and "row marked sent" cannot make a person see it twice
(LINE answers 409 to the repeat). A lease that runs out is taken over by another dispatcher.

Identical payloads due together for people on a multicast channel (LINE) are grouped in the
claim transaction: the rows get one ``batch_key`` (≤ ``max_recipients`` rows), which is the
multicast's retry key. A batch is always claimed, sent and marked as a whole, so a takeover
resends the same recipients and body with the same key (LINE: 409 → sent).
Reminders are screened at claim time: meeting cancelled, RSVP no longer "yes" or meeting moved
→ cancelled; meeting already started → expired. Nothing late or stale is sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
from sqlalchemy import Engine, and_, func, or_, text, update
from sqlmodel import Session, select

from bot.clock import Clock
from bot.core.ports import Delivery, DeliveryStatus, Messenger, Multicaster, StaffFeed
from bot.core.replies import Reply, from_json
from storage.db import is_postgres
from storage.models import ChannelAccount, Meeting, OutboxMessage, OutboxStatus, Person, Rsvp

log = logging.getLogger("kyodo.outbox")

RETRY_KEY_LIFETIME = timedelta(hours=23)  # LINE honours a retry key for 24 h
MAX_SLEEP = 1.0
REMINDER = "reminder"


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts - 1, 0), 300))


def payload_key(payload: list) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


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
        batch: int = 500,
        lease: timedelta = timedelta(seconds=60),
        concurrency: int = 8,
        channel_preference: Sequence[str] = ("line", "slack", "simulator"),
    ):
        self.engine = engine
        self.messengers = messengers
        self.clock = clock
        self.name = name or worker_name()
        self.batch = batch
        self.lease = lease
        self.concurrency = concurrency
        self.channel_preference = channel_preference
        self._wake = asyncio.Event()
        self.screened = 0  # rows expired/cancelled by the last claim (not sent)

    # ------------------------------------------------------------------ claiming (sync)
    def _due(self, now: datetime):
        return or_(
            and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.lease_until < now),
        )

    def _take(self, now: datetime) -> dict:
        return {
            "status": OutboxStatus.SENDING,
            "claimed_by": self.name,
            "attempts": OutboxMessage.attempts + 1,
            "lease_until": now + self.lease,
            "first_attempt_at": func.coalesce(OutboxMessage.first_attempt_at, now),
        }

    def claim(self, now: datetime) -> list[OutboxMessage]:
        """Atomically take due rows: whole multicast batches first, then single rows.

        In the same transaction new rows are grouped into multicast batches and stale
        reminders are screened out, so what this returns is exactly what will be sent.
        """
        with Session(self.engine, expire_on_commit=False) as db:
            rows = self._claim_batches(db, now)
            room = self.batch - len(rows)
            if room > 0:
                fresh = self._claim_rows(db, now, room)
                self._group(db, fresh)
                rows += fresh
            rows = self._screen(db, rows, now)
            db.commit()
        return sorted(rows, key=lambda r: (r.due_at, r.id or 0))

    def _claim_rows(self, db: Session, now: datetime, limit: int) -> list[OutboxMessage]:
        ids = (
            select(OutboxMessage.id)
            .where(self._due(now), OutboxMessage.batch_key.is_(None))
            .order_by(OutboxMessage.due_at)
            .limit(limit)
        )
        if is_postgres(self.engine):
            ids = ids.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids.scalar_subquery()))
            .values(**self._take(now))
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        return list(db.scalars(stmt).all())

    def _claim_batches(self, db: Session, now: datetime) -> list[OutboxMessage]:
        """Re-claim due batches (retries, lease takeovers) whole, or not at all."""
        keys = db.exec(
            select(OutboxMessage.batch_key)
            .where(self._due(now), OutboxMessage.batch_key.is_not(None))
            .group_by(OutboxMessage.batch_key)
            .order_by(func.min(OutboxMessage.due_at))
            .limit(max(1, self.batch // 500))
        ).all()
        rows: list[OutboxMessage] = []
        for key in keys:
            if is_postgres(self.engine):
                # One dispatcher per batch: the lock is released when this transaction ends.
                got = db.execute(
                    text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"), {"k": key}
                ).scalar()
                if not got:
                    continue
            stmt = (
                update(OutboxMessage)
                .where(OutboxMessage.batch_key == key, self._due(now))
                .values(**self._take(now))
                .returning(OutboxMessage)
                .execution_options(synchronize_session=False)
            )
            rows += list(db.scalars(stmt).all())
        return rows

    def _accounts(self, db: Session, person_ids: set[int]) -> dict[int, ChannelAccount]:
        """Each person's reachable account (blocked or deleted people get none)."""
        if not person_ids:
            return {}
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
        accounts: dict[int, ChannelAccount] = {}
        for acc in sorted(found, key=lambda a: rank.get(a.channel, 99)):
            accounts.setdefault(acc.person_id, acc)
        return accounts

    def _group(self, db: Session, rows: list[OutboxMessage]) -> None:
        """Give identical payloads for a multicast channel one batch key per ≤N recipients."""
        candidates = [r for r in rows if r.audience == "person" and r.person_id is not None]
        if len(candidates) < 2:
            return
        accounts = self._accounts(db, {r.person_id for r in candidates})
        groups: dict[tuple[str, str], list[OutboxMessage]] = defaultdict(list)
        for r in candidates:
            acc = accounts.get(r.person_id)
            messenger = self.messengers.get(acc.channel) if acc else None
            if isinstance(messenger, Multicaster):
                groups[(acc.channel, payload_key(r.payload))].append(r)
        for (channel, _), members in groups.items():
            size = max(1, int(getattr(self.messengers[channel], "max_recipients", 500)))
            for start in range(0, len(members), size):
                chunk = members[start : start + size]
                if len(chunk) < 2:
                    continue
                key = str(uuid.uuid4())
                db.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_([r.id for r in chunk]))
                    .values(batch_key=key)
                    .execution_options(synchronize_session=False)
                )
                for r in chunk:
                    r.batch_key = key

    def _screen(self, db: Session, rows: list[OutboxMessage], now: datetime) -> list[OutboxMessage]:
        """Expire rows past ``expires_at``; cancel reminders that no longer apply."""
        verdict: dict[int, OutboxStatus] = {}
        meeting_ids = {r.meeting_id for r in rows if r.kind == REMINDER and r.meeting_id}
        meetings = (
            {m.id: m for m in db.exec(select(Meeting).where(Meeting.id.in_(meeting_ids))).all()}
            if meeting_ids
            else {}
        )
        answers: dict[tuple[int, int], str] = {}
        if meeting_ids:
            for rsvp in db.exec(select(Rsvp).where(Rsvp.meeting_id.in_(meeting_ids))).all():
                answers[(rsvp.meeting_id, rsvp.person_id)] = rsvp.answer
        for r in rows:
            if r.expires_at is not None and now >= r.expires_at:
                verdict[r.id] = OutboxStatus.EXPIRED
            elif r.kind == REMINDER and r.meeting_id:
                m = meetings.get(r.meeting_id)
                if m is None or m.status == "cancelled":
                    verdict[r.id] = OutboxStatus.CANCELLED
                elif now >= m.starts_at:
                    verdict[r.id] = OutboxStatus.EXPIRED
                elif r.expires_at is not None and r.expires_at != m.starts_at:
                    verdict[r.id] = OutboxStatus.CANCELLED  # planned for an old start time
                elif answers.get((r.meeting_id, r.person_id)) != "yes":
                    verdict[r.id] = OutboxStatus.CANCELLED
        for status in (OutboxStatus.EXPIRED, OutboxStatus.CANCELLED):
            ids = [i for i, v in verdict.items() if v == status]
            if ids:
                db.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(status=status, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
        self.screened = len(verdict)
        return [r for r in rows if r.id not in verdict]

    def finish(self, row: OutboxMessage, delivery: Delivery, now: datetime) -> bool:
        """Record the outcome, fenced on our claim: False if another dispatcher took it over."""
        return self.finish_many([row], delivery, now) == 1

    def finish_many(self, rows: list[OutboxMessage], delivery: Delivery, now: datetime) -> int:
        """Mark rows sent together (one multicast = one outcome); fenced on our claim."""
        if not rows:
            return 0
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
            first = min((r.first_attempt_at or now) for r in rows)
            if now - first > RETRY_KEY_LIFETIME:
                values |= {"status": OutboxStatus.DEAD}
            else:
                wait = (
                    timedelta(seconds=delivery.retry_after)
                    if delivery.retry_after
                    else backoff(max(r.attempts for r in rows))
                )
                values |= {"status": OutboxStatus.PENDING, "due_at": now + wait}
        stmt = (
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([r.id for r in rows]),
                OutboxMessage.status == OutboxStatus.SENDING,
                OutboxMessage.claimed_by == self.name,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        with Session(self.engine) as db:
            done = db.execute(stmt).rowcount
            db.commit()
        if done != len(rows):
            log.warning("%d outbox rows were taken over before they were marked", len(rows) - done)
        return done

    def resolve(self, rows: list[OutboxMessage]) -> list[Claimed]:
        """Find each person's reachable account (blocked or deleted people get none)."""
        person_ids = {r.person_id for r in rows if r.person_id is not None}
        with Session(self.engine) as db:
            accounts = self._accounts(db, person_ids)
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

    async def _safely(self, coro, what: str) -> Delivery:
        try:
            return await coro
        except Exception as exc:  # a messenger bug must not stop the loop
            log.exception("send failed for %s", what)
            return Delivery(DeliveryStatus.RETRY, type(exc).__name__)

    async def _send_single(self, item: Claimed) -> None:
        delivery = await self._safely(self.send(item, self.clock.now()), f"row {item.row.id}")
        await anyio.to_thread.run_sync(self.finish, item.row, delivery, self.clock.now())

    async def _send_batch(self, key: str, items: list[Claimed]) -> None:
        """One multicast for the batch, keyed by its batch_key (same key on every retry)."""
        reachable = [i for i in items if i.account is not None]
        unreachable = [i.row for i in items if i.account is None]
        if unreachable:
            await anyio.to_thread.run_sync(
                self.finish_many,
                unreachable,
                Delivery(DeliveryStatus.BLOCKED, "no reachable account"),
                self.clock.now(),
            )
        if not reachable:
            return
        messenger = self.messengers.get(reachable[0].account.channel)
        if not isinstance(messenger, Multicaster):
            # The channel lost multicast (reconfigured): fall back to pushes with row keys.
            for item in reachable:
                await self._send_single(item)
            return
        ids = [i.account.external_id for i in reachable]
        delivery = await self._safely(
            messenger.multicast(ids, reachable[0].replies, retry_key=key), f"batch {key}"
        )
        await anyio.to_thread.run_sync(
            self.finish_many, [i.row for i in reachable], delivery, self.clock.now()
        )

    async def run_once(self) -> int:
        """Claim, send and mark one batch. Returns how many rows were handled."""
        now = self.clock.now()
        rows = await anyio.to_thread.run_sync(self.claim, now)
        handled = len(rows) + self.screened
        if not rows:
            return handled
        items = await anyio.to_thread.run_sync(self.resolve, rows)
        batches: dict[str, list[Claimed]] = defaultdict(list)
        singles: list[Claimed] = []
        for item in items:
            if item.row.batch_key:
                batches[item.row.batch_key].append(item)
            else:
                singles.append(item)
        limit = asyncio.Semaphore(self.concurrency)

        async def guarded(coro):
            async with limit:
                await coro

        await asyncio.gather(
            *(guarded(self._send_batch(k, v)) for k, v in batches.items()),
            *(guarded(self._send_single(i)) for i in singles),
        )
        return handled

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
            self._wake.clear()  # a wake-up during this round makes the wait below return at once
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
            wake = asyncio.ensure_future(self._wake.wait())
            halt = asyncio.ensure_future(stop.wait())
            await asyncio.wait({wake, halt}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            for task in (wake, halt):
                task.cancel()
