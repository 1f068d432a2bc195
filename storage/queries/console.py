"""Queries behind the staff console (Slack App Home): what waits for staff, oldest first.

Each queue query returns ``(total, first rows)`` so the console can show a count and the
first few with 「もっと見る」 without loading the whole queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import (
    Idea,
    IdeaCall,
    IdeaStatus,
    IdeaSupport,
    Initiative,
    InitiativeStatus,
    Meeting,
    Opinion,
    Report,
)
from storage.queries.ideas import UNANSWERED

ENDED = (InitiativeStatus.DONE, InitiativeStatus.CANCELLED)


def _unclaimed() -> tuple:
    return (
        col(Initiative.status) == InitiativeStatus.RECRUITING,
        col(Initiative.facilitator_id).is_(None),
        col(Initiative.hidden) == False,  # noqa: E712
    )


def unclaimed_initiatives(db: Session, limit: int) -> tuple[int, Sequence[Initiative]]:
    """Recruiting, visible initiatives nobody has claimed (担当), oldest first."""
    where = _unclaimed()
    total = db.exec(select(func.count()).select_from(Initiative).where(*where)).one()
    rows = db.exec(
        select(Initiative)
        .where(*where)
        .order_by(col(Initiative.created_at), col(Initiative.id))
        .limit(limit)
    ).all()
    return total, rows


def claimed_by(db: Session, person_id: int, limit: int) -> tuple[int, Sequence[Initiative]]:
    """The person's own claimed initiatives that are still going, oldest first."""
    where = (
        col(Initiative.facilitator_id) == person_id,
        col(Initiative.status).not_in(ENDED),
    )
    total = db.exec(select(func.count()).select_from(Initiative).where(*where)).one()
    rows = db.exec(
        select(Initiative)
        .where(*where)
        .order_by(col(Initiative.created_at), col(Initiative.id))
        .limit(limit)
    ).all()
    return total, rows


@dataclass(frozen=True)
class Case:
    """A moderation case: a hidden item with reports no staff member has decided yet."""

    entity: str
    entity_id: int
    reports: int
    since: datetime  # the first open report
    title: str


def _item(db: Session, entity: str, entity_id: int) -> Initiative | Idea | Opinion | None:
    if entity == "initiative":
        return db.get(Initiative, entity_id)
    if entity == "idea":
        return db.get(Idea, entity_id)
    if entity == "opinion":
        return db.get(Opinion, entity_id)
    return None


def open_case(db: Session, entity: str, entity_id: int) -> Case | None:
    """The case of one item, or None when it is decided (restored, kept) or not hidden."""
    found = [c for c in _cases(db, entity=entity, entity_id=entity_id)]
    return found[0] if found else None


def _cases(db: Session, *, entity: str | None = None, entity_id: int | None = None) -> list[Case]:
    stmt = (
        select(
            col(Report.entity),
            col(Report.entity_id),
            func.count(col(Report.id)),
            func.min(col(Report.created_at)),
        )
        .where(col(Report.resolved).is_(False))
        .group_by(col(Report.entity), col(Report.entity_id))
    )
    if entity is not None:
        stmt = stmt.where(col(Report.entity) == entity, col(Report.entity_id) == entity_id)
    cases = []
    for kind, item_id, count, since in db.exec(stmt).all():
        item = _item(db, kind, item_id)
        if item is None or not item.hidden:
            continue
        title = str(getattr(item, "title", None) or getattr(item, "body", ""))
        cases.append(Case(kind, item_id, count, since, title))
    return cases


def moderation_cases(db: Session, limit: int) -> tuple[int, list[Case]]:
    """Hidden items waiting for a decision, the longest waiting first."""
    cases = sorted(_cases(db), key=lambda c: (c.since, c.entity, c.entity_id))
    return len(cases), cases[:limit]


@dataclass(frozen=True)
class WaitingIdea:
    idea: Idea
    call_title: str
    supports: int
    due: datetime  # the first answer is promised by then
    overdue: bool
    flagged: bool  # over the support threshold


def ideas_awaiting(
    db: Session, now: datetime, *, days: int, supports: int, limit: int
) -> tuple[int, list[WaitingIdea]]:
    """Unanswered visible ideas: overdue ones first, then oldest first."""
    counts = (
        select(col(IdeaSupport.idea_id), func.count(col(IdeaSupport.id)).label("n"))
        .group_by(col(IdeaSupport.idea_id))
        .subquery()
    )
    rows = db.exec(
        select(Idea, col(IdeaCall.title), func.coalesce(counts.c.n, 0))
        .join(IdeaCall, col(IdeaCall.id) == col(Idea.call_id))
        .outerjoin(counts, counts.c.idea_id == col(Idea.id))
        .where(col(Idea.status).in_(UNANSWERED), col(Idea.hidden) == False)  # noqa: E712
        .order_by(col(Idea.created_at), col(Idea.id))
    ).all()
    waiting = []
    for idea, call_title, n in rows:
        due = answer_due(idea.created_at, days)
        waiting.append(WaitingIdea(idea, call_title, n, due, due <= now, n >= supports))
    waiting.sort(key=lambda w: not w.overdue)  # stable: oldest first within each group
    return len(waiting), waiting[:limit]


def answer_due(submitted: datetime, days: int) -> datetime:
    """When the first answer to an idea submitted at ``submitted`` is due."""
    return submitted + timedelta(days=days)


def meetings_between(
    db: Session, start: datetime, end: datetime, limit: int
) -> tuple[int, Sequence[Meeting]]:
    where = (
        col(Meeting.starts_at) >= start,
        col(Meeting.starts_at) < end,
        col(Meeting.status) != "cancelled",
    )
    total = db.exec(select(func.count()).select_from(Meeting).where(*where)).one()
    rows = db.exec(
        select(Meeting).where(*where).order_by(col(Meeting.starts_at)).limit(limit)
    ).all()
    return total, rows


def open_calls(db: Session, limit: int) -> tuple[int, list[tuple[IdeaCall, int]]]:
    """Open idea calls, the one closing soonest first, with their idea counts."""
    where = (col(IdeaCall.status) == "open",)
    total = db.exec(select(func.count()).select_from(IdeaCall).where(*where)).one()
    counts = (
        select(col(Idea.call_id), func.count(col(Idea.id)).label("n"))
        .where(col(Idea.status) != IdeaStatus.WITHDRAWN)
        .group_by(col(Idea.call_id))
        .subquery()
    )
    rows = db.exec(
        select(IdeaCall, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.call_id == col(IdeaCall.id))
        .where(*where)
        .order_by(col(IdeaCall.deadline))
        .limit(limit)
    ).all()
    return total, [(call, n) for call, n in rows]


def recent_open_initiatives(db: Session, limit: int) -> Sequence[Initiative]:
    """Initiatives still going, newest first (the console's 協働先を探す picks one)."""
    return db.exec(
        select(Initiative)
        .where(col(Initiative.status).not_in(ENDED), col(Initiative.hidden) == False)  # noqa: E712
        .order_by(col(Initiative.created_at).desc(), col(Initiative.id).desc())
        .limit(limit)
    ).all()
