"""The residents' post dialog, declared once: step questions on a chat channel, then a draft
card where any answer can be changed.

Answers are kept in the dialog state; nothing is written before 「投稿する」. The end date is
asked only after a start, and 「投稿者」 only for someone who belongs to an organisation. Staff on
a channel with forms get the staff form (``initiative_posting.STAFF_POST``) instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.core.replies import Button, Card, Choices, Reply
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from bot.core.wizard_fields import ChoiceField, DateTimeField, Field
from handlers.common import menu_choices
from handlers.initiative_access import DIALOG_TTL, own_actor, postable_actors
from handlers.initiative_posting import STAFF_POST, create_initiative
from handlers.initiative_views import date_text, initiative_card, labels
from handlers.privacy import consent_first
from handlers.staff_post_form import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    areas,
    categories,
    strengths,
)
from handlers.text_fields import PeopleCount, PostedText
from storage.models import Actor

router = Router()


def _actors(turn: Turn) -> Sequence[tuple[str, str]]:
    return [(str(actor.id), actor.name) for actor in postable_actors(turn)]


POST_FIELDS: tuple[Field, ...] = (
    PostedText(
        name="title",
        label="initiatives.f_title",
        ask="initiatives.ask_title",
        max_length=TITLE_MAX,
        change="initiatives.edit_title",
    ),
    PostedText(
        name="description",
        label="initiatives.f_description",
        ask="initiatives.ask_desc",
        max_length=DESCRIPTION_MAX,
        multiline=True,
        change="initiatives.edit_desc",
    ),
    ChoiceField(
        name="category",
        label="initiatives.f_category",
        ask="initiatives.ask_category",
        options=categories,
        error="initiatives.use_buttons",
        change="initiatives.edit_category",
    ),
    ChoiceField(
        name="area",
        label="initiatives.f_area",
        ask="initiatives.ask_area",
        options=areas,
        optional=True,
        skip="initiatives.any_area",  # 「区内全域」: no one area
        error="initiatives.use_buttons",
        change="initiatives.edit_area",
    ),
    ChoiceField(
        name="help",
        label="initiatives.f_help",
        ask="initiatives.ask_help",
        options=strengths,
        multiple=True,
        optional=True,  # 「決定」 with nothing tapped: no help wanted
        skip=None,
        error="initiatives.use_buttons",
        change="initiatives.edit_help",
    ),
    DateTimeField(
        name="starts",
        label="initiatives.f_date",
        ask="initiatives.ask_date",
        optional=True,
        skip="common.skip",
        pick="initiatives.pick_date",
        error="initiatives.bad_date",
        error_past="initiatives.past_date",
        change="initiatives.edit_date",
    ),
    DateTimeField(
        name="ends",
        label="initiatives.f_date",
        ask="initiatives.ask_end",
        optional=True,
        skip="common.skip",
        pick="initiatives.pick_date",
        after="starts",
        future=False,  # after a start in the future
        error="initiatives.bad_date",
        error_order="initiatives.end_before_start",
        when=lambda _turn, answers: answers.get("starts") is not None,
        changeable=False,  # 「日時をなおす」 asks the start, then the end again
    ),
    PeopleCount(
        name="capacity",
        label="initiatives.f_capacity",
        ask="initiatives.ask_capacity",
        minimum=1,
        maximum=CAPACITY_MAX,
        optional=True,
        skip="initiatives.no_capacity",
        error="initiatives.bad_capacity",
        change="initiatives.edit_capacity",
    ),
    ChoiceField(
        name="actor",
        label="initiatives.f_actor",
        ask="initiatives.ask_as",
        options=_actors,
        optional=True,  # not asked: the person's own profile
        skip=None,
        error="common.not_allowed",  # e.g. a membership that ended since
        when=lambda turn, _answers: len(postable_actors(turn)) > 1,
        change="initiatives.edit_as",
    ),
)


@dataclass(frozen=True)
class PostDraft:
    title: str
    description: str
    category: str
    area: str | None
    help: list[str] | None
    starts: datetime | None
    ends: datetime | None
    capacity: int | None
    actor: str | None


def _draft_card(turn: Turn, answers: Mapping[str, Any], submit: Button) -> Card:
    t, ward = turn.t, turn.ward
    lang = t.language
    actor = turn.db.get(Actor, int(answers.get("actor") or own_actor(turn).id or 0))
    capacity = answers.get("capacity")
    return Card(
        title=answers.get("title") or "",
        body=answers.get("description") or "",
        fields=(
            (t("initiatives.f_actor"), actor.name if actor else ""),
            (t("initiatives.f_category"), ward.categories.label(answers.get("category"), lang)),
            (
                t("initiatives.f_area"),
                ward.areas.label(answers.get("area"), lang) or t("initiatives.any_area"),
            ),
            (
                t("initiatives.f_date"),
                date_text(t, ward, answers.get("starts"), answers.get("ends")),
            ),
            (t("initiatives.f_help"), labels(ward.strengths, answers.get("help"), lang) or "-"),
            (
                t("initiatives.f_capacity"),
                str(capacity) if capacity else t("initiatives.no_capacity"),
            ),
        ),
        buttons=(submit,),
        badge=t("initiatives.draft"),
    )


def _confirmation(
    turn: Turn, answers: Mapping[str, Any], edits: tuple[Button, ...], submit: Button, _stop: Button
) -> Sequence[Reply]:
    """The draft as it will look, then 「この内容で 投稿しますか？」 with a button per answer."""
    return (
        _draft_card(turn, answers, submit),
        Choices(text=turn.t("initiatives.confirm"), buttons=(*edits, submit)),
    )


def posted(turn: Turn, draft: PostDraft, _context: str) -> None:
    fields: dict[str, Any] = {
        "actor_id": int(draft.actor) if draft.actor else own_actor(turn).id,
        "title": draft.title,
        "description": draft.description,
        "category": draft.category,
        "area": draft.area,
        "help": [c for c in turn.ward.strengths.codes if c in (draft.help or [])],
        "starts": draft.starts.isoformat() if draft.starts else None,
        "ends": draft.ends.isoformat() if draft.ends else None,
        "capacity": draft.capacity,
    }
    ini = create_initiative(turn, fields)
    turn.say_text("initiatives.posted", title=ini.title)
    turn.say(initiative_card(turn, ini, detail=True))


POST = Wizard(
    gate=consent_first,  # the privacy notice before the first question
    flow="ipost",
    title="initiatives.form_title",
    fields=POST_FIELDS,
    draft=PostDraft,
    submit=posted,
    submit_label="initiatives.submit",
    forms=False,  # staff on a form channel get STAFF_POST
    intro="initiatives.post_intro",
    confirmation=_confirmation,
    typed_at_confirm="initiatives.use_buttons",
    stale_step="initiatives.stale_button",
    ended="initiatives.stale_dialog",
    after_ended=lambda turn: turn.say(menu_choices(turn)),
    ttl=DIALOG_TTL,
)
POST.register(router)


@router.command("post", keywords="initiatives.kw_post")
def start_post(turn: Turn, _args: str) -> None:
    if turn.person.is_staff and STAFF_POST.uses_form(turn):  # a form channel, by capability
        return STAFF_POST.start(turn)
    POST.start(turn)
