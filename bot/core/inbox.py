"""The durable inbox: webhooks store verified events; processors handle them in order.

TL;DR: a webhook verifies the signature, hands its events to :meth:`Inbox.write` and answers
200 as soon as they are committed (LINE gives up after 2 seconds). One writer thread commits
for every request that arrived meanwhile (group commit: one transaction per burst, not per
request). Processors — in the web process by default, and in every ``kyodo worker`` — claim
the oldest waiting event of each conversation, translate it with the channel's decoder, run it
through the one :class:`~bot.core.dispatch.Dispatcher` and delete it. They claim continuously
into a bounded in-flight set (no batch barrier), and the reply goes out after the turn's commit
without holding the next claim.

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

# LINE's reply token lives about a minute from the tap: past this queue lag a full turn may
# not make it, so the event gets the short "busy" answer through its token instead.
BUSY_AFTER = timedelta(seconds=50)


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
    """Write verified events durably; claim, handle and delete them in order per conversation.

    Processing is a continuous flow, not batches (a batch waited for its slowest turn before
    the next claim): up to ``batch`` events are in flight; finished rows are deleted and the
    next events claimed in one transaction — at once while the flow is thin, in groups of up
    to ``group`` rows or ``group_delay`` seconds while it is full. While turns run, new rows
    are claimed on a wake-up (a local write) or every ``tick`` seconds (another process's).
    A handler may return an :class:`asyncio.Task`: its reply, still on the way after the turn
    committed. The row is finished at once and the task awaited only by :meth:`settle` and
    :meth:`stop`, so a slow LINE call no longer holds the next claim.
    """

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
        group: int = 16,
        group_delay: float = 0.005,
        tick: float = 0.02,
        busy: Handler | None = None,
        busy_after: timedelta = BUSY_AFTER,
    ):
        self.engine = engine
        self.handle = handle
        self.clock = clock
        self.name = name
        self.batch = batch
        self.lease = lease
        self.poll = poll
        self.max_attempts = max_attempts
        self.group = group
        self.group_delay = group_delay
        self.tick = tick
        self.busy = busy  # the answer to an event that waited longer than busy_after
        self.busy_after = busy_after
        self.decoders: dict[str, Decoder] = {}  # registered by the channels this process runs
        self.writer = GroupCommitWriter(engine)
        self._wake: asyncio.Event | None = None
        self._lock: asyncio.Lock | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._sending: set[asyncio.Task] = set()

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
        await self.settle()
        await self.writer.close()

    async def settle(self) -> None:
        """Wait for the replies still on their way from turns already committed."""
        while self._sending:
            await asyncio.wait(list(self._sending))

    async def _run(self) -> None:
        """Drain; then poll — soon after work (another process may be writing), backing off
        to ``poll`` when idle; a local write wakes it at once."""
        idle = self.tick
        while not self._stopping:
            assert self._wake is not None
            self._wake.clear()  # a write during the flow below makes the wait return at once
            handled = 0
            try:
                handled = await self.drain(settle=False)
            except Exception as exc:  # the database is away: try again after the poll
                log.error("inbox pass failed: %s", type(exc).__name__)
                idle = self.poll
            if self._stopping:
                return
            idle = self.tick if handled else min(self.poll, idle * 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), idle)

    async def drain(self, *, settle: bool = True) -> int:
        """Handle every claimable event, in order, until none is left; return how many.

        With ``settle`` (tests, the simulator's clock) it also waits for the replies."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            total = await self._flow()
        if settle:
            await self.settle()
        return total

    async def _flow(self) -> int:
        """Claim into a bounded in-flight set until nothing is claimable and nothing runs."""
        loop = asyncio.get_running_loop()
        running: dict[asyncio.Future, store.Claimed] = {}
        finished: list[int] = []
        flush_at = claim_at = 0.0
        total = 0
        try:
            while True:
                now = loop.time()
                room = 0 if self._stopping else self.batch - len(running)
                thin = len(running) < max(1, self.batch // 2)
                woken = self._wake is not None and self._wake.is_set()
                flush = bool(finished) and (thin or len(finished) >= self.group or now >= flush_at)
                if not running or flush or (room > 0 and (woken or now >= claim_at)):
                    if woken:
                        assert self._wake is not None
                        self._wake.clear()
                    total += len(finished)
                    claimed = await self._step(finished, room)
                    finished = []
                    for item in claimed:
                        running[asyncio.ensure_future(self._one(item))] = item
                    if not running:
                        return total
                    claim_at = loop.time() + self.tick
                deadlines = [claim_at] if room > 0 else []
                if finished:
                    deadlines.append(flush_at)
                timeout = max(0.0, min(deadlines) - loop.time()) if deadlines else None
                done, _ = await asyncio.wait(
                    running, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    item = running.pop(task)
                    if task.result():
                        if not finished:
                            flush_at = loop.time() + self.group_delay
                        finished.append(item.id)
        except BaseException:
            if running:  # let the turns already started end; their rows stay leased
                await asyncio.wait(running)
            raise

    async def _step(self, finished: list[int], room: int) -> list[store.Claimed]:
        """Delete what finished and claim up to ``room`` more: one transaction."""
        step = functools.partial(
            store.finish_and_claim,
            self.engine,
            list(finished),
            worker=self.name,
            now=self.clock.now(),
            lease=self.lease,
            limit=room,
        )
        _deleted, claimed = await anyio.to_thread.run_sync(step)
        return claimed

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
                late = self.busy is not None and self._late(item)
                outcome = await (self.busy if late and self.busy else self.handle)(event)
                if isinstance(outcome, asyncio.Task) and not outcome.done():
                    self._sending.add(outcome)
                    outcome.add_done_callback(self._sending.discard)
        except Exception:
            log.exception("inbox event failed", extra={"channel": item.channel})
        return True

    def _late(self, item: store.Claimed) -> bool:
        """Queued so long that the reply token may expire before a full turn is done."""
        received = item.received_at
        return received is not None and self.clock.now() - received > self.busy_after
