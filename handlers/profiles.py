"""Profiles (主体) and マイページ: a person's own profile, organisations with members and admins,
invite codes, my initiatives and participations, and follow settings (digest or immediate).

Only display names are ever shown; channel ids and real names never are. Edit rights are
checked on the server for every payload: a person edits their own profile, admins their
organisation's.
"""

from __future__ import annotations

import secrets
import unicodedata

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.core.actions import pack
from bot.core.replies import Button, Card, Carousel, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers import outcome_numbers
from handlers.common import REASK, Menu, menu_choices
from handlers.initiative_views import (
    clean,
    dialog_step,
    initiative_card,
    kind_label,
    labels,
    sanitize,
)
from handlers.organisation_form import ORGANISATION_FIELDS, OrganisationDraft
from storage.models import (
    Actor,
    ActorKind,
    Initiative,
    Membership,
    Participation,
    Person,
    Subscription,
)
from storage.queries import initiatives as q

router = Router()

NAME_MAX = 40
ACTIVITY_MAX = 1000
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_TRIES = 5
DONE = "__done"
FIELDS = ("name", "area", "activity", "interests", "strengths")


def new_invite_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _own(turn: Turn) -> Actor:
    from handlers.initiatives import own_actor

    return own_actor(turn)


def can_edit(turn: Turn, actor: Actor) -> bool:
    if actor.kind == ActorKind.INDIVIDUAL:
        return actor.id == turn.person.actor_id
    return q.is_admin(turn.db, actor.id, turn.person.id)


def _editable(turn: Turn, actor_id: int) -> Actor | None:
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
    orgs = q.memberships(turn.db, turn.person.id)
    subs = turn.db.exec(select(Subscription).where(Subscription.person_id == turn.person.id)).all()
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
                (t("profiles.f_follow"), _follow_summary(turn, subs)),
                (t("profiles.f_language"), t("profiles.language_name")),
            ),
        )
    )
    turn.say(outcome_numbers.resident_card(turn))
    buttons = [
        Button(label=t("profiles.b_edit"), data=pack(a.EditProfile(actor.id))),
        Button(label=t("profiles.b_mine"), data=pack(a.MyInitiatives())),
        Button(label=t("profiles.b_participations"), data=pack(a.MyParticipations())),
        Button(label=t("profiles.b_follow"), data=pack(a.FollowSettings())),
        Button(label=t("profiles.b_language"), data=pack(Menu("language"))),
        Button(label=t("profiles.b_join_org"), data=pack(a.JoinOrganisation())),
        Button(label=t("profiles.b_create_org"), data=pack(a.CreateOrganisation())),
    ]
    buttons += [Button(label=o.name[:20], data=pack(a.Profile(o.id))) for _, o in orgs][:6]
    turn.say(Choices(text=t("profiles.my_page_menu"), buttons=tuple(buttons)))


def _follow_summary(turn: Turn, subs) -> str:
    t = turn.t
    if not subs:
        return t("profiles.follow_none")
    lang = t.language
    names = [
        (turn.ward.categories if s.topic == "category" else turn.ward.areas).label(s.value, lang)
        for s in subs
    ]
    mode = subs[0].mode
    return "、".join(names) + " / " + t(f"profiles.mode_{mode}")


# ================================================================ public profile


@router.action(a.Profile)
def profile(turn: Turn, act: a.Profile) -> None:
    actor = turn.db.get(Actor, act.actor_id)
    if actor is None:
        turn.say_text("common.not_found")
        return
    t = turn.t
    lang = t.language
    posted = turn.db.exec(
        select(Initiative)
        .where(
            Initiative.actor_id == actor.id,
            col(Initiative.hidden).is_(False),
            col(Initiative.status).not_in(q.HIDDEN_STATUSES),
        )
        .order_by(col(Initiative.id).desc())
        .limit(3)
    ).all()
    fields = [
        (t("profiles.f_kind"), kind_label(t, actor.kind)),
        (t("profiles.f_area"), turn.ward.areas.label(actor.area, lang) or "-"),
        (t("profiles.f_interests"), labels(turn.ward.categories, actor.interests, lang) or "-"),
        (t("profiles.f_strengths"), labels(turn.ward.strengths, actor.strengths, lang) or "-"),
        (t("profiles.f_recent"), "、".join(i.title for i in posted) or "-"),
    ]
    buttons: list[Button] = [Button(label=i.title[:20], data=pack(a.Show(i.id))) for i in posted]
    if actor.kind != ActorKind.INDIVIDUAL:
        members = len(q.actor_people(turn.db, actor))
        fields.append((t("profiles.f_members"), str(members)))
        if q.is_admin(turn.db, actor.id, turn.person.id):
            fields.append((t("profiles.f_invite_code"), actor.invite_code or "-"))
    if can_edit(turn, actor):
        buttons.append(Button(label=t("profiles.b_edit"), data=pack(a.EditProfile(actor.id))))
    turn.say(
        Card(
            title=actor.name,
            body=actor.activity or t("profiles.no_activity"),
            fields=tuple(fields),
            buttons=tuple(buttons),
            badge=kind_label(t, actor.kind),
        )
    )


