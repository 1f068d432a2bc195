"""Queries for meetings: RSVP counts and rows, the waitlist, invitees, my plans.

Pure data access so the meeting handlers read as conversation logic; every function takes the
session first and never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.db import is_postgres
from storage.models import Meeting, Membership, Participation, Rsvp, Subscription


def load(db: Session, meeting_id: int, *, lock: bool = False) -> Meeting | None:
    """The meeting; with ``lock`` on PostgreSQL the row is locked so RSVPs of one meeting
    serialise and the capacity holds."""
    stmt = select(Meeting).where(Meeting.id == meeting_id)
    if lock and is_postgres(db.get_bind()):
        stmt = stmt.with_for_update()
    return db.exec(stmt).first()


def yes_count(db: Session, meeting_id: int | None) -> int:
    return db.exec(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.meeting_id == meeting_id, Rsvp.answer == "yes")
    ).one()


def answer_counts(db: Session, meeting_id: int | None) -> dict[str, int]:
    """RSVP answers of one meeting, counted per answer."""
    return dict(
        db.exec(
            select(Rsvp.answer, func.count())
            .where(Rsvp.meeting_id == meeting_id)
            .group_by(Rsvp.answer)
        ).all()
    )


def is_org_admin(db: Session, actor_id: int, person_id: int | None) -> bool:
    return (
        db.exec(
            select(Membership.id).where(
                Membership.actor_id == actor_id,
                Membership.person_id == person_id,
                Membership.role == "admin",
            )
        ).first()
        is not None
    )


def rsvp_of(db: Session, meeting_id: int | None, person_id: int | None) -> Rsvp | None:
    return db.exec(
        select(Rsvp).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == person_id)
    ).first()


def has_rsvp_row(db: Session, meeting_id: int | None, person_id: int | None) -> bool:
    """An RSVP row exists for every invitation (answered or not)."""
    found = db.exec(
        select(Rsvp.id).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == person_id)
    ).first()
    return found is not None


def joined_participants(db: Session, initiative_id: int) -> Sequence[int]:
    return db.exec(
        select(Participation.person_id).where(
            Participation.initiative_id == initiative_id,
            Participation.status == "joined",
        )
    ).all()


def category_subscribers(db: Session, categories: list[str]) -> Sequence[int]:
    return db.exec(
        select(Subscription.person_id).where(
            Subscription.topic == "category", col(Subscription.value).in_(categories)
        )
    ).all()


def waitlist(db: Session, meeting_id: int | None) -> list[int]:
    """Waitlisted people in the order they came (first come, first served)."""
    return list(
        db.exec(
            select(Rsvp.person_id)
            .where(Rsvp.meeting_id == meeting_id, Rsvp.answer == "waitlisted")
            .order_by(col(Rsvp.updated_at), col(Rsvp.id))
        ).all()
    )


def next_waitlisted(db: Session, meeting_id: int | None) -> Rsvp | None:
    return db.exec(
        select(Rsvp)
        .where(Rsvp.meeting_id == meeting_id, Rsvp.answer == "waitlisted")
        .order_by(col(Rsvp.updated_at), col(Rsvp.id))
    ).first()


def not_declined(db: Session, meeting_id: int | None) -> Sequence[Rsvp]:
    """Everyone still concerned by a change: every RSVP except "no"."""
    return db.exec(select(Rsvp).where(Rsvp.meeting_id == meeting_id, Rsvp.answer != "no")).all()


def upcoming_answered(
    db: Session, person_id: int | None, now: datetime, limit: int = 10
) -> Sequence[tuple[Meeting, Rsvp]]:
    """The person's upcoming scheduled meetings they have not declined, soonest first."""
    return db.exec(
        select(Meeting, Rsvp)
        .join(Rsvp, col(Rsvp.meeting_id) == col(Meeting.id))
        .where(
            Rsvp.person_id == person_id,
            Rsvp.answer != "no",
            Meeting.status == "scheduled",
            col(Meeting.starts_at) > now,
        )
        .order_by(col(Meeting.starts_at))
        .limit(limit)
    ).all()


def upcoming_organised(
    db: Session, person_id: int | None, now: datetime, limit: int = 10
) -> Sequence[Meeting]:
    """Upcoming scheduled meetings the person organises, soonest first."""
    return db.exec(
        select(Meeting)
        .where(
            Meeting.created_by == person_id,
            Meeting.status == "scheduled",
            col(Meeting.starts_at) > now,
        )
        .order_by(col(Meeting.starts_at))
        .limit(limit)
    ).all()


def recent_organised(
    db: Session, person_id: int | None, now: datetime, days: int = 14, limit: int = 10
) -> Sequence[Meeting]:
    """Meetings the person organised that ended in the last ``days`` (held or not yet
    recorded), newest first: the organiser finds them to record what happened."""
    return db.exec(
        select(Meeting)
        .where(
            Meeting.created_by == person_id,
            col(Meeting.status).in_(["scheduled", "held"]),
            col(Meeting.starts_at) <= now,
            col(Meeting.starts_at) >= now - timedelta(days=days),
        )
        .order_by(col(Meeting.starts_at).desc())
        .limit(limit)
    ).all()
