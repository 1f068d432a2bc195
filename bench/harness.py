"""Shared benchmark plumbing: free ports, servers pinned to one core, wrk pinned to the other,
percentiles, and writing a results table plus JSON. Loopback only; every run is time-bounded."""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
CORES = os.cpu_count() or 1
PG_URL = os.environ.get(
    "KYODO_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/kyodo_bench"
)


def prepare_db(kind: str, tmp: Path, name: str) -> str:
    """A new, migrated database: SQLite in ``tmp`` or PostgreSQL database ``name``."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
    else:
        admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = PG_URL.rsplit("/", 1)[0] + "/" + name
    subprocess.run(
        [PYTHON, "-m", "bot.cli", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return url


def settle(url: str) -> None:
    """Bring the database to a running ward's steady state before a measurement.

    Rows seeded a moment ago have no planner statistics yet, and the seeding (or the previous
    benchmark) left writes for autovacuum and the checkpointer, which otherwise wake up at a
    random moment inside a 2-second measurement. In a ward, reminder rows are written days
    before they are due. PostgreSQL: VACUUM ANALYZE and CHECKPOINT; SQLite: ANALYZE and a WAL
    checkpoint.
    """
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE"))
            conn.execute(text("CHECKPOINT"))
        else:
            conn.execute(text("ANALYZE"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pin(cpu: int) -> list[str]:
    """taskset prefix so the server and the load generator don't share a core."""
    if shutil.which("taskset") and CORES >= 2:
        return ["taskset", "-c", str(cpu % CORES)]
    return []


@contextmanager
def server(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    health: str,
    cpu: int = 0,
    timeout: float = 30.0,
):
    """Run a server process until the block ends; wait until ``health`` answers 200."""
    log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115  (outlives the block for post-mortems)
    proc = subprocess.Popen(
        [*pin(cpu), *args], cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=log
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early; see {log.name}")
            try:
                if httpx.get(health, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not become healthy; see {log.name}")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def uvicorn_args(target: str, port: int, *, factory: bool = False) -> list[str]:
    args = [
        PYTHON,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return [*args, "--factory"] if factory else args


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, object]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": CORES, "cpu": cpu, "python": sys.version.split()[0]}


def write(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **result}, ensure_ascii=False, indent=2))
    return path


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(_fmt(r.get(c))) for r in rows)) for c in columns}
    head = " | ".join(c.ljust(widths[c]) for c in columns)
    rule = "-+-".join("-" * widths[c] for c in columns)
    body = [" | ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join([head, rule, *body])


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return "" if value is None else str(value)
