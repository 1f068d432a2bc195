"""The inbox's statements: accept verified events, claim them in order, delete handled ones.

Plain Core statements (no ORM objects): accepting runs on the webhook's hot path and claiming
on every processor pass. Claims are safe with any number of processors: PostgreSQL locks the
chosen rows with ``FOR UPDATE SKIP LOCKED``, SQLite serialises writers with ``BEGIN IMMEDIATE``;
either way a lease marks the row as taken, and a lease that runs out is taken over.

Order per conversation: only the *oldest* waiting event of a conversation can be claimed, so
the next one becomes claimable when the previous one was handled and deleted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, delete, text

from storage.db import insert_or_skip, is_postgres, one_of
from storage.models import InboxEvent

TABLE: Table = InboxEvent.metadata.tables[InboxEvent.__tablename__]

# How long handled event ids are remembered (the retention job purges older ones) and the
# replay window derived from it: LINE signs no timestamp, so a captured signed body is
# refused once its event ids may have been forgotten. The margin covers clock skew and a
# purge that ran early. One setting for both, so they cannot drift apart.
PROCESSED_EVENT_RETENTION = timedelta(days=30)
REPLAY_MARGIN = timedelta(days=1)


def replay_cutoff(now: datetime) -> datetime:
    """Events that happened before this are refused at the inbox (possible replays)."""
    return now - PROCESSED_EVENT_RETENTION + REPLAY_MARGIN


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    event_id: str
    payload: str
    attempts: int
    received_at: datetime | None = None


def accept_statement(engine: Engine):
    """INSERT … ON CONFLICT DO NOTHING: a redelivered event id is already in (or handled)."""
    return insert_or_skip(engine, TABLE).on_conflict_do_nothing(
        index_elements=["channel", "event_id"]
    )


def accept(conn: Connection, statement, rows: Sequence[dict]) -> None:
    """Store rows (channel, event_id, conversation, payload, received_at) in the caller's
    transaction; executemany, so a batch of webhooks costs one round trip and one commit."""
    if rows:
        conn.execute(statement, [{"attempts": 0, **row} for row in rows])


_CLAIM = """
UPDATE inbox_event
   SET leased_by = :worker, leased_until = :until, attempts = attempts + 1
 WHERE id IN (
    SELECT e.id FROM inbox_event e
     WHERE (e.leased_until IS NULL OR e.leased_until < :now)
       AND NOT EXISTS (
           SELECT 1 FROM inbox_event p
            WHERE p.channel = e.channel AND p.conversation = e.conversation AND p.id < e.id)
     ORDER BY e.id
     LIMIT :limit {lock}
 )
RETURNING id, channel, event_id, payload, attempts, received_at
"""


@functools.cache
def _claim_for(postgres: bool):
    lock = "FOR UPDATE SKIP LOCKED" if postgres else ""
    return (
        text(_CLAIM.format(lock=lock))
        .bindparams(
            bindparam("now", type_=TABLE.c.leased_until.type),
            bindparam("until", type_=TABLE.c.leased_until.type),
        )
        .columns(
            TABLE.c.id,
            TABLE.c.channel,
            TABLE.c.event_id,
            TABLE.c.payload,
            TABLE.c.attempts,
            TABLE.c.received_at,
        )
    )


def _delete(conn: Connection, engine: Engine, ids: Sequence[int], worker: str) -> int:
    result = conn.execute(
        delete(TABLE).where(one_of(engine, TABLE.c.id, ids), TABLE.c.leased_by == worker)
    )
    return result.rowcount


def claim(
    engine: Engine, *, worker: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Lease up to ``limit`` events, at most one per conversation (its oldest), oldest first."""
    return finish_and_claim(engine, [], worker=worker, now=now, lease=lease, limit=limit)[1]


def finish(engine: Engine, ids: Sequence[int], *, worker: str) -> int:
    """Delete handled events — only while this worker still holds their lease."""
    if not ids:
        return 0
    with engine.begin() as conn:
        return _delete(conn, engine, ids, worker)


def finish_and_claim(
    engine: Engine,
    ids: Sequence[int],
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
) -> tuple[int, list[Claimed]]:
    """Delete handled events and lease the next ones in ONE transaction (one commit per step
    of a continuous processor); the delete comes first, so a conversation's next event is
    claimable in the same statement. Returns (deleted, claimed)."""
    deleted = 0
    rows: Sequence[Any] = ()
    with engine.begin() as conn:
        if ids:
            deleted = _delete(conn, engine, ids, worker)
        if limit > 0:
            rows = conn.execute(
                _claim_for(is_postgres(engine)),
                {"worker": worker, "now": now, "until": now + lease, "limit": limit},
            ).all()
    return deleted, sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def waiting(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM inbox_event")).scalar_one()