# ================================================================ edit profile


@router.action(a.EditProfile)
def edit_profile(turn: Turn, act: a.EditProfile) -> None:
    actor = _editable(turn, act.actor_id)
    if actor is None:
        return
    t = turn.t
    turn.say(
        Choices(
            text=t("profiles.ask_field", name=actor.name),
            buttons=(
                *tuple(
                    Button(label=t(f"profiles.edit_{f}"), data=pack(a.EditField(actor.id, f)))
                    for f in FIELDS
                ),
                Button(label=t("profiles.b_done"), data=pack(Menu("me"))),
            ),
        )
    )


@router.action(a.EditField)
def edit_field(turn: Turn, act: a.EditField) -> None:
    actor = _editable(turn, act.actor_id)
    if actor is None:
        return
    if act.field not in FIELDS:
        turn.say_text("initiatives.stale_button")
        return
    turn.dialog.enter("pedit", f"pedit.{act.field}")
    turn.dialog.data = {
        "actor_id": actor.id,
        "token": secrets.token_hex(4),
        "chosen": list(getattr(actor, act.field) or [])
        if act.field in ("interests", "strengths")
        else [],
    }
    ask_field(turn, act.field)


def _vocab(turn: Turn, field: str):
    return {
        "interests": turn.ward.categories,
        "strengths": turn.ward.strengths,
        "area": turn.ward.areas,
    }[field]


def ask_field(turn: Turn, field: str) -> None:
    t = turn.t
    d = turn.dialog.data
    token = d.get("token", "")
    turn.dialog.goto(f"pedit.{field}")
    if field == "name":
        turn.say_text("profiles.ask_name", limit=NAME_MAX)
    elif field == "activity":
        turn.say_text("profiles.ask_activity", limit=ACTIVITY_MAX)
    elif field == "area":
        turn.say(
            Choices(
                text=t("profiles.ask_area"),
                buttons=tuple(
                    Button(label=label, data=pack(a.ProfilePick("area", code, token)))
                    for code, label in turn.ward.areas.options(t.language)
                ),
            )
        )
    else:
        chosen = set(d.get("chosen") or [])
        vocab = _vocab(turn, field)
        buttons = (
            *tuple(
                Button(
                    label=("✓ " if code in chosen else "") + label,
                    data=pack(a.ProfilePick(field, code, token)),
                )
                for code, label in vocab.options(t.language)
            ),
            Button(
                label=t("initiatives.decide"),
                data=pack(a.ProfilePick(field, DONE, token)),
                style="primary",
            ),
        )
        turn.say(
            Choices(
                text=t(
                    f"profiles.ask_{field}",
                    chosen=labels(vocab, d.get("chosen"), t.language) or t("initiatives.none"),
                ),
                buttons=buttons,
            )
        )


for _f in FIELDS:
    REASK[f"pedit.{_f}"] = lambda turn, _f=_f: ask_field(turn, _f)


def _saved(turn: Turn, actor: Actor, field: str) -> None:
    actor_id = actor.id
    turn.db.add(actor)
    turn.audit("profile.edit", "actor", actor_id, field=field)
    turn.dialog.clear()
    turn.say_text("profiles.saved")
    edit_profile(turn, a.EditProfile(actor_id))


def _dialog_actor(turn: Turn) -> Actor | None:
    actor = _editable(turn, int(turn.dialog.data.get("actor_id", 0)))
    if actor is None:
        turn.dialog.clear()
    return actor


