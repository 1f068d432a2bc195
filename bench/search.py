"""Benchmark 4: browse and Japanese keyword search over 100,000 initiatives.

    python -m bench.search [--db sqlite|postgres|both] [--rows 100000] [--queries 200]

Generates realistic initiatives (Japanese titles/descriptions from word lists; categories and
areas from bot/ward_default.toml; mostly recruiting, some hidden/done), then measures p50/p95
of (a) browse: recruiting, not hidden, optionally one category/area, newest first, one page
of 10; (b) keyword: a Japanese word anywhere in title or description, plus a page.

The search function of the initiatives module is used when it exists (looked up by name,
see CANDIDATES); otherwise a plain indexed browse query and a LIKE search are measured and
the output says so ("impl" column). Target (issue 9): p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import random
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, or_
from sqlmodel import Session, select

from bench.harness import ROOT, percentile, prepare_db, settle, table, write
from bench.reminders import make_people
from storage.db import make_engine
from storage.models import Actor, ActorKind, Initiative, InitiativeStatus

# (module, function) looked up in this order; called as fn(db, keyword=..., category=...,
# area=..., limit=..., offset=...) with only the parameters it accepts.
CANDIDATES = [
    ("storage.queries.initiatives", "browse"),
    ("storage.queries.initiatives", "search"),
    ("handlers.initiatives", "search"),
    ("handlers.initiatives", "search_initiatives"),
]

WARD = tomllib.loads((ROOT / "bot" / "ward_default.toml").read_text())
CATEGORIES = list(WARD["categories"])
AREAS = list(WARD["areas"])
PLACES = [
    "公園",
    "公民館",
    "商店街",
    "小学校",
    "図書館",
    "児童館",
    "駅前",
    "集会所",
    "神社",
    "川沿い",
]
THINGS = {
    "bousai": ["防災訓練", "夜のパトロール", "避難所の準備", "消火器の使い方講習"],
    "kosodate": ["子ども食堂", "読み聞かせ", "宿題カフェ", "親子あそび"],
    "koureisha": ["見守り活動", "お茶会", "買い物の手伝い", "健康体操"],
    "kankyo": ["花壇づくり", "ごみ拾い", "緑のカーテン", "落ち葉そうじ"],
    "machizukuri": ["まち歩き", "空き家の活用", "ベンチづくり", "地図づくり"],
    "bunka": ["盆踊り", "ラジオ体操", "写真展", "将棋教室"],
    "tabunka": ["日本語教室", "多言語のお知らせ", "世界の料理会", "やさしい日本語講座"],
    "keizai": ["朝市", "商店街スタンプラリー", "マルシェ", "手づくり市"],
}
WHEN = ["毎週土曜日", "毎月第一日曜日", "平日の夕方", "夏休み", "年末", "春休み"]
WANT = ["一緒に 手伝って ください。", "だれでも 参加 できます。", "道具は こちらで 用意します。"]
KEYWORDS = ["公園", "子ども", "防災", "日本語", "ごみ拾い", "商店街", "見守り", "盆踊り"]


def generate(engine, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    people = make_people(engine, 200)
    now = datetime.now(UTC)
    with Session(engine) as db:
        db.execute(
            insert(Actor),
            [
                {
                    "id": pid,
                    "kind": ActorKind.INDIVIDUAL,
                    "interests": [],
                    "strengths": [],
                    "name": f"住民{pid}",
                    "created_at": now,
                }
                for pid, _ in people
            ],
        )
        rows = []
        for i in range(n):
            cat = rng.choice(CATEGORIES)
            area = rng.choice(AREAS)
            thing = rng.choice(THINGS[cat])
            place = rng.choice(PLACES)
            area_ja = WARD["areas"][area]["ja"]
            pid = rng.choice(people)[0]
            created = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365))
            status = rng.choices(list(InitiativeStatus), weights=[70, 10, 10, 8, 2], k=1)[0]
            rows.append(
                {
                    "actor_id": pid,
                    "poster_id": pid,
                    "title": f"{area_ja}の{place}で{thing}"[:60],
                    "description": (
                        f"{WHEN[i % len(WHEN)]}、{area_ja}の{place}で{thing}を します。"
                        f"{rng.choice(WANT)} 子どもから 高齢者まで 歓迎です。"
                    ),
                    "category": cat,
                    "area": area,
                    "help_wanted": [],
                    "status": status,
                    "hidden": rng.random() < 0.01,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if len(rows) == 5000:
                db.execute(insert(Initiative), rows)
                rows = []
        if rows:
            db.execute(insert(Initiative), rows)
        db.commit()
    settle(engine.url.render_as_string(hide_password=False))


def find_search():
    for module, name in CANDIDATES:
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if callable(fn):
            return f"{module}.{name}", fn
    return None, None


def call(fn, db, **kwargs):
    accepted = inspect.signature(fn).parameters
    return fn(db, **{k: v for k, v in kwargs.items() if k in accepted})


def plain_browse(db, *, category=None, area=None, limit=10, offset=0):
    q = select(Initiative).where(
        Initiative.status == InitiativeStatus.RECRUITING,
        Initiative.hidden == False,  # noqa: E712
    )
    if category:
        q = q.where(Initiative.category == category)
    if area:
        q = q.where(Initiative.area == area)
    q = q.order_by(Initiative.created_at.desc(), Initiative.id.desc()).limit(limit).offset(offset)
    return db.exec(q).all()


def plain_search(db, *, keyword, limit=10, offset=0):
    like = f"%{keyword}%"
    q = (
        select(Initiative)
        .where(
            Initiative.hidden == False,  # noqa: E712
            Initiative.status != InitiativeStatus.CANCELLED,
            or_(Initiative.title.like(like), Initiative.description.like(like)),
        )
        .order_by(Initiative.created_at.desc(), Initiative.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return db.exec(q).all()


def measure(engine, fn, kwargs_list: list[dict]) -> tuple[list[float], int]:
    times, found = [], 0
    with Session(engine) as db:
        for kwargs in kwargs_list:
            started = time.perf_counter()
            result = fn(db, **kwargs)
            times.append((time.perf_counter() - started) * 1000)
            rows = result[0] if isinstance(result, tuple) else list(result)  # (page, has_more)
            found += len(rows)
            db.expunge_all()
    return times, found


def run(kind: str, n: int, queries: int) -> list[dict]:
    tmp = Path(tempfile.mkdtemp(prefix="kyodo-bench-search-"))
    engine = make_engine(prepare_db(kind, tmp, name="kyodo_bench_search"))
    started = time.perf_counter()
    generate(engine, n)
    generated_s = time.perf_counter() - started
    name, fn = find_search()
    rng = random.Random(3)
    browse_args = [
        {
            "category": rng.choice([None, *CATEGORIES]),
            "area": rng.choice([None, None, *AREAS]),
            "limit": 10,
            "offset": rng.choice([0, 0, 0, 10, 20]),
        }
        for _ in range(queries)
    ]
    search_args = [
        {"keyword": rng.choice(KEYWORDS), "limit": 10, "offset": rng.choice([0, 0, 10])}
        for _ in range(queries)
    ]
    if fn is not None:
        cases = [
            ("browse", name, lambda db, **kw: call(fn, db, **kw), browse_args),
            ("keyword", name, lambda db, **kw: call(fn, db, **kw), search_args),
        ]
    else:
        cases = [
            ("browse", "fallback: indexed SELECT", plain_browse, browse_args),
            ("keyword", "fallback: LIKE %word%", plain_search, search_args),
        ]
    rows = []
    for label, impl, f, args in cases:
        measure(engine, f, args[:20])  # warm caches
        times, found = measure(engine, f, args)
        rows.append(
            {
                "db": kind,
                "query": label,
                "impl": impl,
                "initiatives": n,
                "queries": len(times),
                "p50_ms": percentile(times, 0.5),
                "p95_ms": percentile(times, 0.95),
                "max_ms": max(times),
                "avg_rows": found / len(times),
                "target_p95_ms": 50.0,
                "ok": percentile(times, 0.95) <= 50,
                "generate_s": generated_s,
            }
        )
    engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    rows = [r for k in kinds for r in run(k, args.rows, args.queries)]
    print(
        table(
            rows,
            ["db", "query", "impl", "initiatives", "p50_ms", "p95_ms", "max_ms", "avg_rows", "ok"],
        )
    )
    print("results:", write("search", {"rows": rows}))


if __name__ == "__main__":
    main()
