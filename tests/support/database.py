"""Test databases: SQLite by default, PostgreSQL when KYODO_TEST_DATABASE_URL points at one.

On CI (CI=true) an unreachable PostgreSQL fails the run: it is never silently skipped.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from storage.db import make_engine
from storage.migrate import upgrade

TEST_URL_ENV = "KYODO_TEST_DATABASE_URL"


def test_database_url(tmp_dir: Path) -> str:
    url = os.environ.get(TEST_URL_ENV)
    if url:
        return url
    return f"sqlite:///{tmp_dir / f'kyodo-{uuid.uuid4().hex[:8]}.db'}"


def prepare(url: str) -> Engine:
    """A clean schema built by the real migrations."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def wipe(engine: Engine) -> None:
    """Empty every table between tests (keeps the migrated schema)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # DELETE, children first, then every sequence back to 1: on tables this small it is
            # ~50x cheaper than TRUNCATE (which makes new files for each table on every test).
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text(_RESTART_SEQUENCES))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sequence(conn) else None


_RESTART_SEQUENCES = """
SELECT setval(c.oid::regclass, 1, false) FROM pg_class c
WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace
"""


def _has_sequence(conn) -> bool:
    return bool(
        conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
        ).first()
    )
