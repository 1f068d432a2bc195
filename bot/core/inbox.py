"""The durable inbox: webhooks store verified events; processors handle them in order.

TL;DR: a webhook verifies the signature, hands its events to :meth:`Inbox.write` and answers
200 as soon as they are committed (LINE gives up after 2 seconds). One writer thread commits
for every request that arrived meanwhile (group commit: one transaction per burst, not per
request). Processors — in the web process by default, and in every ``kyodo worker`` — claim
the oldest waiting event of each conversation, translate it with the channel's decoder, run it
through the one :class:`~bot.core.dispatch.Dispatcher` and delete it.

Nothing is lost: a crash after the commit leaves the row, whose lease runs out and is taken
over; a crash after the turn committed but before the delete is harmless, because the
dispatcher de-duplicates on the event id in the turn's own transaction. An event that keeps
failing is dropped (and logged) after ``max_attempts`` claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta

import anyio
from sqlalchemy import Engine

from bot.clock import Clock
from bot.core.events import Inbound
from storage import inbox as store

log = logging.getLogger("kyodo.inbox")

Decoder = Callable[[str], Awaitable[Inbound | None]]
Handler = Callable[[Inbound], Awaitable[object]]


class GroupCommitWriter:
    """One thread writes inbox rows; each commit carries every request waiting for it.

    The event loop never blocks on the database (SQLite may wait for another writer's lock),
    and a burst of webhooks costs one transaction instead of one per request. A batch that
    fails is retried request by request, so only the request with a bad row gets the error.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._statement = store.accept_statement(engine)
        self._cond = threading.Condition()
        self._pending: list[tuple[list[dict], asyncio.Future, asyncio.AbstractEventLoop]] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    async def write(self, rows: list[dict]) -> None:
        if not rows:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        with self._cond:
            if self._closed:
                raise RuntimeError("inbox writer is closed")
            self._pending.append((rows, done, loop))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="kyodo-inbox-writer", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        await done

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return
                batch, self._pending = self._pending, []
            self._commit(batch)

    def _commit(self, batch) -> None:
        try:
            with self.engine.begin() as conn:
                store.accept(conn, self._statement, [row for rows, _, _ in batch for row in rows])
        except Exception as exc:
            if len(batch) > 1:
                for item in batch:
                    self._commit([item])
                return
            _rows, done, loop = batch[0]
            loop.call_soon_threadsafe(_settle, done, exc)
            return
        for _rows, done, loop in batch:
            loop.call_soon_threadsafe(_settle, done, None)

    async def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            await anyio.to_thread.run_sync(thread.join)


def _settle(done: asyncio.Future, exc: BaseException | None) -> None:
    if done.done():  # the request was cancelled (client went away); the row is stored anyway
        return
    if exc is None:
        done.set_result(None)
    else:
        done.set_exception(exc)


class Inbox:
    """Write verified events durably; claim, handle and delete them in order per conversation."""

    def __init__(
        self,
        *,
        engine: Engine,
        handle: Handler,
        clock: Clock,
        name: str,
        batch: int = 64,
        lease: timedelta = timedelta(seconds=60),
        poll: float = 1.0,
        max_attempts: int = 5,
    ):
        self.engine = engine
        self.handle = handle
        self.clock = clock
        self.name = name
        self.batch = batch
        self.lease = lease
        self.poll = poll
        self.max_attempts = max_attempts
        self.decoders: dict[str, Decoder] = {}  # registered by the channels this process runs
        self.writer = GroupCommitWriter(engine)
        self._wake: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False

    # ------------------------------------------------------------------ ingress
    async def write(self, rows: list[dict]) -> None:
        """Store events durably (returns after the commit) and wake a local processor."""
        await self.writer.write(rows)
        self.wake()

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    # ------------------------------------------------------------------ processing
    def start(self) -> None:
        """Process in the background of this event loop until :meth:`stop`."""
        self._wake = asyncio.Event()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="kyodo-inbox")

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.writer.close()

    async def _run(self) -> None:
        while not self._stopping:
            assert self._wake is not None
            self._wake.clear()  # a write during the pass below makes the wait return at once
            try:
                await self.drain()
            except Exception as exc:  # the database is away: try again after the poll
                log.error("inbox pass failed: %s", type(exc).__name__)
            if self._stopping:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)

    async def drain(self) -> int:
        """Handle every claimable event, in order, until none is left; return how many."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        total = 0
        async with self._lock:
            while True:
                claimed, handled = await self._pass()
                total += handled
                if claimed == 0 or self._stopping:
                    return total

    async def _pass(self) -> tuple[int, int]:
        """One claim → handle → delete round; returns (claimed, handled)."""
        claim = functools.partial(
            store.claim,
            self.engine,
            worker=self.name,
            now=self.clock.now(),
            lease=self.lease,
            limit=self.batch,
        )
        claimed = await anyio.to_thread.run_sync(claim)
        if not claimed:
            return 0, 0
        outcomes = await asyncio.gather(*(self._one(item) for item in claimed))
        done = [item.id for item, ok in zip(claimed, outcomes, strict=True) if ok]
        if done:
            await anyio.to_thread.run_sync(
                functools.partial(store.finish, self.engine, done, worker=self.name)
            )
        return len(claimed), len(done)

    async def _one(self, item: store.Claimed) -> bool:
        """Handle one claimed event; False leaves it for a process that can decode it."""
        decoder = self.decoders.get(item.channel)
        if decoder is None:
            return False
        if item.attempts > self.max_attempts:
            log.error(
                "inbox event dropped after %d attempts",
                item.attempts - 1,
                extra={"channel": item.channel},
            )
            return True
        try:
            event = await decoder(item.payload)
            if event is not None:
                await self.handle(event)
        except Exception:
            log.exception("inbox event failed", extra={"channel": item.channel})
        return True
