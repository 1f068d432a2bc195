"""Benchmark 6: whole LINE turns (tap → handled → reply at LINE) against a floor, same run.

    python -m bench.turns [--db sqlite|postgres|both] [--workers 1,2,4] [--residents 128]
                          [--seconds 10] [--burst 2000 --burst-seconds 5] [--quick] [--profile]

What a resident feels is the whole turn, so it is measured from outside: this process runs a
LINE stand-in (aiohttp, ~50 ms per call, reply tokens valid 60 s, every reply and push
timestamped on arrival) and the simulated residents, who send correctly signed webhook bodies
and wait for their answer to reach the stand-in. Kyodo is ``kyodo serve`` with
``KYODO_PROCESS_EVENTS=false`` (verify + store, core 0) plus 1, 2 or 4 ``kyodo worker``
processes (worker i on core i); the floor (``bench.turn_floor``) is a bare FastAPI endpoint
doing the same HMAC check + one INSERT + one outbound POST to the same stand-in, on the same
database kind, measured in the same run. The mix per resident: 60 % postbacks on cards
(参加したい, 賛同, くわしく), 25 % rich-menu taps (探す, 参加予定), 15 % dialog text.

Phases per setup: warm-up (each resident's first contact, not counted), closed loop (each
resident taps again as soon as the answer arrives: turns/s, p50/p99, CPU per turn), half load
(open loop at half of the closed loop's rate: p99), burst (``--burst`` taps in
``--burst-seconds``: queue lag = age of the oldest unhandled inbox row, sampled every 0.25 s;
time until all answered; replies that fell back to push). Targets (issue 20): turns/s ≥ 0.5 ×
floor (SQLite; PostgreSQL with 4 workers), p99 ≤ 2 s at half load, burst with 0 push fallbacks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text

from bench.harness import (
    PYTHON,
    free_port,
    percentile,
    pin,
    prepare_db,
    server,
    table,
    uvicorn_args,
    write,
)
from bench.line_bodies import SECRET, event, sign
from bench.turn_standin import TOKEN_LIFE, StandIn
from bot.core.actions import pack
from handlers.common import Menu
from handlers.idea_views import SupportIdea
from handlers.initiative_actions import Join, Show

TURN_TIMEOUT = 30.0  # a closed-loop resident gives up waiting after this long


# ---------------------------------------------------------------------------- residents
def mix(db_url: str) -> list[tuple[float, str, str]]:
    """(weight, kind, payload): the issue's 60 / 25 / 15 mix on the demo ward's content."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        initiative = conn.execute(
            text("SELECT min(id) FROM initiative WHERE status = 'recruiting'")
        ).scalar_one()
        idea = conn.execute(text("SELECT min(id) FROM idea")).scalar_one()
    engine.dispose()
    return [
        (0.20, "postback", pack(Join(initiative))),  # 参加したい
        (0.20, "postback", pack(SupportIdea(idea))),  # 賛同
        (0.20, "postback", pack(Show(initiative))),  # くわしく
        (0.15, "postback", pack(Menu("browse"))),  # rich menu: 探す
        (0.10, "postback", pack(Menu("plans"))),  # rich menu: 参加予定
        (0.15, "text", "ヘルプ"),  # dialog text
    ]


