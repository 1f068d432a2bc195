"""Benchmark 2: reminder timeliness through the real outbox, against a rate-limited LINE emulator.

    python -m bench.reminders [--db sqlite|postgres] [--latency 0.05] [--no-poll-reference]

A real ``kyodo worker`` process (OutboxDispatcher.run_forever + LineMessenger, pinned to core
0) sends OutboxMessage rows of kind "reminder" to people with LINE accounts; the emulator
(bench/line_emulator.py: push 2,000/s, multicast 200/s, 50 ms latency, 409 on a reused
retry key) records when each recipient's push arrived. Lateness = arrival − due_at.

1. burst: 1,000 rows due at the same instant → drain time (last arrival − due). Target:
   1,000 / 2,000 per s + 1 s = 1.5 s. Its rate gives the dispatcher's capacity.
2. trickle: rows due spread over ~15 s at ≤10 % of that capacity, each written ≥1.5 s
   before it is due (as reminders are) → lateness p50/p99/max. Target p99 ≤ 100 ms.
3. reference (optional): the same trickle with a worker that polls every 1 s instead of
   sleeping until the next due row → ratio of p99s.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

from bench.harness import PYTHON, ROOT, percentile, pin, prepare_db, table, write
from bench.line_bodies import SECRET
from bench.line_emulator import LineEmulator
from bot.core.replies import Text, to_json
from storage.db import make_engine
from storage.models import ChannelAccount, OutboxMessage, OutboxStatus, Person

PUSH_RATE = 2000.0

# A worker that polls every second (the reference the sleep-until-due loop is compared with).
POLL_WORKER = """
import asyncio, sys
import schedules.outbox as outbox

async def run_forever(self, stop):
    while not stop.is_set():
        try:
            if await self.run_once():
                continue
        except Exception:
            pass
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass

