"""The durable inbox on the real database: group commit, order per conversation, several
processors at once, lease takeover and poison events (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

import pytest

from bot.core.events import Address, TextReceived
from bot.core.inbox import Inbox
from storage import inbox as store
from tests.conftest import count


def rows(conversation: str, n: int, now, start: int = 0) -> list[dict]:
    return [
        {
            "channel": "test",
            "event_id": f"{conversation}-{i}",
            "conversation": conversation,
            "payload": json.dumps({"conversation": conversation, "seq": i}),
            "received_at": now,
        }
        for i in range(start, start + n)
    ]


class Recorder:
    """The inbox's two ports: a decoder for channel "test" and a handler that records."""

    def __init__(self, delay: float = 0.0):
        self.seen: list[tuple[str, int]] = []
        self.delay = delay

    async def decode(self, payload: str):
        data = json.loads(payload)
        return TextReceived(
            address=Address(channel="test", user_id=data["conversation"]),
            event_id=f"{data['conversation']}-{data['seq']}",
            text=str(data["seq"]),
        )

    async def handle(self, event: TextReceived) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.seen.append((event.address.user_id, int(event.text)))


def inbox(engine, clock, recorder: Recorder, name: str, **kw) -> Inbox:
    box = Inbox(engine=engine, handle=recorder.handle, clock=clock, name=name, **kw)
    box.decoders["test"] = recorder.decode
    return box


async def test_concurrent_writes_are_committed_together_and_redeliveries_kept_once(engine, clock):
    box = inbox(engine, clock, Recorder(), "w")
    batches = [rows(f"u{i}", 3, clock.now()) for i in range(50)]
    await asyncio.gather(*(box.write(b) for b in batches))
    await box.write(rows("u7", 3, clock.now()))  # the same event ids again: a redelivery
    assert count(engine, "inbox_event") == 150
    await box.writer.close()


async def test_a_bad_row_fails_only_its_own_request(engine, clock):
    box = inbox(engine, clock, Recorder(), "w")
    bad = rows("bad", 1, clock.now())
    bad[0]["payload"] = None  # NOT NULL: this request cannot be stored
    results = await asyncio.gather(
        box.write(rows("a", 2, clock.now())),
        box.write(bad),
        box.write(rows("b", 2, clock.now())),
        return_exceptions=True,
    )
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception)
    assert count(engine, "inbox_event") == 4
    await box.writer.close()


async def test_events_of_a_conversation_are_handled_once_in_order(engine, clock):
    recorder = Recorder()
    box = inbox(engine, clock, recorder, "p1")
    await box.write(rows("alice", 5, clock.now()))
    await box.write(rows("bob", 3, clock.now()))
    await box.write(rows("alice", 2, clock.now(), start=5))
    assert await box.drain() == 10
    assert [s for who, s in recorder.seen if who == "alice"] == list(range(7))
    assert [s for who, s in recorder.seen if who == "bob"] == list(range(3))
    assert count(engine, "inbox_event") == 0
    await box.writer.close()


async def test_two_processors_share_a_backlog_without_doubles_or_reordering(engine, clock):
    shared = Recorder(delay=0.002)
    first = inbox(engine, clock, shared, "p1", batch=8)
    second = inbox(engine, clock, shared, "p2", batch=8)
    for i in range(12):
        await first.write(rows(f"u{i}", 6, clock.now()))
    handled = await asyncio.gather(first.drain(), second.drain())
    assert sum(handled) == 72
    assert len(shared.seen) == len(set(shared.seen)) == 72
    for i in range(12):
        assert [s for who, s in shared.seen if who == f"u{i}"] == list(range(6))
    assert handled[0] > 0 and handled[1] > 0  # both took part
    await first.writer.close()
    await second.writer.close()


