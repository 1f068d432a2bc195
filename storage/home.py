"""App Home kept fresh: who was shown the staff console, and the outbox rows republishing it.

A console shown to a staff member (Slack App Home, the simulator's Home tab) records
``StaffHome.seen_at``. When a turn changes something the console shows, ``queue_refresh``
writes one outbox row of kind ``home`` per staff member seen in the last ``FRESH``; the
dispatcher renders the console for that person when the row is sent, so what is published
is what the store holds then, not what the turn saw.

Coalesced and exactly once: a row's dedupe key is the person and the ``INTERVAL``-second slot
the change fell in, and it is due at the slot's end (plus ``SETTLE``, so a turn still
committing at the slot's end is seen). Every change in one slot is one row — concurrent turns
included (``INSERT … ON CONFLICT DO NOTHING``) — so a person's Home is republished at most
once per ``INTERVAL`` seconds, each time with everything committed until then. A turn that
commits so late that its slot's row is already being sent (or sent) queues the next slot's row
instead, so a slow turn's change is never lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from storage import outbox
from storage.db import insert_or_skip
from storage.models import OutboxMessage, OutboxStatus, Person, StaffHome

HOME = "home"  # the outbox kind of an App Home refresh (payload empty: rendered when sent)
INTERVAL = 5  # seconds: at most one refresh per person per slot of this length
SETTLE = timedelta(seconds=1)
LATE_SLOTS = 3  # slots tried after the turn's own one when those rows went out already
FRESH = timedelta(hours=24)  # staff who opened Home longer ago see it fresh when they next do
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def seen(db: Session, person_id: int, now: datetime) -> None:
    """The person was shown the console just now (one upsert)."""
    stmt = insert_or_skip(db.get_bind(), StaffHome).values(person_id=person_id, seen_at=now)
    db.execute(stmt.on_conflict_do_update(index_elements=["person_id"], set_={"seen_at": now}))


def slot_end(now: datetime) -> datetime:
    """The end of the ``INTERVAL``-second slot ``now`` falls in (a slot is (end-5 s, end])."""
    elapsed = (now - _EPOCH).total_seconds()
    slots = -int(-elapsed // INTERVAL)  # ceil
    return _EPOCH + timedelta(seconds=slots * INTERVAL)


def queue_refresh(db: Session, now: datetime, *, skip: Iterable[int] = ()) -> list[int]:
    """One coalesced refresh per staff member seen lately (but those in ``skip``).

    Returns the ids of rows newly written (none when this slot's rows exist already)."""
    skipped = set(skip)
    people = db.exec(
        select(col(StaffHome.person_id))
        .join(Person, col(Person.id) == col(StaffHome.person_id))
        .where(
            col(StaffHome.seen_at) >= now - FRESH,
            col(Person.is_staff) == True,  # noqa: E712
            col(Person.deleted) == False,  # noqa: E712
        )
    ).all()
    written = []
    for person_id in people:
        if person_id in skipped:
            continue
        row_id = _queue_one(db, person_id, slot_end(now))
        if row_id is not None:
            written.append(row_id)
    return written


def _queue_one(db: Session, person_id: int, end: datetime) -> int | None:
    """The slot's row, or the first later slot whose row has not gone out yet."""
    for _ in range(1 + LATE_SLOTS):
        key = f"{HOME}:{person_id}:{int(end.timestamp())}"
        row_id = outbox.queue(
            db,
            OutboxMessage(
                audience="person",
                person_id=person_id,
                kind=HOME,
                payload=[],
                dedupe_key=key,
                due_at=end + SETTLE,
            ),
        )
        if row_id is not None:
            return row_id
        status = db.exec(
            select(col(OutboxMessage.status)).where(col(OutboxMessage.dedupe_key) == key)
        ).first()
        if status == OutboxStatus.PENDING:  # still to be sent: it will show this change
            return None
        end += timedelta(seconds=INTERVAL)
    return None


__all__ = ["FRESH", "HOME", "INTERVAL", "queue_refresh", "seen", "slot_end"]