@dataclass
class Load:
    """Sends one signed tap and waits for its answer at the stand-in."""

    session: aiohttp.ClientSession
    standin: StandIn
    url: str
    choices: list[tuple[float, str, str]]
    rng: random.Random = field(default_factory=lambda: random.Random(20))

    def body(self, user: str, kind: str | None = None, payload: str = "") -> tuple[bytes, str]:
        if kind is None:
            _, kind, payload = self.rng.choices(self.choices, [c[0] for c in self.choices])[0]
        item = event(user, kind, payload)
        raw = json.dumps({"destination": "Ubench", "events": [item]}, ensure_ascii=False).encode()
        return raw, item["replyToken"]

    async def tap(self, user: str, *, timeout: float, kind: str | None = None) -> dict:
        raw, token = self.body(user, kind, "ヘルプ")
        turn = self.standin.expect(user, token)
        headers = {"Content-Type": "application/json", "X-Line-Signature": sign(raw)}
        status = 0
        for _attempt in range(3):  # a keep-alive connection the server just closed: resend
            try:
                async with self.session.post(self.url, data=raw, headers=headers) as resp:
                    await resp.read()
                    status = resp.status
                break
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
                continue
        if status != 200:
            self.standin.turns.pop(token, None)
            return {"status": status, "latency": None, "how": "none"}
        try:
            at, how = await asyncio.wait_for(asyncio.shield(turn.done), timeout)
        except TimeoutError:
            return {"status": status, "latency": None, "how": "none"}
        finally:
            self.standin.turns.pop(token, None)
        return {"status": status, "latency": at - turn.sent, "how": how}


def users(n: int, prefix: str) -> list[str]:
    return [f"U{prefix}{i:030x}" for i in range(n)]


async def closed_loop(load: Load, residents: list[str], seconds: float) -> dict:
    end = time.monotonic() + seconds
    results: list[dict] = []

    async def resident(user: str) -> None:
        while time.monotonic() < end:
            results.append(await load.tap(user, timeout=TURN_TIMEOUT))

    started = time.monotonic()
    await asyncio.gather(*(resident(u) for u in residents))
    return summarise(results, time.monotonic() - started)


async def open_loop(load: Load, residents: list[str], count: int, seconds: float) -> dict:
    """``count`` taps evenly spread over ``seconds``, cycling through ``residents``."""
    started = time.monotonic()
    tasks = []
    for i in range(count):
        delay = started + i * seconds / max(1, count) - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(load.tap(residents[i % len(residents)], timeout=TOKEN_LIFE + 60))
        )
    results = await asyncio.gather(*tasks)
    return summarise(list(results), time.monotonic() - started)


def summarise(results: list[dict], elapsed: float) -> dict:
    latencies = [r["latency"] for r in results if r["latency"] is not None]
    return {
        "taps": len(results),
        "answered": len(latencies),
        "turns_per_s": len(latencies) / elapsed if elapsed else 0.0,
        "p50_s": percentile(latencies, 0.5),
        "p99_s": percentile(latencies, 0.99),
        "max_s": max(latencies, default=float("nan")),
        "by_push": sum(r["how"] == "push" for r in results),
        "unanswered": sum(r["how"] == "none" for r in results),
        "http_errors": sum(r["status"] != 200 for r in results),
        "elapsed_s": elapsed,
    }


# ---------------------------------------------------------------------------- measuring
def cpu_seconds(pids: list[int], postgres: bool) -> float:
    """User + system CPU of ``pids`` (and every PostgreSQL backend when ``postgres``)."""
    tick = os.sysconf("SC_CLK_TCK")
    wanted = set(pids)
    if postgres:
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                    wanted.add(int(entry.name))
            except OSError:
                continue
    total = 0
    for pid in wanted:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            continue
    return total / tick


async def sample_queue(db_url: str, stop: asyncio.Event, out: dict) -> None:
    """Largest inbox backlog and age of its oldest row while a burst is handled."""
    engine = create_engine(db_url)

    def once() -> tuple[int, datetime | None]:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT count(*), min(received_at) FROM inbox_event")).one()
        oldest = row[1]
        if isinstance(oldest, str):  # SQLite returns the stored text
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return row[0], oldest

    try:
        while not stop.is_set():
            backlog, oldest = await asyncio.to_thread(once)
            out["max_backlog"] = max(out.get("max_backlog", 0), backlog)
            if oldest is not None:
                lag = (datetime.now(UTC) - oldest).total_seconds()
                out["max_queue_lag_s"] = max(out.get("max_queue_lag_s", 0.0), lag)
            await asyncio.sleep(0.25)
    finally:
        engine.dispose()


