"""Finding an initiative the person may see or manage, whom they may act as, the status rules.

Every button is a claim: existence, visibility and permission are checked again here, on the
server, by the sub-domain modules that use these helpers.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import select

from bot.core.replies import (
    Text,
)
from bot.core.turn import Turn
from storage.db import is_postgres, stored_id
from storage.models import (
    Actor,
    ActorKind,
    Initiative,
    InitiativeStatus,
    Person,
)
from storage.queries import initiatives as q

DIALOG_TTL = timedelta(days=1)

S = InitiativeStatus
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.RECRUITING: (S.PREPARING, S.RUNNING, S.CANCELLED),
    S.PREPARING: (S.RUNNING, S.RECRUITING, S.CANCELLED),
    S.RUNNING: (S.DONE, S.CANCELLED),
    S.DONE: (),
    S.CANCELLED: (),
}
JOINABLE = (S.RECRUITING, S.PREPARING)
FINAL = (S.DONE, S.CANCELLED)  # no participation change after these (join, withdraw, undo)

# ================================================================ helpers


def get_visible(turn: Turn, initiative_id: int, *, for_update: bool = False) -> Initiative | None:
    """A visible initiative, or None after saying it is gone (hidden counts as gone)."""
    stmt = select(Initiative).where(Initiative.id == initiative_id)
    if for_update and is_postgres(turn.db.get_bind()):
        stmt = stmt.with_for_update()
    ini = turn.db.exec(stmt).first()
    if ini is None or (ini.hidden and not turn.person.is_staff):
        turn.say_text("common.not_found")
        return None
    return ini


def get_managed(turn: Turn, initiative_id: int, *, for_update: bool = False) -> Initiative | None:
    ini = get_visible(turn, initiative_id, for_update=for_update)
    if ini is None:
        return None
    if not q.can_manage(turn.db, ini, turn.person):
        turn.say_text("common.not_allowed")
        return None
    return ini


def new_token() -> str:
    return secrets.token_hex(4)


def touch(turn: Turn, ini: Initiative) -> None:
    ini.updated_at = turn.now
    turn.db.add(ini)


def epoch(turn: Turn) -> int:
    return int(turn.now.timestamp())


def name_of(turn: Turn, person: Person | None) -> str:
    if person is None or person.deleted:
        return turn.t("common.deleted_user")
    return person.display_name


def active_people(turn: Turn, ini: Initiative) -> list[Person]:
    return [p for _, p in q.participants(turn.db, stored_id(ini.id))]


def own_actor(turn: Turn) -> Actor:
    """The person's own 個人 profile (created on first need)."""
    person = turn.person
    actor = turn.db.get(Actor, person.actor_id) if person.actor_id else None
    if actor is None:
        actor = Actor(kind=ActorKind.INDIVIDUAL, name=person.display_name)
        turn.db.add(actor)
        turn.db.flush()
        person.actor_id = actor.id
        turn.db.add(person)
    return actor


def postable_actors(turn: Turn) -> list[Actor]:
    """Whom the person may post as: themselves, then their organisations."""
    return [own_actor(turn)] + [
        actor for _, actor in q.memberships(turn.db, stored_id(turn.person.id))
    ]


def ward_actor(turn: Turn) -> Actor:
    actor = turn.db.exec(select(Actor).where(Actor.kind == ActorKind.WARD)).first()
    if actor is None:
        actor = Actor(kind=ActorKind.WARD, name=turn.ward.display_name("ja"))
        turn.db.add(actor)
        turn.db.flush()
    return actor


def tell_poster(
    turn: Turn, ini: Initiative, key: str, *, kind: str, dedupe_key: str, **params
) -> None:
    """Notify the initiative's poster (in their language) about what this person did."""
    poster = turn.db.get(Person, ini.poster_id)
    if poster is None or poster.id == turn.person.id:
        return
    text = turn.tr_for(poster)(key, name=turn.person.display_name, title=ini.title, **params)
    turn.notify(poster, Text(text=text), kind=kind, dedupe_key=dedupe_key)
