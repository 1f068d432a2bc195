"""Editing a profile one field at a time: name and activity as typed text, area as one
button, interests and strengths as toggled buttons with 「決定」.

Each field is its own declared one-question dialog (``PROFILE_EDITS``), asked as steps on
every channel and saved as soon as it is answered; the wizard's tokens answer a button from an
older question as stale, and the owner's or an admin's right is re-checked when it is saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from bot.core.wizard_fields import ChoiceField, Field
from bot.ward import Vocabulary
from handlers import initiative_actions as a
from handlers.common import Menu
from handlers.profiles import editable
from handlers.text_fields import PostedText
from storage.db import stored_id
from storage.models import ActorKind

router = Router()

NAME_MAX = 40
ACTIVITY_MAX = 1000
FIELDS = ("name", "area", "activity", "interests", "strengths")
CHOSEN = ("interests", "strengths")  # several of a list, ticked as they are now


def _vocab(turn: Turn, field: str) -> Vocabulary:
    return {
        "interests": turn.ward.categories,
        "strengths": turn.ward.strengths,
        "area": turn.ward.areas,
    }[field]


def _options(field: str):
    def options(turn: Turn) -> Sequence[tuple[str, str]]:
        return _vocab(turn, field).options(turn.language)

    return options


PROFILE_FIELDS: dict[str, Field] = {
    "name": PostedText(
        name="name", label="profiles.edit_name", ask="profiles.ask_name", max_length=NAME_MAX
    ),
    "area": ChoiceField(
        name="area",
        label="profiles.edit_area",
        ask="profiles.ask_area",
        options=_options("area"),
        error="initiatives.use_buttons",
    ),
    "activity": PostedText(
        name="activity",
        label="profiles.edit_activity",
        ask="profiles.ask_activity",
        max_length=ACTIVITY_MAX,
        multiline=True,
    ),
    **{
        f: ChoiceField(
            name=f,
            label=f"profiles.edit_{f}",
            ask=f"profiles.ask_{f}",
            options=_options(f),
            multiple=True,
            optional=True,  # 「決定」 with nothing ticked clears them
            skip=None,
            error="initiatives.use_buttons",
        )
        for f in CHOSEN
    },
}


@dataclass(frozen=True)
class ProfileEdit:
    """One answer: only the field being edited is set."""

    name: str | None = None
    area: str | None = None
    activity: str | None = None
    interests: list[str] | None = None
    strengths: list[str] | None = None


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
    initial = {act.field: list(getattr(actor, act.field) or [])} if act.field in CHOSEN else {}
    PROFILE_EDITS[act.field].start(turn, f"{actor.id}:{act.field}", initial)


def saved(turn: Turn, draft: ProfileEdit, context: str) -> None:
    """Write the one answered field (rights re-checked), then offer the next field."""
    actor_id, _, field = context.partition(":")
    actor = editable(turn, int(actor_id))
    if actor is None:
        return
    value = getattr(draft, field)
    if field in CHOSEN:  # kept in the ward's order, whatever order they were tapped in
        value = [code for code in _vocab(turn, field).codes if code in (value or [])]
    setattr(actor, field, value)
    if field == "name" and actor.kind == ActorKind.INDIVIDUAL:
        turn.person.display_name = value
        turn.db.add(turn.person)
    turn.db.add(actor)
    turn.audit("profile.edit", "actor", actor.id, field=field)
    turn.say_text("profiles.saved")
    edit_profile(turn, a.EditProfile(stored_id(actor.id)))


def _declare(field: Field) -> Wizard[Any]:
    wizard: Wizard[Any] = Wizard(
        flow=f"pedit_{field.name}",
        title=field.label,
        fields=(field,),
        draft=ProfileEdit,
        submit=saved,
        confirm=False,  # saved as soon as it is answered, as before
        forms=False,
    )
    wizard.register(router)
    return wizard


PROFILE_EDITS: dict[str, Wizard[Any]] = {f: _declare(PROFILE_FIELDS[f]) for f in FIELDS}