@dataclass
class Options:
    residents: int
    seconds: float
    burst: int
    burst_seconds: float
    profile: bool


async def measure(load: Load, opts: Options, pids: list[int], db_url: str | None, pg: bool) -> dict:
    """Warm-up, closed loop, half load and burst against one running setup."""
    residents = users(opts.residents, "a")
    await asyncio.gather(*(load.tap(u, timeout=TURN_TIMEOUT, kind="text") for u in residents))
    before, own = cpu_seconds(pids, pg), time.process_time()
    closed = await closed_loop(load, residents, opts.seconds)
    cpu, own = cpu_seconds(pids, pg) - before, time.process_time() - own
    closed["cpu_ms_per_turn"] = 1000 * cpu / max(1, closed["answered"])
    # the residents and the stand-in share the machine: their cost, to judge the floor by
    closed["bench_cpu_ms_per_turn"] = 1000 * own / max(1, closed["answered"])
    half_rate = max(1.0, closed["turns_per_s"] / 2)
    half = await open_loop(load, residents, int(half_rate * opts.seconds), opts.seconds)
    queue: dict[str, Any] = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_queue(db_url, stop, queue)) if db_url else None
    burst = await open_loop(load, residents, opts.burst, opts.burst_seconds)
    stop.set()
    if sampler is not None:
        await sampler
    burst.update(queue)
    return {"closed": closed, "half": half, "burst": burst}


def kyodo_env(db_url: str, line_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": db_url,
        "KYODO_ENV": "production",
        "KYODO_SIMULATOR": "0",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "LINE_API_BASE_URL": line_url,
        "KYODO_LOG_LEVEL": "WARNING",
        "KYODO_MESSAGES_PER_HOUR": "1000000",
        "KYODO_SECRET_KEY": secrets.token_urlsafe(48),  # production refuses the development key
    }


def start_workers(n: int, env: dict[str, str], profile: bool) -> list[subprocess.Popen]:
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    procs = []
    for i in range(n):
        cmd = [PYTHON, "-m", "bot.cli", "worker"]
        if profile:
            cmd = [PYTHON, "-m", "bench.turn_profile", f"{n}w-{i}"]
        procs.append(
            subprocess.Popen([*pin(i), *cmd], env={**os.environ, **env}, stdout=log, stderr=log)
        )
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGINT)  # the worker stops cleanly (pyinstrument writes its file)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


async def run_kyodo(
    load: Load, opts: Options, db_url: str, env: dict[str, str], workers: int
) -> dict:
    port = free_port()
    args = [PYTHON, "-m", "bot.cli", "serve", "--port", str(port)]
    web_env = {**env, "KYODO_PROCESS_EVENTS": "false", "KYODO_RUN_SCHEDULER": "false"}
    with ExitStack() as stack:
        # a loaded 2-core machine can take longer than the harness's 30 s to import everything
        health = f"http://127.0.0.1:{port}/healthz"
        web_proc = await asyncio.to_thread(
            stack.enter_context, server(args, env=web_env, health=health, cpu=0, timeout=120)
        )
        procs = start_workers(workers, env, opts.profile)
        load.url = f"http://127.0.0.1:{port}/line/webhook"
        try:
            result = await measure(
                load,
                opts,
                [web_proc.pid, *(p.pid for p in procs)],
                db_url,
                db_url.startswith("postgres"),
            )
        finally:
            await asyncio.to_thread(stop_workers, procs)
            await asyncio.to_thread(stack.close)
    return result