@dialog_step(router, "pedit.name")
def answer_name(turn: Turn, text: str) -> None:
    value = clean(turn, text, NAME_MAX)
    if value is None:
        return
    actor = _dialog_actor(turn)
    if actor is None:
        return
    actor.name = value
    if actor.kind == ActorKind.INDIVIDUAL:
        turn.person.display_name = value
        turn.db.add(turn.person)
    _saved(turn, actor, "name")


@dialog_step(router, "pedit.activity")
def answer_activity(turn: Turn, text: str) -> None:
    value = clean(turn, text, ACTIVITY_MAX, multiline=True)
    if value is None:
        return
    actor = _dialog_actor(turn)
    if actor is None:
        return
    actor.activity = value
    _saved(turn, actor, "activity")


def _buttons_please(turn: Turn, _text: str) -> None:
    turn.say_text("initiatives.use_buttons")
    REASK[turn.dialog.step](turn)


for _f in ("area", "interests", "strengths"):
    dialog_step(router, f"pedit.{_f}")(_buttons_please)


@router.action(a.ProfilePick)
def profile_pick(turn: Turn, act: a.ProfilePick) -> None:
    d = turn.dialog.data
    if (
        turn.dialog.flow != "pedit"
        or d.get("token") != act.token
        or turn.dialog.step != f"pedit.{act.op}"
    ):
        turn.say_text("initiatives.stale_button")
        reask = REASK.get(turn.dialog.step or "")
        if reask is not None:
            reask(turn)
        return
    vocab = _vocab(turn, act.op) if act.op in ("area", "interests", "strengths") else None
    if vocab is None or (act.value != DONE and act.value not in vocab):
        turn.say_text("initiatives.stale_button")
        return
    if act.op == "area":
        actor = _dialog_actor(turn)
        if actor is None:
            return
        actor.area = act.value
        return _saved(turn, actor, "area")
    if act.value != DONE:
        chosen = list(d.get("chosen") or [])
        chosen.remove(act.value) if act.value in chosen else chosen.append(act.value)
        d["chosen"] = [c for c in vocab.codes if c in chosen]
        return ask_field(turn, act.op)
    actor = _dialog_actor(turn)
    if actor is None:
        return
    setattr(actor, act.op, list(d.get("chosen") or []))
    _saved(turn, actor, act.op)


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
        Membership(actor_id=actor.id, person_id=turn.person.id, role="admin", created_at=turn.now)
    )
    turn.audit("actor.create", "actor", actor.id, kind=draft.kind)
    turn.say_text("profiles.org_created", name=actor.name, code=actor.invite_code)
    profile(turn, a.Profile(actor.id))


CREATE_ORGANISATION = Wizard(
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
        if turn.db.exec(select(Actor.id).where(Actor.invite_code == code)).first() is None:
            return code


@router.action(a.JoinOrganisation)
def join_organisation(turn: Turn, _act: a.JoinOrganisation) -> None:
    turn.dialog.enter("pjoin", "pjoin.code")
    turn.dialog.data = {"tries": 0}
    ask_code(turn)


def ask_code(turn: Turn) -> None:
    turn.say_text("profiles.ask_code")


REASK["pjoin.code"] = ask_code


@dialog_step(router, "pjoin.code")
def answer_code(turn: Turn, text: str) -> None:
    code = unicodedata.normalize("NFKC", sanitize(text)).upper().replace(" ", "").replace("-", "")
    actor = (
        turn.db.exec(select(Actor).where(Actor.invite_code == code)).first()
        if 4 <= len(code) <= 16
        else None
    )
    if actor is None or actor.kind == ActorKind.INDIVIDUAL:
        tries = int(turn.dialog.data.get("tries", 0)) + 1
        turn.dialog.data["tries"] = tries
        if tries >= CODE_TRIES:  # slow down guessing: start again later
            turn.dialog.clear()
            turn.say_text("profiles.code_too_many")
            return
        turn.say_text("profiles.code_wrong")
        return
    turn.dialog.clear()
    if q.is_member(turn.db, actor.id, turn.person.id):
        turn.say_text("profiles.already_member", name=actor.name)
        return
    try:
        with turn.db.begin_nested():
            turn.db.add(
                Membership(
                    actor_id=actor.id, person_id=turn.person.id, role="member", created_at=turn.now
                )
            )
    except IntegrityError:
        turn.say_text("profiles.already_member", name=actor.name)
        return
    turn.audit("actor.join", "actor", actor.id)
    admins = turn.db.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == Person.id)
        .where(Membership.actor_id == actor.id, Membership.role == "admin")
    ).all()
    for admin in admins:
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


