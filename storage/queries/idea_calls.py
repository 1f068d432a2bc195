"""Queries for idea calls (アイデア募集) on the staff side: the overview, publishing a draft,
the people to tell, linking an adopted idea to its initiative.

The two updates are conditional so that two staff members pressing the same button at once
change the row once: the caller reads the returned row count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.db import affected
from storage.models import Actor, ActorKind, Idea, IdeaCall, IdeaSupport, Person

DRAFT = "draft"
OPEN = "open"


def staff_overview(db: Session, limit: int) -> Sequence[IdeaCall]:
    """Drafts first, then the others, latest deadline first."""
    return db.exec(
        select(IdeaCall)
        .order_by(col(IdeaCall.status) != DRAFT, col(IdeaCall.deadline).desc())
        .limit(limit)
    ).all()


def publish_draft(db: Session, call_id: int | None, now: datetime) -> int:
    """Open the call if it is still a draft; returns how many rows changed (0 or 1)."""
    result = db.execute(
        update(IdeaCall)
        .where(col(IdeaCall.id) == call_id, col(IdeaCall.status) == DRAFT)
        .values(status=OPEN, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected(result)


def people(db: Session, ids: Iterable[int]) -> Sequence[Person]:
    return db.exec(select(Person).where(col(Person.id).in_(list(ids)))).all()


def supporter_ids(db: Session, idea_id: int | None) -> Sequence[int]:
    return db.exec(select(IdeaSupport.person_id).where(IdeaSupport.idea_id == idea_id)).all()


def first_ward_actor(db: Session) -> Actor | None:
    return db.exec(
        select(Actor).where(Actor.kind == ActorKind.WARD).order_by(col(Actor.id))
    ).first()


def link_initiative(
    db: Session, idea_id: int | None, initiative_id: int | None, now: datetime
) -> int:
    """Link the idea to its initiative if it has none yet; returns the rows changed (0 or 1)."""
    result = db.execute(
        update(Idea)
        .where(col(Idea.id) == idea_id, col(Idea.initiative_id).is_(None))
        .values(initiative_id=initiative_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected(result)
