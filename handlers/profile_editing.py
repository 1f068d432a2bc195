"""Editing a profile one field at a time: name and activity as typed text, area as one
button, interests and strengths as toggled buttons with 「決定」.

Buttons carry the dialog's token and step, so a button from an older question is answered
as stale instead of changing anything; rights are re-checked when the answer is saved.
"""

from __future__ import annotations

import secrets
from functools import partial

from bot.core.actions import pack
from bot.core.replies import Button, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import initiative_actions as a
from handlers.common import REASK, Menu
from handlers.initiative_views import clean, dialog_step, labels
from handlers.profiles import editable
from storage.db import stored_id
from storage.models import Actor, ActorKind

router = Router()

NAME_MAX = 40
ACTIVITY_MAX = 1000
DONE = "__done"
FIELDS = ("name", "area", "activity", "interests", "strengths")


# ================================================================ edit profile


@router.action(a.EditProfile)
def edit_profile(turn: Turn, act: a.EditProfile) -> None:
    actor = editable(turn, act.actor_id)
    if actor is None:
        return
    t = turn.t
    turn.say(
        Choices(
            text=t("profiles.ask_field", name=actor.name),
            buttons=(
                *tuple(
                    Button(
                        label=t(f"profiles.edit_{f}"),
                        data=pack(a.EditField(stored_id(actor.id), f)),
                    )
                    for f in FIELDS
                ),
                Button(label=t("profiles.b_done"), data=pack(Menu("me"))),
            ),
        )
    )


@router.action(a.EditField)
def edit_field(turn: Turn, act: a.EditField) -> None:
    actor = editable(turn, act.actor_id)
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
    REASK[f"pedit.{_f}"] = partial(ask_field, field=_f)


def _saved(turn: Turn, actor: Actor, field: str) -> None:
    actor_id = actor.id
    turn.db.add(actor)
    turn.audit("profile.edit", "actor", actor_id, field=field)
    turn.dialog.clear()
    turn.say_text("profiles.saved")
    edit_profile(turn, a.EditProfile(stored_id(actor_id)))


def _dialog_actor(turn: Turn) -> Actor | None:
    actor = editable(turn, int(turn.dialog.data.get("actor_id", 0)))
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
    REASK[turn.dialog.step or ""](turn)


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
