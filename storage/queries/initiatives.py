"""Queries for initiatives: browse/search pages, participants, permissions, matching."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from storage.models import (
    Actor,
    ActorKind,
    Initiative,
    InitiativeStatus,
    Membership,
    OpinionRequest,
    Participation,
    Person,
)
from storage.search import keyword_clause

PAGE = 10
ACTIVE = ("joined", "waitlisted")
HIDDEN_STATUSES = (InitiativeStatus.CANCELLED.value,)
OPEN_STATUSES = (InitiativeStatus.RECRUITING.value, InitiativeStatus.PREPARING.value)


def browse(
    db: Session,
    *,
    category: str | None = None,
    area: str | None = None,
    keyword: str | None = None,
    offset: int = 0,
    limit: int = PAGE,
) -> tuple[list[Initiative], bool]:
    """Visible initiatives, open ones (募集中, 準備中) first, newest first within each; returns
    (page, has_more). Hidden/cancelled never show."""
    stmt = select(Initiative).where(
        col(Initiative.hidden).is_(False), col(Initiative.status).not_in(HIDDEN_STATUSES)
    )
    if category:
        stmt = stmt.where(Initiative.category == category)
    if area:
        stmt = stmt.where(Initiative.area == area)
    if keyword:
        clause = keyword_clause(db.get_bind().dialect.name, keyword)
        if clause is not None:
            stmt = stmt.where(clause)
    open_first = case(
        (col(Initiative.status).in_(OPEN_STATUSES), 0), else_=1
    )  # 募集中・準備中 before 実施中・完了, newest first within each
    stmt = stmt.order_by(open_first, col(Initiative.id).desc())
    stmt = stmt.offset(max(offset, 0)).limit(limit + 1)
    rows = list(db.exec(stmt).all())
    return rows[:limit], len(rows) > limit


def visible(initiative: Initiative | None) -> bool:
    return initiative is not None and not initiative.hidden


def counts(db: Session, initiative_id: int) -> tuple[int, int]:
    """(joined, waitlisted)."""
    rows = db.exec(
        select(Participation.status, func.count())
        .where(Participation.initiative_id == initiative_id)
        .group_by(Participation.status)
    ).all()
    by = dict(rows)
    return by.get("joined", 0), by.get("waitlisted", 0)


def participation(db: Session, initiative_id: int, person_id: int) -> Participation | None:
    return db.exec(
        select(Participation).where(
            Participation.initiative_id == initiative_id, Participation.person_id == person_id
        )
    ).first()


def participants(db: Session, initiative_id: int) -> list[tuple[Participation, Person]]:
    """Joined first, then the waitlist, each first-come."""
    rows = db.exec(
        select(Participation, Person)
        .join(Person, col(Person.id) == Participation.person_id)
        .where(
            Participation.initiative_id == initiative_id,
            col(Participation.status).in_(ACTIVE),
        )
        .order_by(col(Participation.created_at), col(Participation.id))
    ).all()
    return sorted(rows, key=lambda r: 0 if r[0].status == "joined" else 1)


def first_waitlisted(db: Session, initiative_id: int) -> Participation | None:
    return db.exec(
        select(Participation)
        .where(Participation.initiative_id == initiative_id, Participation.status == "waitlisted")
        .order_by(col(Participation.created_at), col(Participation.id))
    ).first()


def open_request(db: Session, initiative_id: int) -> OpinionRequest | None:
    return db.exec(
        select(OpinionRequest)
        .where(OpinionRequest.initiative_id == initiative_id, col(OpinionRequest.open).is_(True))
        .order_by(col(OpinionRequest.id).desc())
    ).first()


def memberships(db: Session, person_id: int) -> list[tuple[Membership, Actor]]:
    return list(
        db.exec(
            select(Membership, Actor)
            .join(Actor, col(Actor.id) == Membership.actor_id)
            .where(Membership.person_id == person_id)
            .order_by(col(Actor.id))
        ).all()
    )


def is_admin(db: Session, actor_id: int, person_id: int) -> bool:
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


def is_member(db: Session, actor_id: int, person_id: int) -> bool:
    return (
        db.exec(
            select(Membership.id).where(
                Membership.actor_id == actor_id, Membership.person_id == person_id
            )
        ).first()
        is not None
    )


def can_manage(db: Session, initiative: Initiative, person: Person) -> bool:
    """The poster, the posting organisation's admins and ward staff (server-side check)."""
    if person.is_staff or initiative.poster_id == person.id:
        return True
    return is_admin(db, initiative.actor_id, person.id or 0)


def actor_people(db: Session, actor: Actor) -> list[Person]:
    """Who hears for an actor: its members, or the owner of a personal profile."""
    if actor.kind == ActorKind.INDIVIDUAL:
        return list(db.exec(select(Person).where(Person.actor_id == actor.id)).all())
    return list(
        db.exec(
            select(Person)
            .join(Membership, col(Membership.person_id) == Person.id)
            .where(Membership.actor_id == actor.id)
        ).all()
    )


@dataclass
class Match:
    actor: Actor
    score: int
    category: bool = False
    area: bool = False
    strengths: list[str] = field(default_factory=list)


def shortlist(db: Session, initiative: Initiative, limit: int = 5) -> list[Match]:
    """Actors whose interests, area and strengths fit the help wanted (simple additive score).

    Category interest 2 points, same area 1, each offered strength that is wanted 2.
    """
    wanted = set(initiative.help_wanted or [])
    found: list[Match] = []
    for actor in db.exec(select(Actor).where(Actor.id != initiative.actor_id)).all():
        m = Match(actor=actor, score=0)
        if initiative.category in (actor.interests or []):
            m.category, m.score = True, m.score + 2
        if initiative.area and actor.area == initiative.area:
            m.area, m.score = True, m.score + 1
        m.strengths = [s for s in (actor.strengths or []) if s in wanted]
        m.score += 2 * len(m.strengths)
        if m.score > 0 and (m.category or m.strengths):
            found.append(m)
    found.sort(key=lambda m: (-m.score, m.actor.id or 0))
    return found[:limit]


def by_ids(db: Session, ids: Sequence[int]) -> list[Initiative]:
    if not ids:
        return []
    return list(db.exec(select(Initiative).where(col(Initiative.id).in_(ids))).all())
