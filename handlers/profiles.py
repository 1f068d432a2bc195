"""Profiles (主体) and マイページ: a person's own page, a public profile, my initiatives and
participations, and who may edit a profile.

Only display names are ever shown; channel ids and real names never are. Edit rights are
checked on the server for every payload: a person edits their own profile, admins their
organisation's. Editing is ``handlers.profile_editing``; organisations and invite codes
``handlers.organisations``; follow settings ``handlers.follows``.
"""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import Button, Card, Carousel, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import initiative_actions as a
from handlers import outcome_numbers
from handlers.common import Menu, menu_choices
from handlers.follows import follow_summary
from handlers.initiative_views import initiative_card, kind_label, labels
from handlers.organisation_invites import share_button
from storage.db import stored_id
from storage.models import Actor, ActorKind
from storage.queries import initiatives as q
from storage.queries import profiles as pq

router = Router()


def _own(turn: Turn) -> Actor:
    from handlers.initiative_access import own_actor

    return own_actor(turn)


def can_edit(turn: Turn, actor: Actor) -> bool:
    if actor.kind == ActorKind.INDIVIDUAL:
        return actor.id == turn.person.actor_id
    return q.is_admin(turn.db, stored_id(actor.id), stored_id(turn.person.id))


def editable(turn: Turn, actor_id: int) -> Actor | None:
    actor = turn.db.get(Actor, actor_id)
    if actor is None:
        turn.say_text("common.not_found")
        return None
    if not can_edit(turn, actor):
        turn.say_text("profiles.not_yours")
        return None
    return actor


# ================================================================ マイページ


@router.command("me", keywords="profiles.kw_me")
def my_page(turn: Turn, _args: str) -> None:
    t = turn.t
    lang = t.language
    actor = _own(turn)
    orgs = q.memberships(turn.db, stored_id(turn.person.id))
    subs = pq.subscriptions(turn.db, turn.person.id)
    org_text = "、".join(
        f"{o.name}（{t('profiles.role_' + m.role) if m.role in ('admin', 'member') else m.role}）"
        for m, o in orgs
    )
    turn.say(
        Card(
            title=t("profiles.my_page", name=turn.person.display_name),
            body=actor.activity or t("profiles.no_activity"),
            fields=(
                (t("profiles.f_area"), turn.ward.areas.label(actor.area, lang) or "-"),
                (
                    t("profiles.f_interests"),
                    labels(turn.ward.categories, actor.interests, lang) or "-",
                ),
                (
                    t("profiles.f_strengths"),
                    labels(turn.ward.strengths, actor.strengths, lang) or "-",
                ),
                (t("profiles.f_orgs"), org_text or "-"),
                (t("profiles.f_follow"), follow_summary(turn, subs)),
                (t("profiles.f_language"), t("profiles.language_name")),
            ),
        )
    )
    turn.say(outcome_numbers.resident_card(turn))
    buttons = [
        Button(label=t("profiles.b_edit"), data=pack(a.EditProfile(stored_id(actor.id)))),
        Button(label=t("profiles.b_mine"), data=pack(a.MyInitiatives())),
        Button(label=t("profiles.b_participations"), data=pack(a.MyParticipations())),
        Button(label=t("profiles.b_follow"), data=pack(a.FollowSettings())),
        Button(label=t("profiles.b_language"), data=pack(Menu("language"))),
        Button(label=t("profiles.b_mydata"), data=pack(Menu("mydata"))),
        Button(label=t("profiles.b_join_org"), data=pack(a.JoinOrganisation())),
        Button(label=t("profiles.b_create_org"), data=pack(a.CreateOrganisation())),
    ]
    buttons += [Button(label=o.name[:20], data=pack(a.Profile(stored_id(o.id)))) for _, o in orgs][
        :6
    ]
    turn.say(Choices(text=t("profiles.my_page_menu"), buttons=tuple(buttons)))


# ================================================================ public profile


@router.action(a.Profile)
def profile(turn: Turn, act: a.Profile) -> None:
    actor = turn.db.get(Actor, act.actor_id)
    if actor is None:
        turn.say_text("common.not_found")
        return
    t = turn.t
    lang = t.language
    posted = pq.recent_posts(turn.db, actor.id)
    fields = [
        (t("profiles.f_kind"), kind_label(t, actor.kind)),
        (t("profiles.f_area"), turn.ward.areas.label(actor.area, lang) or "-"),
        (t("profiles.f_interests"), labels(turn.ward.categories, actor.interests, lang) or "-"),
        (t("profiles.f_strengths"), labels(turn.ward.strengths, actor.strengths, lang) or "-"),
        (t("profiles.f_recent"), "、".join(i.title for i in posted) or "-"),
    ]
    buttons: list[Button] = [
        Button(label=i.title[:20], data=pack(a.Show(stored_id(i.id)))) for i in posted
    ]
    if actor.kind != ActorKind.INDIVIDUAL:
        members = len(q.actor_people(turn.db, actor))
        fields.append((t("profiles.f_members"), str(members)))
        if q.is_admin(turn.db, stored_id(actor.id), stored_id(turn.person.id)):
            fields.append((t("profiles.f_invite_code"), actor.invite_code or "-"))
    if can_edit(turn, actor):
        buttons.append(
            Button(label=t("profiles.b_edit"), data=pack(a.EditProfile(stored_id(actor.id))))
        )
    share = share_button(turn, actor)
    if share is not None:
        buttons.insert(0, share)  # the admin's main action on their organisation's card
    turn.say(
        Card(
            title=actor.name,
            body=actor.activity or t("profiles.no_activity"),
            fields=tuple(fields),
            buttons=tuple(buttons),
            badge=kind_label(t, actor.kind),
        )
    )


# ================================================================ my initiatives and participations


@router.action(a.MyInitiatives)
def my_initiatives(turn: Turn, _act: a.MyInitiatives) -> None:
    actor_ids = [
        m.actor_id
        for m, _ in q.memberships(turn.db, stored_id(turn.person.id))
        if m.role == "admin"
    ]
    rows = pq.posted_by(turn.db, turn.person.id, actor_ids)
    if not rows:
        turn.say(menu_choices(turn, "profiles.no_initiatives"))
        return
    turn.say(
        Carousel(
            alt_text=turn.t("profiles.b_mine"),
            cards=tuple(initiative_card(turn, ini) for ini in rows),
        )
    )


@router.action(a.MyParticipations)
def my_participations(turn: Turn, _act: a.MyParticipations) -> None:
    ids = pq.participating_ids(turn.db, turn.person.id)
    rows = [i for i in q.by_ids(turn.db, list(ids)) if not i.hidden]
    if not rows:
        turn.say(menu_choices(turn, "profiles.no_participations"))
        return
    rows.sort(key=lambda i: -(i.id or 0))
    turn.say(
        Carousel(
            alt_text=turn.t("profiles.b_participations"),
            cards=tuple(initiative_card(turn, ini) for ini in rows),
        )
    )
