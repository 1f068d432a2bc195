"""Benchmark 7: /public and open data at 100,000 initiatives and 1,000,000 participations.

    python -m bench.public_page [--db sqlite|postgres|both] [--db-url URL]
                                [--initiatives 100000] [--participations 1000000]
                                [--warm 200] [--cold 5]

Seeds with bulk inserts what the ledger would have written over five fiscal years: people and
organisations, initiatives (60 % completed, some hidden, cancelled, running), participations,
and the outcome facts of each (posted, started, completed, participants frozen at 完了,
partnerships, new combinations), plus idea calls with answered ideas and held meetings.
Then, through the real app (``create_app``, its lifespan, httpx's ASGI transport), it measures
p50/p95 of ``/public``, ``/public?lang=en`` and every ``/open-data/*.csv`` twice: warm (the
render cache, TTL one hour, primed by one request) and cold (TTL 0: a full render per request).
The load average before and after is recorded. Target (issue 18): warm p95 ≤ 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

from bench.harness import PYTHON, ROOT, percentile, prepare_db, settle, table, write
from bench.search import AREAS, CATEGORIES, THINGS
from bot.app import create_app
from bot.clock import SystemClock
from bot.settings import Settings
from bot.web.open_data import SCHEMAS
from storage import ledger
from storage.db import make_engine
from storage.models import (
    Actor,
    ActorKind,
    Idea,
    IdeaCall,
    Initiative,
    InitiativeStatus,
    Meeting,
    OutcomeFact,
    Participation,
    Person,
)

URLS = ["/public", "/public?lang=en", *(f"/open-data/{name}.csv" for name in SCHEMAS)]
KINDS = [k for k in ActorKind if k != ActorKind.INDIVIDUAL]
BATCH = 10_000


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        for i in range(0, len(rows), BATCH):
            conn.execute(insert(model), rows[i : i + BATCH])


def seed(engine: Engine, initiatives: int, participations: int, seed: int = 18) -> dict[str, int]:
    """Bulk-insert a ward's five years; returns the row counts written."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = now - timedelta(days=5 * 365)
    n_people = max(100, participations // 50)
    n_orgs = max(10, initiatives // 100)
    with engine.connect() as conn:  # people and profiles already there (e.g. the simulator's)
        p0 = conn.execute(text("SELECT coalesce(max(id), 0) FROM person")).scalar_one()
        a0 = conn.execute(text("SELECT coalesce(max(id), 0) FROM actor")).scalar_one()
    _insert(
        engine,
        Person,
        [
            {
                "id": p0 + i,
                "display_name": f"住民{i}",
                "language": "ja",
                "consent_version": "1",
                "consented_at": start,
                "calendar_token": uuid.uuid4().hex,
                "created_at": start,
            }
            for i in range(1, n_people + 1)
        ],
    )
    orgs = {a0 + i: KINDS[i % len(KINDS)] for i in range(1, n_orgs + 1)}
    _insert(
        engine,
        Actor,
        [
            {
                "id": i,
                "kind": kind,
                "name": f"団体{i}",
                "interests": [],
                "strengths": [],
                "created_at": start,
            }
            for i, kind in orgs.items()
        ],
    )
    per = max(1, participations // initiatives)
    inis: list[dict[str, Any]] = []
    parts: list[dict[str, Any]] = []
    facts: list[dict[str, Any]] = []
    combined: set[tuple[int, int]] = set()  # a combination of two actors counts once
    counts = {"initiatives": 0, "participations": 0, "facts": 0}

    def flush() -> None:
        for model, rows, name in (
            (Initiative, inis, "initiatives"),
            (Participation, parts, "participations"),
            (OutcomeFact, facts, "facts"),
        ):
            _insert(engine, model, rows)
            counts[name] += len(rows)
            rows.clear()

    for i in range(1, initiatives + 1):
        cat, area = rng.choice(CATEGORIES), rng.choice(AREAS)
        actor = a0 + rng.randint(1, n_orgs)
        posted = start + timedelta(minutes=rng.randrange(0, 5 * 365 * 24 * 60 - 60 * 24 * 60))
        status = rng.choices(list(InitiativeStatus), weights=[20, 5, 7, 60, 8], k=1)[0]
        done = status == InitiativeStatus.DONE
        inis.append(
            {
                "id": i,
                "actor_id": actor,
                "poster_id": p0 + rng.randint(1, n_people),
                "title": f"{rng.choice(THINGS[cat])} {i}",
                "description": "町会と いっしょに します。",
                "category": cat,
                "area": area,
                "help_wanted": [],
                "status": status,
                "hidden": rng.random() < 0.01,
                "result_summary": "みんなで 実施しました。" if done else None,
                "result_reflection": "また やりたいです。" if done else None,
                "created_at": posted,
                "updated_at": posted,
            }
        )
        where = {"initiative_id": i, "area": area, "category": cat}
        kind = orgs[actor].value
        facts.append(_fact(f"posted:{i}", ledger.POSTED, posted, actor_kind=kind, **where))
        if status in (InitiativeStatus.RUNNING, InitiativeStatus.DONE):
            facts.append(_fact(f"started:{i}", ledger.STARTED, posted, actor_kind=kind, **where))
        if status == InitiativeStatus.CANCELLED:
            facts.append(
                _fact(f"cancelled:{i}", ledger.CANCELLED, posted, actor_kind=kind, **where)
            )
        joined = rng.sample(range(p0 + 1, p0 + n_people + 1), min(n_people, per))
        partner = a0 + rng.randint(1, n_orgs)
        for j, pid in enumerate(joined):
            parts.append(
                {
                    "initiative_id": i,
                    "person_id": pid,
                    "actor_id": partner if j == 0 else None,
                    "status": "joined",
                    "created_at": posted,
                    "updated_at": posted,
                }
            )
        if done:
            at = posted + timedelta(days=rng.randint(7, 50))
            facts.append(_fact(f"completed:{i}", ledger.COMPLETED, at, actor_kind=kind, **where))
            for j, pid in enumerate(joined):
                pk = orgs[partner].value if j == 0 else ActorKind.INDIVIDUAL.value
                facts.append(
                    _fact(
                        f"participant:{i}:{pid}",
                        ledger.PARTICIPANTS,
                        at,
                        person_id=pid,
                        actor_kind=pk,
                        **where,
                    )
                )
            pairs = {tuple(sorted((kind, p))) for p in (orgs[partner].value, "individual")}
            for a, b in sorted(pairs):
                facts.append(
                    _fact(
                        f"partnership:{i}:{a}:{b}",
                        ledger.PARTNERSHIPS,
                        at,
                        actor_kind=a,
                        partner_kind=b,
                        **where,
                    )
                )
            x, y = sorted((actor, partner))
            if x != y and (x, y) not in combined:
                combined.add((x, y))
                facts.append(
                    _fact(
                        f"combination:{x}:{y}",
                        ledger.NEW_COMBINATIONS,
                        at,
                        actor_kind=orgs[x].value,
                        partner_kind=orgs[y].value,
                        **where,
                    )
                )
        if len(inis) == BATCH:
            flush()
    flush()
    extra = _ideas_and_meetings(rng, initiatives, start, p0 + 1)
    for model, rows in extra:
        _insert(engine, model, rows)
        if model is Meeting:
            facts += [
                _fact(
                    f"held:{m['id']}",
                    ledger.MEETINGS_HELD,
                    m["starts_at"],
                    meeting_id=m["id"],
                    initiative_id=m["initiative_id"],
                )
                for m in rows
            ]
            facts += [
                _fact(
                    f"attended:{m['id']}:{k}",
                    ledger.ATTENDANCE,
                    m["starts_at"],
                    meeting_id=m["id"],
                    initiative_id=m["initiative_id"],
                )
                for m in rows
                for k in range(rng.randint(1, 8))
            ]
    flush()
    counts.update({model.__tablename__: len(rows) for model, rows in extra})
    return counts


def _fact(key: str, measure: str, at: datetime, **fields: Any) -> dict[str, Any]:
    base = {
        "initiative_id": None,
        "idea_id": None,
        "meeting_id": None,
        "person_id": None,
        "area": None,
        "category": None,
        "actor_kind": None,
        "partner_kind": None,
        "days": None,
    }
    return {**base, "key": key, "measure": measure, "occurred_at": at, "quantity": 1, **fields}


def _ideas_and_meetings(rng: random.Random, initiatives: int, start: datetime, who: int) -> list:
    calls = [
        {
            "id": c,
            "title": f"アイデア募集 {c}",
            "problem": "駅前の 自転車",
            "categories": [],
            "deadline": start + timedelta(days=30 * c),
            "status": "closed",
            "created_by": who,
            "created_at": start,
            "updated_at": start,
        }
        for c in range(1, 61)
    ]
    ideas = []
    for i in range(1, initiatives // 50 + 1):
        at = start + timedelta(days=rng.randint(1, 5 * 365 - 1))
        adopted = rng.random() < 0.3
        ideas.append(
            {
                "id": i,
                "call_id": rng.randint(1, 60),
                "author_id": who + rng.randrange(100),
                "body": f"朝だけ 臨時の 駐輪場を ひらく {i}",
                "status": "adopted" if adopted else "declined",
                "answer": "来月から 試します。",
                "answered_at": at,
                "hidden": False,
                "created_at": at,
                "updated_at": at,
            }
        )
    meetings = [
        {
            "id": m,
            "initiative_id": rng.randint(1, initiatives),
            "title": f"準備の 集い {m}",
            "starts_at": start + timedelta(days=rng.randint(1, 5 * 365 - 1)),
            "reminders": [],
            "status": "held",
            "created_by": who,
            "created_at": start,
            "updated_at": start,
        }
        for m in range(1, initiatives // 20 + 1)
    ]
    return [(IdeaCall, calls), (Idea, ideas), (Meeting, meetings)]


async def measure(url: str, ttl: float, warm: int, cold: int) -> list[dict[str, Any]]:
    settings = Settings(
        DATABASE_URL=url,
        KYODO_ENV="production",
        KYODO_SECRET_KEY="bench-" + "x" * 40,
        KYODO_RUN_SCHEDULER=False,
        KYODO_PROCESS_EVENTS=False,
        KYODO_PUBLIC_CACHE_SECONDS=ttl,
        _env_file=None,
    )
    engine = make_engine(url)
    app = create_app(settings, engine=engine, clock=SystemClock(), migrate=False)
    rows = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for path in URLS:
                times, size = [], 0
                for _ in range(1 + (warm if ttl else cold)):
                    t0 = time.perf_counter()
                    response = await client.get(path)
                    times.append((time.perf_counter() - t0) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                    size = len(response.content)
                first, rest = times[0], times[1:]
                rows.append(
                    {
                        "url": path,
                        "mode": "warm" if ttl else "cold",
                        "n": len(rest),
                        "first_ms": round(first, 1),
                        "p50_ms": round(percentile(rest, 0.5), 1),
                        "p95_ms": round(percentile(rest, 0.95), 1),
                        "kB": round(size / 1024),
                    }
                )
                print(rows[-1], flush=True)
    engine.dispose()
    return rows


def prepare(kind: str, db_url: str | None, tmp: Path) -> str:
    if db_url is None:
        return prepare_db(kind, tmp, "kyodo_bench_public")
    parsed = make_url(db_url)
    if parsed.get_backend_name() == "postgresql":
        name = parsed.database or ""
        if "bench" not in name:
            raise SystemExit(f"refusing to recreate {name!r}: its name must contain 'bench'")
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    elif parsed.database and Path(parsed.database).exists():
        Path(parsed.database).unlink()
    import subprocess

    subprocess.run(
        [PYTHON, "-m", "bot.cli", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": db_url},
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return db_url


def run(kind: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    url = prepare(kind, args.db_url, tmp)
    engine = make_engine(url)
    t0 = time.perf_counter()
    counts = seed(engine, args.initiatives, args.participations)
    seeded = time.perf_counter() - t0
    engine.dispose()
    settle(url)
    print(f"{kind}: seeded {counts} in {seeded:.0f} s", flush=True)
    load_before = os.getloadavg()
    rows = asyncio.run(measure(url, 3600, args.warm, args.cold))
    rows += asyncio.run(measure(url, 0, args.warm, args.cold))
    load_after = os.getloadavg()
    for r in rows:
        r["db"] = kind
    return {
        "db": kind,
        "counts": counts,
        "seed_seconds": round(seeded, 1),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--db-url", help="a database to recreate and seed (PG: name has 'bench')")
    parser.add_argument("--initiatives", type=int, default=100_000)
    parser.add_argument("--participations", type=int, default=1_000_000)
    parser.add_argument("--warm", type=int, default=200, help="requests per URL, cache warm")
    parser.add_argument("--cold", type=int, default=5, help="requests per URL, cache off")
    args = parser.parse_args()
    if args.db_url:
        kinds = ["postgres" if args.db_url.startswith("postgresql") else "sqlite"]
    else:
        kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            results.append(run(kind, args, Path(tmp)))
    rows = [r for res in results for r in res["rows"]]
    cols = ["db", "url", "mode", "n", "first_ms", "p50_ms", "p95_ms", "kB"]
    print(table(rows, cols))
    for res in results:
        print(f"{res['db']}: load {res['load_before']} → {res['load_after']}, {res['counts']}")
    name = "public_page_" + "_".join(kinds)
    print("wrote", write(name, {"args": vars(args), "results": results}))


if __name__ == "__main__":
    main()
