"""Queries for profiles (主体) and マイページ: follow subscriptions, a profile's recent posts,
invite codes, an organisation's admins, my initiatives and participations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import Actor, Initiative, Membership, Participation, Person, Subscription
from storage.queries.initiatives import ACTIVE, HIDDEN_STATUSES


def subscriptions(db: Session, person_id: int | None) -> Sequence[Subscription]:
    return db.exec(select(Subscription).where(Subscription.person_id == person_id)).all()


def recent_posts(db: Session, actor_id: int | None, limit: int = 3) -> Sequence[Initiative]:
    """The actor's latest visible initiatives (hidden and cancelled ones never show)."""
    return db.exec(
        select(Initiative)
        .where(
            Initiative.actor_id == actor_id,
            col(Initiative.hidden).is_(False),
            col(Initiative.status).not_in(HIDDEN_STATUSES),
        )
        .order_by(col(Initiative.id).desc())
        .limit(limit)
    ).all()


def invite_code_taken(db: Session, code: str) -> bool:
    return db.exec(select(Actor.id).where(Actor.invite_code == code)).first() is not None


def actor_by_invite_code(db: Session, code: str) -> Actor | None:
    return db.exec(select(Actor).where(Actor.invite_code == code)).first()


def admins(db: Session, actor_id: int | None) -> Sequence[Person]:
    return db.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(Membership.actor_id == actor_id, Membership.role == "admin")
    ).all()


def posted_by(
    db: Session, person_id: int | None, admin_of: list[int], limit: int = 10
) -> Sequence[Initiative]:
    """Initiatives the person posted, or posted as an organisation they administer."""
    cond = col(Initiative.poster_id) == person_id
    if admin_of:
        cond = cond | col(Initiative.actor_id).in_(admin_of)
    return db.exec(
        select(Initiative).where(cond).order_by(col(Initiative.id).desc()).limit(limit)
    ).all()


def participating_ids(db: Session, person_id: int | None, limit: int = 10) -> Sequence[int]:
    """Initiatives the person has joined or waits for, latest first."""
    return db.exec(
        select(Participation.initiative_id)
        .where(Participation.person_id == person_id, col(Participation.status).in_(ACTIVE))
        .order_by(col(Participation.id).desc())
        .limit(limit)
    ).all()
