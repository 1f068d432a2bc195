"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.search import include_object


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": False, "include_object": include_object}
        )
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == []


def test_datetimes_round_trip_as_aware_utc(engine):
    from datetime import datetime, timedelta, timezone

    from storage.db import session_scope
    from storage.models import ProcessedEvent

    tokyo = timezone(timedelta(hours=9))
    with session_scope(engine) as db:
        db.add(
            ProcessedEvent(
                channel="x", event_id="1", received_at=datetime(2026, 1, 1, 9, tzinfo=tokyo)
            )
        )
    with session_scope(engine) as db:
        got = db.get(ProcessedEvent, ("x", "1")).received_at
    assert got.utcoffset() == timedelta(0)
    assert got == datetime(2026, 1, 1, 0, tzinfo=UTC)
