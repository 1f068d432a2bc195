"""Benchmark 1 (and 5): LINE webhook ingress against a bare FastAPI baseline, same run.

    python -m bench.ingress [--db sqlite|postgres|both] [--seconds 5]

One uvicorn worker pinned to core 0, wrk pinned to core 1, loopback only. Bodies are correctly
signed and unique (dedupe can't skip work): a text command and a menu postback from 1,000
users. Modes: c1 (one connection, sequential), half (10 connections with think time set to
~50 % of Kyodo's measured capacity, applied to both servers) and c64 (saturation). Reports
capacity ratio, p50/p99 at c1 and at half load, errors, events fully processed per second
(webhooks are acknowledged before processing) and the peak RSS of the Kyodo process.
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

from bench.harness import PYTHON, free_port, pin, server, table, uvicorn_args, write
from bench.line_bodies import SECRET, bodies, lua_script
from tests.channels.line.standin import LineStandIn

PG_URL = os.environ.get(
    "KYODO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/kyodo_bench"
)
# HOOK for 「参加したい」: once handlers/initiatives.py lands, set JOIN_POSTBACK to
# pack(JoinInitiative(<id>)) and seed that initiative in prepare_db(). Until then the menu
# postback (the same dispatcher path, no participation row) stands in.
JOIN_POSTBACK: str | None = None
MENU_POSTBACK = "k1:c:help"
MIX = [("text", "ヘルプ"), ("postback", JOIN_POSTBACK or MENU_POSTBACK)]


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


def prepare_db(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}"
    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = PG_URL.rsplit("/", 1)[1]
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_URL


def processed(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM processed_event")).scalar_one()
    engine.dispose()
    return n


def wait_drained(url: str, timeout: float = 120) -> int:
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        n = processed(url)
        if n != last:
            last, stable_since = n, time.monotonic()
        elif time.monotonic() - stable_since > 1.0:
            return n
        time.sleep(0.2)
    return last


def run(kind: str, seconds: float) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="kyodo-bench-"))
    db_url = prepare_db(kind, tmp)
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
    subprocess.run(
        [PYTHON, "-m", "bot.cli", "db", "upgrade"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    results: dict[str, dict] = {"bare": {}, "kyodo": {}}
    bare_port, app_port = free_port(), free_port()
    expected = int(9000 * seconds) + 5000
    with server(
        uvicorn_args("bench.bare_app:app", bare_port), health=f"http://127.0.0.1:{bare_port}/docs"
    ):
        url = f"http://127.0.0.1:{bare_port}/bare"
        results["bare"]["c1"] = wrk(
            url, lua_script(bodies(20000, MIX), "/bare"), connections=1, seconds=seconds
        )
        results["bare"]["c64"] = wrk(
            url, lua_script(bodies(20000, MIX), "/bare"), connections=64, seconds=seconds
        )
    peak = [0]
    stop = threading.Event()
    with server(
        uvicorn_args("bot.app:create_app", app_port, factory=True),
        env=env,
        health=f"http://127.0.0.1:{app_port}/healthz",
    ) as proc:
        threading.Thread(target=rss_sampler, args=(proc.pid, stop, peak), daemon=True).start()
        url = f"http://127.0.0.1:{app_port}/line/webhook"
        results["kyodo"]["c1"] = wrk(
            url, lua_script(bodies(20000, MIX), "/line/webhook"), connections=1, seconds=seconds
        )
        wait_drained(db_url)
        before = processed(db_url)
        started = time.monotonic()
        results["kyodo"]["c64"] = wrk(
            url, lua_script(bodies(expected, MIX), "/line/webhook"), connections=64, seconds=seconds
        )
        after = wait_drained(db_url)
        results["kyodo"]["processed_per_s"] = (after - before) / (time.monotonic() - started - 1.0)
        capacity = min(results["kyodo"]["c64"]["rps"], results["kyodo"]["processed_per_s"])
        half_rate = capacity / 2
        think = max(1, int(10 / half_rate * 1000))  # 10 connections, ms between requests
        results["kyodo"]["half"] = wrk(
            url,
            lua_script(bodies(20000, MIX), "/line/webhook", think_ms=think),
            connections=10,
            seconds=seconds,
        )
        wait_drained(db_url)
    stop.set()
    with server(
        uvicorn_args("bench.bare_app:app", bare_port), health=f"http://127.0.0.1:{bare_port}/docs"
    ):
        url = f"http://127.0.0.1:{bare_port}/bare"
        results["bare"]["half"] = wrk(
            url,
            lua_script(bodies(20000, MIX), "/bare", think_ms=think),
            connections=10,
            seconds=seconds,
        )
    standin.stop()
    bare, app = results["bare"], results["kyodo"]
    summary = {
        "db": kind,
        "bare_rps": bare["c64"]["rps"],
        "kyodo_http_rps": app["c64"]["rps"],
        "kyodo_processed_rps": app["processed_per_s"],
        "capacity_ratio": capacity / bare["c64"]["rps"],
        "c1_p50_ratio": app["c1"]["p50_ms"] / bare["c1"]["p50_ms"],
        "half_load_rps": app["half"]["rps"],
        "half_p99_ms": app["half"]["p99_ms"],
        "bare_half_p99_ms": bare["half"]["p99_ms"],
        "half_p99_ratio": app["half"]["p99_ms"] / bare["half"]["p99_ms"],
        "errors": sum(
            r["errors"]
            for r in (*bare.values(), *(v for k, v in app.items() if isinstance(v, dict)))
        ),
        "peak_rss_mb": peak[0] / 1024,
        "target_capacity": 0.40 if kind == "sqlite" else 0.25,
    }
    summary["capacity_ok"] = summary["capacity_ratio"] >= summary["target_capacity"]
    summary["p99_ok"] = summary["half_p99_ratio"] <= 5
    return {"summary": summary, "raw": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    runs = [run(kind, args.seconds) for kind in kinds]
    rows = [r["summary"] for r in runs]
    print(
        table(
            rows,
            [
                "db",
                "bare_rps",
                "kyodo_http_rps",
                "kyodo_processed_rps",
                "capacity_ratio",
                "target_capacity",
                "c1_p50_ratio",
                "half_p99_ms",
                "bare_half_p99_ms",
                "half_p99_ratio",
                "errors",
                "peak_rss_mb",
            ],
        )
    )
    print("results:", write("ingress", {"runs": runs}))


if __name__ == "__main__":
    main()
