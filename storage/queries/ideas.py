"""Queries for アイデア募集型: open calls, visible ideas, support counts, a call's counts and
followers, closing a call; and for residents which calls they answered, their ideas, the
supports they gave. The call and idea status groups live here because the queries use them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.db import affected
from storage.models import Idea, IdeaCall, IdeaStatus, IdeaSupport, Person, Subscription

DRAFT, OPEN, CLOSED = "draft", "open", "closed"
FINAL = (IdeaStatus.ADOPTED, IdeaStatus.PARTLY, IdeaStatus.DECLINED)
UNANSWERED = (IdeaStatus.RECEIVED, IdeaStatus.REVIEWING)
VISIBLE = (
    IdeaStatus.RECEIVED,
    IdeaStatus.REVIEWING,
    IdeaStatus.ADOPTED,
    IdeaStatus.PARTLY,
    IdeaStatus.DECLINED,
)


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


def open_calls(db: Session, now: datetime) -> list[IdeaCall]:
    return list(
        db.exec(
            select(IdeaCall)
            .where(IdeaCall.status == OPEN, col(IdeaCall.deadline) > now)
            .order_by(col(IdeaCall.deadline), col(IdeaCall.id))
        ).all()
    )


def support_counts(db: Session, idea_ids: Sequence[int | None]) -> dict[int, int]:
    if not idea_ids:
        return {}
    rows = db.exec(
        select(IdeaSupport.idea_id, func.count(col(IdeaSupport.id)))
        .where(col(IdeaSupport.idea_id).in_(idea_ids))
        .group_by(col(IdeaSupport.idea_id))
    ).all()
    return {idea_id: n for idea_id, n in rows}


def visible_ideas(db: Session, call_id: int) -> list[Idea]:
    """Ideas other residents may see: not withdrawn, not hidden by moderation."""
    return list(
        db.exec(
            select(Idea)
            .where(Idea.call_id == call_id, col(Idea.status).in_(VISIBLE), Idea.hidden == False)  # noqa: E712
            .order_by(col(Idea.created_at), col(Idea.id))
        ).all()
    )


@dataclass(frozen=True)
class CallCounts:
    ideas: int
    supports: int
    unanswered: int


def call_counts(db: Session, call_id: int) -> CallCounts:
    ideas = db.exec(
        select(Idea.id, Idea.status).where(Idea.call_id == call_id, col(Idea.status).in_(VISIBLE))
    ).all()
    supports = support_counts(db, [i for i, _ in ideas])
    return CallCounts(
        ideas=len(ideas),
        supports=sum(supports.values()),
        unanswered=sum(1 for _, status in ideas if status in UNANSWERED),
    )


def followers(
    db: Session, call: IdeaCall, *, exclude: AbstractSet[int | None] = frozenset()
) -> list[Person]:
    """People who follow any of the call's categories (live, not suspended)."""
    if not call.categories:
        return []
    ids = set(
        db.exec(
            select(Subscription.person_id).where(
                Subscription.topic == "category", col(Subscription.value).in_(call.categories)
            )
        ).all()
    ) - set(exclude)
    if not ids:
        return []
    return list(
        db.exec(
            select(Person)
            .where(col(Person.id).in_(ids), Person.deleted == False, Person.suspended == False)  # noqa: E712
            .order_by(col(Person.id))
        ).all()
    )


def close_call(db: Session, call: IdeaCall, now: datetime) -> bool:
    """Mark an open call closed; False if someone (a job, another staff member) already did."""
    done = affected(
        db.execute(
            update(IdeaCall)
            .where(col(IdeaCall.id) == call.id, col(IdeaCall.status) == OPEN)
            .values(status=CLOSED, closed_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    db.refresh(call)
    return done == 1


def thread_key(call_id: int) -> str:
    """The staff thread of an idea call (every staff message about it goes there)."""
    return f"idea_call:{call_id}"


def card_key(call_id: int, idea_id: int) -> str:
    """The staff card of one idea: a message in its call's thread, edited in place."""
    return f"{thread_key(call_id)}/idea:{idea_id}"  # see bot.core.ports.CARD_IN_THREAD


def summary_dedupe(call_id: int) -> str:
    """The closing summary's outbox dedupe key: posted once per call."""
    return f"idea_call:{call_id}:summary"
