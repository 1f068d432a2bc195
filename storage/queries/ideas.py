"""Queries for residents' ideas: which calls I already answered, my ideas in a call, the
supports I gave, support counts, idea authors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import Idea, IdeaStatus, IdeaSupport, Person


def calls_with_my_ideas(db: Session, person_id: int | None) -> set[int]:
    """Calls the person has an idea in (withdrawn ones do not count)."""
    return set(
        db.exec(
            select(Idea.call_id).where(
                Idea.author_id == person_id, Idea.status != IdeaStatus.WITHDRAWN
            )
        ).all()
    )


def my_ideas(db: Session, call_id: int | None, person_id: int | None) -> Sequence[Idea]:
    """The person's ideas in one call, oldest first (withdrawn ones left out)."""
    return db.exec(
        select(Idea)
        .where(
            Idea.call_id == call_id,
            Idea.author_id == person_id,
            Idea.status != IdeaStatus.WITHDRAWN,
        )
        .order_by(col(Idea.id))
    ).all()


def supported_by(db: Session, person_id: int | None, idea_ids: list[int | None]) -> set[int]:
    """Which of these ideas the person supports."""
    return set(
        db.exec(
            select(IdeaSupport.idea_id).where(
                IdeaSupport.person_id == person_id,
                col(IdeaSupport.idea_id).in_(idea_ids),
            )
        ).all()
    )


def authors(db: Session, ids: Iterable[int]) -> dict[int | None, Person]:
    return {p.id: p for p in db.exec(select(Person).where(col(Person.id).in_(set(ids)))).all()}


def has_supported(db: Session, idea_id: int | None, person_id: int | None) -> bool:
    found = db.exec(
        select(IdeaSupport.id).where(
            IdeaSupport.idea_id == idea_id, IdeaSupport.person_id == person_id
        )
    ).first()
    return found is not None


def support_count(db: Session, idea_id: int | None) -> int:
    return db.exec(
        select(func.count(col(IdeaSupport.id))).where(IdeaSupport.idea_id == idea_id)
    ).one()