outbox.OutboxDispatcher.run_forever = run_forever
from bot.cli import main
sys.argv = ["kyodo", "worker"]
main()
"""


def make_people(engine, n: int) -> list[tuple[int, str]]:
    """n residents with LINE accounts; returns (person_id, LINE user id)."""
    now = datetime.now(UTC)
    with Session(engine) as db:
        start = db.exec(select(func.coalesce(func.max(Person.id), 0))).one()
        db.execute(
            insert(Person),
            [
                {
                    "id": start + i + 1,
                    "display_name": f"住民{start + i + 1}",
                    "language": "ja",
                    "consent_version": "1",
                    "consented_at": now,
                    "calendar_token": uuid.uuid4().hex,
                    "created_at": now,
                }
                for i in range(n)
            ],
        )
        people = [(start + i + 1, "U" + uuid.uuid4().hex) for i in range(n)]
        db.execute(
            insert(ChannelAccount),
            [
                {"person_id": pid, "channel": "line", "external_id": uid, "created_at": now}
                for pid, uid in people
            ],
        )
        db.commit()
    return people


def reminder_rows(people, due: list[datetime], *, meeting_id: int | None = None) -> list[dict]:
    payload = [to_json(Text(text="あした 10時から 公園の そうじ です。"))]
    now = datetime.now(UTC)
    return [
        {
            "audience": "person",
            "person_id": pid,
            "kind": "reminder",
            "payload": payload,
            "dedupe_key": f"bench:{uuid.uuid4().hex}",
            "meeting_id": meeting_id,
            "due_at": d,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "retry_key": str(uuid.uuid4()),
            "created_at": now,
        }
        for (pid, _uid), d in zip(people, due, strict=True)
    ]


def add_rows(engine, rows: list[dict]) -> None:
    with Session(engine) as db:
        for start in range(0, len(rows), 2000):
            db.execute(insert(OutboxMessage), rows[start : start + 2000])
        db.commit()


def worker_env(db_url: str, emulator: LineEmulator) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url,
        "KYODO_ENV": "production",
        "KYODO_SIMULATOR": "0",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "LINE_API_BASE_URL": emulator.url,
        "KYODO_LOG_LEVEL": "WARNING",
    }


def start_worker(db_url: str, emulator: LineEmulator, *, poll: bool = False) -> subprocess.Popen:
    args = [PYTHON, "-c", POLL_WORKER] if poll else [PYTHON, "-m", "bot.cli", "worker"]
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    return subprocess.Popen(
        [*pin(0), *args], cwd=ROOT, env=worker_env(db_url, emulator), stdout=log, stderr=log
    )


def wait_for(emulator: LineEmulator, recipients: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r in emulator.accepted for r in recipients):
            return True
        time.sleep(0.01)
    return False


def warm_up(engine, emulator: LineEmulator, people) -> None:
    """One reminder due now: the worker is up and its connections are open."""
    add_rows(engine, reminder_rows(people[:1], [datetime.now(UTC)]))
    if not wait_for(emulator, [people[0][1]], 60):
        raise RuntimeError("worker did not deliver the warm-up reminder")


def lateness_ms(emulator: LineEmulator, people, due: list[datetime]) -> list[float]:
    return [
        (emulator.accepted[uid] - d.timestamp()) * 1000
        for (_pid, uid), d in zip(people, due, strict=True)
        if uid in emulator.accepted
    ]


def burst(engine, emulator, people, n: int, timeout: float) -> dict:
    group = people[:n]
    due_at = datetime.now(UTC) + timedelta(seconds=1.5)
    add_rows(engine, reminder_rows(group, [due_at] * n))
    done = wait_for(emulator, [u for _p, u in group], timeout)
    late = lateness_ms(emulator, group, [due_at] * n)
    drain = max(late) / 1000 if late else float("nan")
    target = n / PUSH_RATE + 1.0
    return {
        "scenario": f"burst {n}",
        "delivered": len(late),
        "complete": done,
        "drain_s": drain,
        "rows_per_s": len(late) / drain if drain and drain > 0 else float("nan"),
        "target_s": target,
        "ok": done and drain <= target,
        "p50_ms": percentile(late, 0.5),
        "p99_ms": percentile(late, 0.99),
        "max_ms": max(late) if late else float("nan"),
        "http_429": emulator.count("push", 429),
        "http_409": emulator.count("push", 409),
    }


def trickle(engine, emulator, people, rate: float, seconds: float, label: str) -> dict:
    n = max(5, int(rate * seconds))
    group = people[:n]
    start = datetime.now(UTC) + timedelta(seconds=1.5)
    rng = random.Random(7)
    due = sorted(start + timedelta(seconds=rng.uniform(0, seconds)) for _ in range(n))
    add_rows(engine, reminder_rows(group, due))
    done = wait_for(emulator, [u for _p, u in group], seconds + 30)
    late = lateness_ms(emulator, group, due)
    return {
        "scenario": label,
        "delivered": len(late),
        "complete": done,
        "rate_per_s": n / seconds,
        "p50_ms": percentile(late, 0.5),
        "p99_ms": percentile(late, 0.99),
        "max_ms": max(late) if late else float("nan"),
        "target_p99_ms": 100.0,
        "ok": done and percentile(late, 0.99) <= 100,
        "http_429": emulator.count("push", 429),
    }


def run(kind: str, latency: float, burst_n: int, seconds: float, reference: bool) -> list[dict]:
    tmp = Path(tempfile.mkdtemp(prefix="kyodo-bench-rem-"))
    db_url = prepare_db(kind, tmp, name="kyodo_bench_rem")
    engine = make_engine(db_url)
    emulator = LineEmulator(latency=latency).start()
    # the burst, two trickles of at most 10 % of the push limit (each with its own people:
    # LINE accepts a person's retry key once), and a warm-up person for each worker
    most = max(5, int(0.1 * PUSH_RATE * seconds))
    people = make_people(engine, burst_n + 2 * most + 2)
    trickle_people = people[burst_n : burst_n + most]
    spare = people[burst_n + most : burst_n + 2 * most + 1]
    rows: list[dict] = []
    proc = start_worker(db_url, emulator)
    try:
        warm_up(engine, emulator, people[-1:])
        emulator.reset()
        result = burst(engine, emulator, people[:burst_n], burst_n, timeout=120)
        rows.append(result)
        capacity = result["rows_per_s"]
        rate = max(1.0, min(0.1 * capacity, 0.1 * PUSH_RATE))
        emulator.reset()
        rows.append(
            trickle(engine, emulator, trickle_people, rate, seconds, "trickle (sleep until due)")
        )
    finally:
        proc.terminate()
        proc.wait(15)
    if reference:
        emulator.reset()
        proc = start_worker(db_url, emulator, poll=True)
        try:
            warm_up(engine, emulator, spare[-1:])
            emulator.reset()
            rows.append(trickle(engine, emulator, spare, rate, seconds, "trickle (fixed 1 s poll)"))
        finally:
            proc.terminate()
            proc.wait(15)
        rows[-1]["p99_ratio_vs_sleep_until_due"] = rows[-1]["p99_ms"] / rows[1]["p99_ms"]
    emulator.stop()
    engine.dispose()
    for r in rows:
        r["db"] = kind
        r["latency_ms"] = latency * 1000
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--latency", type=float, default=0.05, help="emulated LINE latency (s)")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--no-poll-reference", action="store_true")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows = [
        r
        for kind in kinds
        for r in run(kind, args.latency, args.burst, args.seconds, not args.no_poll_reference)
    ]
    print(
        table(
            rows,
            [
                "db",
                "scenario",
                "delivered",
                "rate_per_s",
                "p50_ms",
                "p99_ms",
                "max_ms",
                "drain_s",
                "rows_per_s",
                "target_s",
                "ok",
                "http_429",
            ],
        )
    )
    print("results:", write("reminders", {"rows": rows}))


if __name__ == "__main__":
    main()