async def test_a_crashed_processors_lease_is_taken_over_after_it_runs_out(engine, clock):
    recorder = Recorder()
    box = inbox(engine, clock, recorder, "survivor", lease=timedelta(seconds=60))
    await box.write(rows("carol", 2, clock.now()))
    taken = store.claim(
        engine, worker="crashed", now=clock.now(), lease=timedelta(seconds=60), limit=10
    )
    assert [c.event_id for c in taken] == ["carol-0"]  # only the oldest of the conversation
    assert await box.drain() == 0  # leased elsewhere, and carol-1 must wait for carol-0
    clock.advance(timedelta(seconds=61))
    assert await box.drain() == 2
    assert recorder.seen == [("carol", 0), ("carol", 1)]
    assert store.finish(engine, [taken[0].id], worker="crashed") == 0  # fenced: already gone
    await box.writer.close()


async def test_an_event_that_keeps_failing_is_dropped_and_logged(engine, clock, caplog):
    recorder = Recorder()
    box = inbox(engine, clock, recorder, "p", max_attempts=2)
    await box.write(rows("dave", 1, clock.now()))
    for _ in range(2):  # two processors died holding it
        store.claim(engine, worker="dead", now=clock.now(), lease=timedelta(seconds=1), limit=5)
        clock.advance(timedelta(seconds=2))
    with caplog.at_level(logging.ERROR, logger="kyodo.inbox"):
        assert await box.drain() == 1
    assert recorder.seen == []
    assert "dropped after 2 attempts" in caplog.text
    assert count(engine, "inbox_event") == 0
    await box.writer.close()


async def test_a_process_without_the_channel_leaves_its_events_alone(engine, clock):
    box = Inbox(engine=engine, handle=Recorder().handle, clock=clock, name="other")
    await box.write(rows("erin", 1, clock.now()))
    assert await box.drain() == 0
    assert count(engine, "inbox_event") == 1
    clock.advance(timedelta(minutes=2))  # its lease runs out: a process with the channel takes it
    recorder = Recorder()
    assert await inbox(engine, clock, recorder, "line-worker").drain() == 1
    assert recorder.seen == [("erin", 0)]
    await box.writer.close()


@pytest.mark.parametrize("n", [1, 40])
async def test_the_background_processor_handles_what_is_written(engine, clock, n):
    recorder = Recorder()
    box = inbox(engine, clock, recorder, "bg")
    box.start()
    try:
        await box.write(rows("frank", n, clock.now()))
        for _ in range(500):
            if len(recorder.seen) == n:
                break
            await asyncio.sleep(0.01)
    finally:
        await box.stop()
    assert [s for _, s in recorder.seen] == list(range(n))


async def test_a_slow_turn_does_not_hold_back_other_conversations(engine, clock):
    """No batch barrier: while one turn is slow, the others' next events are claimed."""
    seen: list[tuple[str, int]] = []
    recorder = Recorder()

    async def handle(event: TextReceived) -> None:
        if event.address.user_id == "slow":
            await asyncio.sleep(0.5)
        seen.append((event.address.user_id, int(event.text)))

    box = Inbox(engine=engine, handle=handle, clock=clock, name="flow")
    box.decoders["test"] = recorder.decode
    await box.write(rows("slow", 1, clock.now()))
    await box.write(rows("fast", 5, clock.now()))
    assert await box.drain() == 6
    assert seen == [("fast", i) for i in range(5)] + [("slow", 0)]
    assert count(engine, "inbox_event") == 0
    await box.writer.close()


async def test_a_reply_still_on_its_way_does_not_hold_the_next_claim(engine, clock):
    """A handler's returned task (the reply after the commit) runs on; drain() settles it."""
    log: list[str] = []
    recorder = Recorder()

    async def reply(seq: int) -> None:
        await asyncio.sleep(0.3)
        log.append(f"replied {seq}")

    async def handle(event: TextReceived) -> asyncio.Task:
        log.append(f"turn {event.text}")
        return asyncio.ensure_future(reply(int(event.text)))

    box = Inbox(engine=engine, handle=handle, clock=clock, name="detached")
    box.decoders["test"] = recorder.decode
    await box.write(rows("gina", 2, clock.now()))
    assert await box.drain() == 2
    assert log[:2] == ["turn 0", "turn 1"]  # the second turn did not wait for the first reply
    assert sorted(log[2:]) == ["replied 0", "replied 1"]  # and drain() waited for both
    await box.writer.close()
