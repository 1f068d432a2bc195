"""What the public may see of outcomes: completed initiatives, adopted ideas, meetings held.

Only public items (never hidden ones, never drafts) and no personal data: organisations are
named, individuals are not, and attendee lists never leave the store. People counts below
``SMALL`` are returned as None so every surface shows 「3未満」 rather than a number that
could point at someone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage import ledger
from storage.models import (
    Actor,
    ActorKind,
    Idea,
    IdeaCall,
    IdeaStatus,
    Initiative,
    InitiativeStatus,
    Meeting,
    OutcomeFact,
)

SMALL = 3
IN_LIST_MAX = 1000


def people_count(n: int) -> int | None:
    """A count of people safe to publish, or None for 「3未満」."""
    return n if n >= SMALL else None


@dataclass(frozen=True)
class CompletedInitiative:
    id: int
    title: str
    category: str
    area: str | None
    actor_kind: str
    organisation: str | None  # None for an individual's profile
    completed_at: datetime | None
    participants: int | None  # frozen at 完了; None below SMALL
    result_summary: str | None
    result_reflection: str | None
    from_idea: int | None


@dataclass(frozen=True)
class AdoptedIdea:
    id: int
    call_title: str
    body: str
    status: str
    answer: str
    answered_at: datetime | None
    initiative_id: int | None


@dataclass(frozen=True)
class HeldMeeting:
    id: int
    title: str
    starts_at: datetime
    initiative_id: int | None
    attendance: int | None  # None below SMALL


def _sums(db: Session, measure: str, column: Any, ids: list[int]) -> dict[int, int]:
    """Sums per id; for many ids one grouped scan of the measure (a list of 60,000 ids would
    pass SQLite's limit on bound parameters and is slower than the scan anyway)."""
    if not ids:
        return {}
    query = select(column, func.sum(OutcomeFact.quantity)).where(OutcomeFact.measure == measure)
    if len(ids) <= IN_LIST_MAX:
        query = query.where(col(column).in_(ids))
    rows = db.exec(query.group_by(column)).all()
    return {int(k): int(n or 0) for k, n in rows}


def completed_initiatives(db: Session, limit: int | None = None) -> list[CompletedInitiative]:
    """Visible 完了 initiatives, most recently completed first (the newest ``limit`` of them)."""
    query = (
        select(Initiative, Actor, OutcomeFact.occurred_at)
        .join(Actor, col(Actor.id) == Initiative.actor_id)
        .outerjoin(
            OutcomeFact,
            (col(OutcomeFact.initiative_id) == Initiative.id)
            & (OutcomeFact.measure == ledger.COMPLETED),
        )
        .where(Initiative.status == InitiativeStatus.DONE, col(Initiative.hidden).is_(False))
        .order_by(col(OutcomeFact.occurred_at).desc(), col(Initiative.id).desc())
    )
    rows = db.exec(query if limit is None else query.limit(limit)).all()
    counts = _sums(
        db, ledger.PARTICIPANTS, OutcomeFact.initiative_id, [i.id or 0 for i, _, _ in rows]
    )
    return [
        CompletedInitiative(
            id=ini.id or 0,
            title=ini.title,
            category=ini.category,
            area=ini.area,
            actor_kind=str(actor.kind),
            organisation=None if actor.kind == ActorKind.INDIVIDUAL else actor.name,
            completed_at=at,
            participants=people_count(counts.get(ini.id or 0, 0)),
            result_summary=ini.result_summary,
            result_reflection=ini.result_reflection,
            from_idea=ini.idea_id,
        )
        for ini, actor, at in rows
    ]


def adopted_ideas(db: Session) -> list[AdoptedIdea]:
    """Adopted (or partly adopted) ideas with their answers; authors are never included."""
    rows = db.exec(
        select(Idea, IdeaCall.title)
        .join(IdeaCall, col(IdeaCall.id) == Idea.call_id)
        .where(
            col(Idea.status).in_([IdeaStatus.ADOPTED, IdeaStatus.PARTLY]),
            col(Idea.hidden).is_(False),
            col(Idea.answer).is_not(None),
            IdeaCall.status != "draft",
        )
        .order_by(col(Idea.answered_at).desc(), col(Idea.id).desc())
    ).all()
    return [
        AdoptedIdea(
            id=idea.id or 0,
            call_title=title,
            body=idea.body,
            status=str(idea.status),
            answer=idea.answer or "",
            answered_at=idea.answered_at,
            initiative_id=idea.initiative_id,
        )
        for idea, title in rows
    ]


def held_meetings(db: Session) -> list[HeldMeeting]:
    """Meetings that took place, with how many came; not those of hidden initiatives."""
    hidden = select(Initiative.id).where(col(Initiative.hidden).is_(True))
    rows = db.exec(
        select(Meeting)
        .where(
            Meeting.status == "held",
            (col(Meeting.initiative_id).is_(None)) | (col(Meeting.initiative_id).not_in(hidden)),
        )
        .order_by(col(Meeting.starts_at).desc())
    ).all()
    counts = _sums(db, ledger.ATTENDANCE, OutcomeFact.meeting_id, [m.id or 0 for m in rows])
    return [
        HeldMeeting(
            id=m.id or 0,
            title=m.title,
            starts_at=m.starts_at,
            initiative_id=m.initiative_id,
            attendance=people_count(counts.get(m.id or 0, 0)),
        )
        for m in rows
    ]
