"""Benchmark 1 (and 5): LINE webhook ingress against a bare FastAPI baseline, same run.

    python -m bench.ingress [--db sqlite|postgres|both] [--seconds 5] [--repeat 3] [--workers 1]

One uvicorn worker pinned to core 0, wrk pinned to core 1, loopback only. Bodies are correctly
signed and unique (dedupe can't skip work): a text command and a 「参加したい」 postback for
an open initiative of the demo ward, from 1,000 users. Modes: c1 (one connection,
sequential), half (10 connections with think time set to ~50 % of Kyodo's capacity measured in
the same repetition, applied to both servers) and c64 (saturation). Each repetition starts from
a settled database (PostgreSQL: VACUUM ANALYZE + CHECKPOINT; see harness.settle).

The web process runs as a large ward would deploy it (``KYODO_PROCESS_EVENTS=false``): it
verifies, stores each event durably in the inbox and answers 200; ``kyodo worker`` processes
handle the events. So ingress capacity = webhooks answered 200 per second, and the run checks
that every one of them is in the inbox (nothing acknowledged and lost). Processing is then
measured on its own: ``--workers`` × ``kyodo worker`` (default 1, pinned to core 0, 1, …)
draining the backlog (events fully handled per second, replies sent to a local LINE stand-in). Each repetition measures the bare
baseline and Kyodo back to back; the summary gives the median (and range) of each ratio.
Targets (issue 9): capacity ≥ 0.40 × bare on SQLite, ≥ 0.25 on PostgreSQL; p99 at half
load ≤ 5 × bare's; no errors.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.harness import (
    PYTHON,
    free_port,
    median,
    pin,
    prepare_db,
    server,
    settle,
    table,
    uvicorn_args,
    write,
)
from bench.line_bodies import SECRET, bodies, lua_script
from bot.core.actions import pack
from handlers.initiative_actions import Join
from tests.channels.line.standin import LineStandIn

MIX = [("text", "ヘルプ"), ("postback", "k1:c:help")]  # run() puts the join postback in [1]
DRAIN_WINDOW = 15.0  # seconds of worker processing measured (the rest of the backlog is dropped)


def wrk(url: str, script: str, *, connections: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    out = subprocess.run(
        [
            *pin(1),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            fh.name,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    Path(fh.name).unlink()
    match = re.search(r"WRKJSON(\{.*\})", out)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    data = json.loads(match.group(1))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def rss_sampler(pid: int, stop: threading.Event, peak: list[int]) -> None:
    while not stop.is_set():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return
        time.sleep(0.05)


def scalar(url: str, sql: str) -> int:
    engine = create_engine(url)
    with engine.begin() as conn:
        n = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return n


def execute(url: str, sql: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def measure_workers(url: str, env: dict[str, str], window: float, workers: int) -> float:
    """Start ``workers`` × ``kyodo worker`` (core 0, 1, …) and return events handled per second."""
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115
    before = scalar(url, "SELECT count(*) FROM processed_event")
    procs = [
        subprocess.Popen(
            [*pin(i), PYTHON, "-m", "bot.cli", "worker"],
            env={**os.environ, **env},
            stdout=log,
            stderr=log,
        )
        for i in range(workers)
    ]
    try:
        # the first handled event marks the start (imports and connections are not counted)
        deadline = time.monotonic() + 60
        while scalar(url, "SELECT count(*) FROM processed_event") == before:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"worker handled nothing; see {log.name}")
            time.sleep(0.05)
        start_n, started = scalar(url, "SELECT count(*) FROM processed_event"), time.monotonic()
        time.sleep(window)
        end_n, ended = scalar(url, "SELECT count(*) FROM processed_event"), time.monotonic()
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
    return (end_n - start_n) / (ended - started)


def run_once(kind: str, seconds: float, db_url: str, env: dict, workers: int) -> dict:
    """One repetition: bare c1/c64, Kyodo c1/c64/half, bare half, then worker processing.

    "Half" is paced at half of this repetition's own Kyodo capacity (bare at the same pace).
    """
    settle(db_url)  # the previous repetition's backlog is deleted; don't measure its cleanup
    results: dict[str, dict] = {"bare": {}, "kyodo": {}}
    bare_port, app_port = free_port(), free_port()
    expected = int(12000 * seconds) + 5000
    bare_health = f"http://127.0.0.1:{bare_port}/docs"
    with server(uvicorn_args("bench.bare_app:app", bare_port), health=bare_health):
        url = f"http://127.0.0.1:{bare_port}/bare"
        results["bare"]["c1"] = wrk(
            url, lua_script(bodies(20000, MIX), "/bare"), connections=1, seconds=seconds
        )
        results["bare"]["c64"] = wrk(
            url, lua_script(bodies(20000, MIX), "/bare"), connections=64, seconds=seconds
        )
    peak = [0]
    stop = threading.Event()
    execute(db_url, "DELETE FROM inbox_event")
    web_env = {**env, "KYODO_PROCESS_EVENTS": "false", "KYODO_RUN_SCHEDULER": "false"}
    with server(
        uvicorn_args("bot.app:create_app", app_port, factory=True),
        env=web_env,
        health=f"http://127.0.0.1:{app_port}/healthz",
    ) as proc:
        threading.Thread(target=rss_sampler, args=(proc.pid, stop, peak), daemon=True).start()
        url = f"http://127.0.0.1:{app_port}/line/webhook"
        app = results["kyodo"]
        app["c1"] = wrk(
            url, lua_script(bodies(20000, MIX), "/line/webhook"), connections=1, seconds=seconds
        )
        app["c64"] = wrk(
            url, lua_script(bodies(expected, MIX), "/line/webhook"), connections=64, seconds=seconds
        )
        think = max(1, int(10 / (app["c64"]["rps"] / 2) * 1000))  # 10 conns, ms apart
        app["half"] = wrk(
            url,
            lua_script(bodies(20000, MIX), "/line/webhook", think_ms=think),
            connections=10,
            seconds=seconds,
        )
    stop.set()
    answered = sum(app[m]["requests"] - app[m]["errors"] for m in ("c1", "c64", "half"))
    app["stored"] = scalar(db_url, "SELECT count(*) FROM inbox_event")
    app["answered"] = answered
    with server(uvicorn_args("bench.bare_app:app", bare_port), health=bare_health):
        results["bare"]["half"] = wrk(
            f"http://127.0.0.1:{bare_port}/bare",
            lua_script(bodies(20000, MIX), "/bare", think_ms=think),
            connections=10,
            seconds=seconds,
        )
    app["worker_processed_per_s"] = measure_workers(db_url, env, DRAIN_WINDOW, workers)
    execute(db_url, "DELETE FROM inbox_event")
    app["peak_rss_mb"] = peak[0] / 1024
    app["think_ms"] = think
    return results


def run(kind: str, seconds: float, repeat: int, workers: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="kyodo-bench-"))
    db_url = prepare_db(kind, tmp, name="kyodo_bench")
    standin = LineStandIn().start()
    env = {
        "DATABASE_URL": db_url,
        "KYODO_ENV": "production",
        "KYODO_SIMULATOR": "0",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": "bench-token",
        "LINE_API_BASE_URL": standin.url,
        "KYODO_LOG_LEVEL": "WARNING",
        "KYODO_MESSAGES_PER_HOUR": "1000000",
    }
    for command in (["db", "upgrade"], ["demo-data"]):
        subprocess.run(
            [PYTHON, "-m", "bot.cli", *command],
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    initiative = scalar(db_url, "SELECT min(id) FROM initiative WHERE status = 'recruiting'")
    MIX[1] = ("postback", pack(Join(initiative)))
    reps = [run_once(kind, seconds, db_url, env, workers) for _ in range(repeat)]
    standin.stop()

    def ratio(fn) -> list[float]:
        return [fn(r["bare"], r["kyodo"]) for r in reps]

    capacity = ratio(lambda b, k: k["c64"]["rps"] / b["c64"]["rps"])
    c1 = ratio(lambda b, k: k["c1"]["p50_ms"] / b["c1"]["p50_ms"])
    p99 = ratio(lambda b, k: k["half"]["p99_ms"] / b["half"]["p99_ms"])
    summary = {
        "db": kind,
        "reps": repeat,
        "bare_rps": median([r["bare"]["c64"]["rps"] for r in reps]),
        "kyodo_rps": median([r["kyodo"]["c64"]["rps"] for r in reps]),
        "capacity_ratio": median(capacity),
        "capacity_range": f"{min(capacity):.2f}–{max(capacity):.2f}",
        "target_capacity": 0.40 if kind == "sqlite" else 0.25,
        "c1_p50_ratio": median(c1),
        "half_load_rps": median([r["kyodo"]["half"]["rps"] for r in reps]),
        "half_p99_ms": median([r["kyodo"]["half"]["p99_ms"] for r in reps]),
        "bare_half_p99_ms": median([r["bare"]["half"]["p99_ms"] for r in reps]),
        "half_p99_ratio": median(p99),
        "errors": sum(
            m["errors"]
            for r in reps
            for side in r.values()
            for m in side.values()
            if isinstance(m, dict)
        ),
        # wrk doesn't count requests in flight when it stops, so stored may exceed answered
        "lost": sum(max(0, r["kyodo"]["answered"] - r["kyodo"]["stored"]) for r in reps),
        "workers": workers,
        "worker_events_per_s": median([r["kyodo"]["worker_processed_per_s"] for r in reps]),
        "peak_rss_mb": max(r["kyodo"]["peak_rss_mb"] for r in reps),
    }
    summary["capacity_ok"] = summary["capacity_ratio"] >= summary["target_capacity"]
    summary["p99_ok"] = summary["half_p99_ratio"] <= 5
    return {"summary": summary, "raw": reps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="kyodo worker processes")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    runs = [run(kind, args.seconds, args.repeat, args.workers) for kind in kinds]
    rows = [r["summary"] for r in runs]
    print(
        table(
            rows,
            [
                "db",
                "reps",
                "bare_rps",
                "kyodo_rps",
                "capacity_ratio",
                "capacity_range",
                "target_capacity",
                "c1_p50_ratio",
                "half_p99_ms",
                "bare_half_p99_ms",
                "half_p99_ratio",
                "errors",
                "lost",
                "workers",
                "worker_events_per_s",
                "peak_rss_mb",
            ],
        )
    )
    print("results:", write("ingress", {"runs": runs}))


if __name__ == "__main__":
    main()
