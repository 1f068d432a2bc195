"""Erasing a person (退会): identities removed, content anonymised, nothing left to find.

Authored initiatives, ideas and opinions stay (others' work depends on them) but their author
reads as the placeholder name. Every personal field is overwritten or deleted; queued pushes
to the person are cancelled; other people's queued or sent notifications that quote the
person's name are blanked.

An organisation is never left without someone to manage it: if the person was its last
admin, the longest-standing remaining member becomes admin (transfer); if nobody remains it
is archived — its invite code is withdrawn so nobody joins an unmanaged group — and staff are
told so they can decide (the caller posts the notice). Its name stays the organisation's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, delete, or_, update
from sqlmodel import Session, col, select

from storage.ledger import forget_person
from storage.models import (
    Actor,
    ActorKind,
    ChannelAccount,
    DialogState,
    KeyValue,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Participation,
    Person,
    Rsvp,
    Subscription,
)
from storage.queries import evaluations


@dataclass(frozen=True)
class OrphanedOrganisation:
    actor_id: int
    name: str
    outcome: str  # "transferred" (a member is now admin) | "archived" (no members left)


def erase_person(
    db: Session, person: Person, *, placeholder: str, now: datetime
) -> list[OrphanedOrganisation]:
    """Erase ``person``; return the organisations their leaving left without an admin."""
    administered = db.exec(
        select(Membership.actor_id).where(
            Membership.person_id == person.id, Membership.role == "admin"
        )
    ).all()
    names = {n for n in (person.display_name, person.real_name) if n and len(n) >= 2}
    accounts = db.exec(
        select(ChannelAccount).where(col(ChannelAccount.person_id) == person.id)
    ).all()
    for account in accounts:
        db.execute(
            delete(DialogState).where(
                col(DialogState.channel) == account.channel,
                col(DialogState.user_id) == account.external_id,
            )
        )
        db.delete(account)
    if person.actor_id is not None:
        actor = db.get(Actor, person.actor_id)
        if actor is not None:
            if actor.name and len(actor.name) >= 2:
                names.add(actor.name)
            actor.name = placeholder
            actor.area = None
            actor.activity = ""
            actor.interests = []
            actor.strengths = []
            actor.invite_code = None
            db.add(actor)
    db.execute(delete(Membership).where(col(Membership.person_id) == person.id))
    orphans = [o for o in (_without_admin(db, a) for a in administered) if o is not None]
    db.execute(delete(Subscription).where(col(Subscription.person_id) == person.id))
    db.execute(delete(Rsvp).where(col(Rsvp.person_id) == person.id))
    db.execute(delete(KeyValue).where(col(KeyValue.key).like(f"rate:{person.id}:%")))
    db.execute(
        update(Participation)
        .where(col(Participation.person_id) == person.id)
        .values(status="withdrawn", message=None, updated_at=now)
    )
    db.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.person_id) == person.id,
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.CANCELLED, payload=[])
    )
    db.execute(
        update(OutboxMessage).where(col(OutboxMessage.person_id) == person.id).values(payload=[])
    )
    if names:
        quoted = or_(
            *(cast(OutboxMessage.payload, String).contains(n, autoescape=True) for n in names)
        )
        db.execute(
            update(OutboxMessage)
            .where(
                quoted, col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.SENDING])
            )
            .values(status=OutboxStatus.CANCELLED, payload=[])
        )
        db.execute(update(OutboxMessage).where(quoted).values(payload=[]))
    forget_person(db, person.id or 0)
    evaluations.forget_person(db, person.id or 0)
    person.display_name = placeholder
    person.real_name = None
    person.consent_version = None
    person.consented_at = None
    person.calendar_token = uuid.uuid4().hex
    person.deleted = True
    db.add(person)
    return orphans


def _without_admin(db: Session, actor_id: int) -> OrphanedOrganisation | None:
    """Transfer an organisation that lost its last admin, or archive it if it is empty."""
    actor = db.get(Actor, actor_id)
    if actor is None or actor.kind == ActorKind.INDIVIDUAL:
        return None
    members = db.exec(
        select(Membership)
        .where(col(Membership.actor_id) == actor_id)
        .order_by(col(Membership.created_at), col(Membership.id))
    ).all()
    if any(m.role == "admin" for m in members):
        return None
    if members:
        members[0].role = "admin"
        db.add(members[0])
        return OrphanedOrganisation(actor_id, actor.name, "transferred")
    actor.invite_code = None
    db.add(actor)
    return OrphanedOrganisation(actor_id, actor.name, "archived")
