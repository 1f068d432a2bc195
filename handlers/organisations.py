"""Organisations (団体・企業・区): creating one (its creator becomes admin and gets an invite
code) and joining one with that code.

Both dialogs are declared in ``handlers.organisation_form``. Codes avoid look-alike letters; a
wrong code is re-asked, and after a few wrong tries the dialog ends so codes cannot be guessed
by trying many.
"""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from bot.core.replies import Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.organisation_form import (
    JOIN_FIELDS,
    ORGANISATION_FIELDS,
    JoinDraft,
    OrganisationDraft,
)
from handlers.privacy import consent_first
from handlers.profiles import profile
from storage.db import stored_id
from storage.models import Actor, ActorKind, Membership
from storage.queries import initiatives as q
from storage.queries import profiles as pq

router = Router()

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


# ================================================================ organisations


@router.action(a.CreateOrganisation)
def create_organisation(turn: Turn, _act: a.CreateOrganisation) -> None:
    CREATE_ORGANISATION.start(turn)


def created_organisation(turn: Turn, draft: OrganisationDraft, _context: str) -> None:
    """The person becomes the new organisation's admin and gets its invite code."""
    if draft.kind == "ward" and not turn.person.is_staff:  # re-checked: roles may change
        turn.say_text("common.staff_only")
        return
    actor = Actor(
        kind=ActorKind(draft.kind),
        name=draft.name,
        invite_code=_unique_code(turn),
        created_at=turn.now,
    )
    turn.db.add(actor)
    turn.db.flush()
    turn.db.add(
        Membership(
            actor_id=stored_id(actor.id),
            person_id=stored_id(turn.person.id),
            role="admin",
            created_at=turn.now,
        )
    )
    turn.audit("actor.create", "actor", actor.id, kind=draft.kind)
    turn.say_text("profiles.org_created", name=actor.name, code=actor.invite_code)
    profile(turn, a.Profile(stored_id(actor.id)))


CREATE_ORGANISATION = Wizard(
    gate=consent_first,  # the privacy notice before the first question
    flow="porg",
    title="profiles.f_orgs",
    fields=ORGANISATION_FIELDS,
    draft=OrganisationDraft,
    submit=created_organisation,
    confirm=False,
    forms=False,  # asked one at a time on every channel, as before
)
CREATE_ORGANISATION.register(router)


def _unique_code(turn: Turn) -> str:
    while True:
        code = new_invite_code()
        if not pq.invite_code_taken(turn.db, code):
            return code


@router.action(a.JoinOrganisation)
def join_organisation(turn: Turn, _act: a.JoinOrganisation) -> None:
    JOIN_ORGANISATION.start(turn)


def joined(turn: Turn, draft: JoinDraft, _context: str) -> None:
    """The person becomes a member (checked code); the organisation's admins are told."""
    actor = pq.actor_by_invite_code(turn.db, draft.code)
    if actor is None or actor.kind == ActorKind.INDIVIDUAL:  # the code changed meanwhile
        turn.say_text("profiles.code_wrong")
        return
    if q.is_member(turn.db, stored_id(actor.id), stored_id(turn.person.id)):
        turn.say_text("profiles.already_member", name=actor.name)
        return
    try:
        with turn.db.begin_nested():
            turn.db.add(
                Membership(
                    actor_id=stored_id(actor.id),
                    person_id=stored_id(turn.person.id),
                    role="member",
                    created_at=turn.now,
                )
            )
    except IntegrityError:
        turn.say_text("profiles.already_member", name=actor.name)
        return
    turn.audit("actor.join", "actor", actor.id)
    welcomed(turn, actor)


def welcomed(turn: Turn, actor: Actor) -> None:
    """After joining (by code or by invite): the admins are told, the newcomer is welcomed."""
    for admin in pq.admins(turn.db, stored_id(actor.id)):
        if admin.id == turn.person.id:
            continue
        turn.notify(
            admin,
            Text(
                text=turn.tr_for(admin)(
                    "profiles.member_joined", name=turn.person.display_name, org=actor.name
                )
            ),
            kind="member",
            dedupe_key=f"actor:{actor.id}:member:{turn.person.id}",
        )
    turn.say_text("profiles.joined_org", name=actor.name)


JOIN_ORGANISATION = Wizard(
    gate=consent_first,  # the privacy notice before the first question
    flow="pjoin",
    title="profiles.f_join_code",
    fields=JOIN_FIELDS,
    draft=JoinDraft,
    submit=joined,
    confirm=False,
    forms=False,  # asked as a step on every channel, as before
)
JOIN_ORGANISATION.register(router)
