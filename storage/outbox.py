"""The one outbox writer: every producer (turns, jobs, the LINE quota alert) writes here.

Rows are written in the caller's session, so they commit or roll back with the change that
caused them. Two write modes exist because two kinds of rows exist:

- ``queue``: a one-off message; a ``dedupe_key`` written before (this transaction, an
  earlier one, or a concurrent process) inserts nothing.
- ``replan``: a planned row (reminder, record request) that can be cancelled and planned
  again; the same key revives the cancelled row instead of being skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.db import affected, insert_or_skip
from storage.models import OutboxMessage, OutboxStatus


def queue(db: Session, row: OutboxMessage) -> int | None:
    """One ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING RETURNING id``.

    Returns the new row's id, or None when the key was already written."""
    stmt = (
        insert_or_skip(db.get_bind(), OutboxMessage)
        .values(**row.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(col(OutboxMessage.id))
    )
    row_id: int | None = db.execute(stmt).scalar()
    return row_id


def refresh_waiting_update(db: Session, thread_key: str, payload: list[dict[str, Any]]) -> bool:
    """Give a staff-thread update that still waits to be sent the newer card.

    True when one was waiting (then nothing new needs queueing): a burst of 1,000 joins is
    a handful of Slack ``chat.update`` calls, not 1,000 queued behind new posts."""
    waiting = db.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.audience) == "staff",
            col(OutboxMessage.thread_key) == thread_key,
            col(OutboxMessage.staff_update).is_(True),
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(payload=payload)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    ).first()
    return waiting is not None


def replan(db: Session, row: OutboxMessage) -> OutboxMessage | None:
    """Insert a planned row; revive it if the same key was cancelled earlier (yes → no → yes).

    A row that was already sent, is being sent, or expired is left alone (never sent twice).
    """
    existing = db.exec(
        select(OutboxMessage).where(col(OutboxMessage.dedupe_key) == row.dedupe_key)
    ).first()
    if existing is None:
        db.add(row)
        db.flush()
        return row
    if existing.status == OutboxStatus.CANCELLED:
        existing.status = OutboxStatus.PENDING
        existing.retry_key = str(uuid.uuid4())  # never reuse a key LINE may have seen
        existing.batch_key = None
        existing.attempts = 0
        existing.first_attempt_at = None
        existing.claimed_by = None
        existing.lease_until = None
        existing.last_error = None
    if existing.status == OutboxStatus.PENDING:
        existing.payload = row.payload
        existing.due_at = row.due_at
        existing.expires_at = row.expires_at
        db.add(existing)
        return existing
    return None


def cancel_pending(
    db: Session, meeting_id: int, kinds: Iterable[str], person_id: int | None = None
) -> int:
    """Cancel a meeting's (or one person's) rows of these kinds not yet handed to a dispatcher."""
    stmt = update(OutboxMessage).where(
        col(OutboxMessage.meeting_id) == meeting_id,
        col(OutboxMessage.kind).in_(list(kinds)),
        col(OutboxMessage.status) == OutboxStatus.PENDING,
    )
    if person_id is not None:
        stmt = stmt.where(col(OutboxMessage.person_id) == person_id)
    result = db.execute(
        stmt.values(status=OutboxStatus.CANCELLED, lease_until=None).execution_options(
            synchronize_session=False
        )
    )
    return affected(result)


__all__ = ["cancel_pending", "queue", "refresh_waiting_update", "replan"]