# ================================================================ my initiatives and participations


@router.action(a.MyInitiatives)
def my_initiatives(turn: Turn, _act: a.MyInitiatives) -> None:
    actor_ids = [m.actor_id for m, _ in q.memberships(turn.db, turn.person.id) if m.role == "admin"]
    cond = Initiative.poster_id == turn.person.id
    if actor_ids:
        cond = cond | col(Initiative.actor_id).in_(actor_ids)
    rows = turn.db.exec(
        select(Initiative).where(cond).order_by(col(Initiative.id).desc()).limit(10)
    ).all()
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
    ids = turn.db.exec(
        select(Participation.initiative_id)
        .where(Participation.person_id == turn.person.id, col(Participation.status).in_(q.ACTIVE))
        .order_by(col(Participation.id).desc())
        .limit(10)
    ).all()
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


# ================================================================ follow settings


def _subs(turn: Turn) -> list[Subscription]:
    return list(
        turn.db.exec(select(Subscription).where(Subscription.person_id == turn.person.id)).all()
    )


@router.action(a.FollowSettings)
def follow_settings(turn: Turn, _act: a.FollowSettings) -> None:
    t = turn.t
    subs = _subs(turn)
    turn.say(
        Choices(
            text=t("profiles.follow_now", summary=_follow_summary(turn, subs)),
            buttons=(
                Button(label=t("profiles.b_follow_category"), data=pack(a.FollowPick("category"))),
                Button(label=t("profiles.b_follow_area"), data=pack(a.FollowPick("area"))),
                Button(label=t("profiles.mode_digest"), data=pack(a.FollowMode("digest"))),
                Button(label=t("profiles.mode_immediate"), data=pack(a.FollowMode("immediate"))),
            ),
        )
    )


def _topic_vocab(turn: Turn, topic: str):
    return {"category": turn.ward.categories, "area": turn.ward.areas}.get(topic)


@router.action(a.FollowPick)
def follow_pick(turn: Turn, act: a.FollowPick) -> None:
    vocab = _topic_vocab(turn, act.topic)
    if vocab is None:
        turn.say_text("initiatives.stale_button")
        return
    t = turn.t
    chosen = {s.value for s in _subs(turn) if s.topic == act.topic}
    buttons = (
        *tuple(
            Button(
                label=("✓ " if code in chosen else "") + label,
                data=pack(a.FollowToggle(act.topic, code)),
            )
            for code, label in vocab.options(t.language)
        ),
        Button(label=t("initiatives.decide"), data=pack(a.FollowSettings()), style="primary"),
    )
    turn.say(Choices(text=t(f"profiles.ask_follow_{act.topic}"), buttons=buttons))


@router.action(a.FollowToggle)
def follow_toggle(turn: Turn, act: a.FollowToggle) -> None:
    vocab = _topic_vocab(turn, act.topic)
    if vocab is None or act.value not in vocab:
        turn.say_text("initiatives.stale_button")
        return
    subs = _subs(turn)
    existing = next((s for s in subs if s.topic == act.topic and s.value == act.value), None)
    if existing is not None:
        turn.db.delete(existing)
    else:
        mode = subs[0].mode if subs else "digest"
        try:
            with turn.db.begin_nested():
                turn.db.add(
                    Subscription(
                        person_id=turn.person.id,
                        topic=act.topic,
                        value=act.value,
                        mode=mode,
                        created_at=turn.now,
                    )
                )
        except IntegrityError:
            pass
    turn.db.flush()
    follow_pick(turn, a.FollowPick(act.topic))


@router.action(a.FollowMode)
def follow_mode(turn: Turn, act: a.FollowMode) -> None:
    if act.mode not in ("digest", "immediate"):
        turn.say_text("initiatives.stale_button")
        return
    subs = _subs(turn)
    if not subs:
        turn.say_text("profiles.follow_first")
        return follow_settings(turn, a.FollowSettings())
    for s in subs:
        s.mode = act.mode
        turn.db.add(s)
    turn.say_text(f"profiles.mode_set_{act.mode}")
