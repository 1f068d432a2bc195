"""Invites as a button: an organisation's admin shares a message with 「この団体に参加する」 and a
friend joins with one tap — nobody types an 8-character code.

The button carries the organisation and an expiry, signed with KYODO_SECRET_KEY over the
organisation's *current* invite code: a forged or altered button, an expired one (7 days), or
one made before the code was withdrawn (an archived organisation) changes nothing and says why.
The code itself never travels in the message. Joining writes a Membership, so the consent guard
asks a never-consented friend to agree first, as for every contribution.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.core.actions import action, pack
from bot.core.replies import Button, Card
from bot.core.router import Router
from bot.core.turn import Turn
from bot.signed_links import token, verify
from handlers.initiative_actions import Profile
from storage.db import stored_id
from storage.models import Actor, ActorKind, Membership
from storage.queries import initiatives as q

router = Router()

INVITE_TTL = timedelta(days=7)


@action("oi")
class ShareInvite:
    """The admin's 「招待を送る」 on their organisation's profile card."""

    actor_id: int


@action("oj")
class JoinByInvite:
    """The friend's 「この団体に参加する」: a claim, verified on the server."""

    actor_id: int
    exp: int
    sig: str


def _claim(actor: Actor) -> str:
    return f"invite:{actor.id}:{actor.invite_code}"


def share_button(turn: Turn, actor: Actor) -> Button | None:
    """For the profile card: only an organisation's admin may share an invite."""
    if actor.kind == ActorKind.INDIVIDUAL or not actor.invite_code:
        return None
    if not q.is_admin(turn.db, stored_id(actor.id), stored_id(turn.person.id)):
        return None
    return Button(
        label=turn.t("profiles.b_share_invite"), data=pack(ShareInvite(stored_id(actor.id)))
    )


@router.action(ShareInvite)
def share_invite(turn: Turn, act: ShareInvite) -> None:
    actor = turn.db.get(Actor, act.actor_id)
    if actor is None or actor.kind == ActorKind.INDIVIDUAL:
        return turn.say_text("common.not_found")
    if not q.is_admin(turn.db, stored_id(actor.id), stored_id(turn.person.id)):
        return turn.say_text("profiles.not_yours")
    if not actor.invite_code:  # archived: its code was withdrawn, nobody joins an unmanaged group
        return turn.say_text("profiles.invite_unavailable", name=actor.name)
    exp, sig = token(_claim(actor), secret=turn.config.secret_key, now=turn.now, ttl=INVITE_TTL)
    until = turn.local(datetime.fromtimestamp(exp, UTC)).strftime("%Y/%m/%d")
    turn.audit("actor.invite", "actor", actor.id)
    turn.say_text("profiles.invite_how", name=actor.name)
    turn.say(
        Card(
            title=turn.t("profiles.invite_title", name=actor.name),
            body=turn.t("profiles.invite_body", who=turn.person.display_name, until=until),
            buttons=(
                Button(
                    label=turn.t("profiles.b_join_invite"),
                    data=pack(JoinByInvite(stored_id(actor.id), exp, sig)),
                    style="primary",
                ),
            ),
        )
    )


@router.action(JoinByInvite)
def join_by_invite(turn: Turn, act: JoinByInvite) -> None:
    if act.exp < turn.now.timestamp():
        return turn.say_text("profiles.invite_expired")
    actor = turn.db.get(Actor, act.actor_id)
    config = turn.config
    if (
        actor is None
        or actor.kind == ActorKind.INDIVIDUAL
        or not actor.invite_code
        or not verify(
            _claim(actor),
            act.exp,
            act.sig,
            secret=config.secret_key,
            now=turn.now,
            previous=config.secret_key_previous,
        )
    ):
        turn.audit("actor.invite_refused", "actor", act.actor_id)
        return turn.say_text("profiles.invite_invalid")
    if q.is_member(turn.db, stored_id(actor.id), stored_id(turn.person.id)):
        return turn.say_text("profiles.already_member", name=actor.name)
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
    except IntegrityError:  # a double tap racing itself
        return turn.say_text("profiles.already_member", name=actor.name)
    turn.audit("actor.join", "actor", actor.id, via="invite")
    from handlers.organisations import welcomed  # organisations → profiles → this module

    welcomed(turn, actor)
    from handlers.profiles import profile  # profiles shows this module's share button

    profile(turn, Profile(stored_id(actor.id)))