async def run_floor(load: Load, opts: Options, db_url: str, line_url: str) -> dict:
    port = free_port()
    env = {"FLOOR_DATABASE_URL": db_url, "FLOOR_LINE_URL": line_url}
    with ExitStack() as stack:
        proc = await asyncio.to_thread(
            stack.enter_context,
            server(
                uvicorn_args("bench.turn_floor:app", port),
                env=env,
                health=f"http://127.0.0.1:{port}/healthz",
            ),
        )
        load.url = f"http://127.0.0.1:{port}/floor"
        try:
            fast = Options(opts.residents, opts.seconds, opts.burst, opts.burst_seconds, False)
            return await measure(load, fast, [proc.pid], None, db_url.startswith("postgres"))
        finally:
            await asyncio.to_thread(stack.close)


def row(db: str, setup: str, r: dict, floor: dict) -> dict:
    closed, half, burst = r["closed"], r["half"], r["burst"]
    return {
        "db": db,
        "setup": setup,
        "turns/s": closed["turns_per_s"],
        "÷floor": closed["turns_per_s"] / floor["closed"]["turns_per_s"],
        "p50 s": closed["p50_s"],
        "p99 s": closed["p99_s"],
        "half p99 s": half["p99_s"],
        "cpu ms/turn": closed["cpu_ms_per_turn"],
        "burst answered s": burst["elapsed_s"],
        "burst worst s": burst["max_s"],
        "queue lag s": burst.get("max_queue_lag_s"),
        "backlog": burst.get("max_backlog"),
        "push": closed["by_push"] + half["by_push"] + burst["by_push"],
        "lost": closed["unanswered"] + half["unanswered"] + burst["unanswered"],
    }


async def run_db(kind: str, worker_counts: list[int], opts: Options, standin: StandIn) -> list:
    tmp = Path(tempfile.mkdtemp(prefix="kyodo-bench-turns-"))
    db_url = prepare_db(kind, tmp, name="kyodo_bench_turns")
    env = kyodo_env(db_url, standin.url)
    subprocess.run(
        [PYTHON, "-m", "bot.cli", "demo-data"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    connector = aiohttp.TCPConnector(limit=0)
    rows, raw = [], {}
    async with aiohttp.ClientSession(connector=connector) as session:
        load = Load(session, standin, "", mix(db_url))
        floor = await run_floor(load, opts, db_url, standin.url)
        raw["floor"] = floor
        rows.append(row(kind, "floor", floor, floor))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)  # progress
        for n in worker_counts:
            result = await run_kyodo(load, opts, db_url, env, n)
            raw[f"workers={n}"] = result
            rows.append(row(kind, f"serve + {n} worker", result, floor))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)  # progress
    if kind == "postgres":
        admin = create_engine(db_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "kyodo_bench_turns" WITH (FORCE)'))
        admin.dispose()
    return [rows, raw]


async def main_async(args: argparse.Namespace) -> None:
    opts = Options(args.residents, args.seconds, args.burst, args.burst_seconds, args.profile)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    counts = [int(n) for n in args.workers.split(",")]
    standin = await StandIn().start()
    try:
        runs = [await run_db(kind, counts, opts, standin) for kind in kinds]
    finally:
        await standin.stop()
    rows = [r for rows, _ in runs for r in rows]
    print(table(rows, list(rows[0])))
    load = Path("/proc/loadavg").read_text().split()[:3]
    print("load average:", " ".join(load), "| stand-in calls:", standin.calls)
    print(
        "results:",
        write(
            "turns",
            {"options": vars(args), "loadavg": load, "rows": rows, "raw": [r for _, r in runs]},
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", default="1,2,4", help="kyodo worker counts, comma-separated")
    parser.add_argument("--residents", type=int, default=128)
    parser.add_argument("--seconds", type=float, default=10, help="closed loop and half load")
    parser.add_argument("--burst", type=int, default=2000, help="taps in the burst")
    parser.add_argument("--burst-seconds", type=float, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes: under 2 minutes")
    parser.add_argument("--profile", action="store_true", help="workers under pyinstrument")
    args = parser.parse_args()
    if args.quick:
        args.residents, args.seconds, args.burst, args.burst_seconds = 32, 2, 100, 1
        args.workers = "1" if args.workers == "1,2,4" else args.workers
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
