"""What staff fill in to post an initiative in one form (Slack, the simulator's staff pane).

Declared once: who posts (the ward or an organisation), a title (≤60) and description
(≤1,000) checked like residents' posts, a category, and optionally an area, the help wanted,
a start and a capacity (1–10,000). There are no step questions: on a chat channel staff post
with the residents' dialog. ``handlers.initiative_posting`` writes the initiative on submit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select

from bot.core.wizard_fields import ChoiceField, DateTimeField, Field, IntField
from handlers.text_fields import PostedText
from storage.models import Actor, ActorKind

if TYPE_CHECKING:
    from bot.core.turn import Turn

TITLE_MAX = 60
DESCRIPTION_MAX = 1000
CAPACITY_MAX = 10000
WARD = "ward"  # the actor value that means the ward itself


def posting_actors(turn: Turn) -> Sequence[tuple[str, str]]:
    """The ward, then every organisation (never a person) staff may post for."""
    orgs = turn.db.exec(
        select(Actor)
        .where(Actor.kind != ActorKind.INDIVIDUAL, Actor.kind != ActorKind.WARD)
        .order_by(col(Actor.id))
    ).all()
    return [(WARD, turn.ward.display_name(turn.language)), *((str(o.id), o.name) for o in orgs)]


def categories(turn: Turn) -> Sequence[tuple[str, str]]:
    return list(turn.ward.categories.options(turn.language))


def areas(turn: Turn) -> Sequence[tuple[str, str]]:
    return list(turn.ward.areas.options(turn.language))


def strengths(turn: Turn) -> Sequence[tuple[str, str]]:
    return list(turn.ward.strengths.options(turn.language))


STAFF_POST_FIELDS: tuple[Field, ...] = (
    ChoiceField(
        name="actor",
        label="initiatives.f_actor",
        ask="initiatives.f_actor",
        options=posting_actors,
        optional=True,  # left out: the ward
        initial=WARD,
        error="initiatives.choose_one",
        only="form",
    ),
    PostedText(
        name="title",
        label="initiatives.f_title",
        ask="initiatives.f_title",
        max_length=TITLE_MAX,
        only="form",
    ),
    PostedText(
        name="description",
        label="initiatives.f_description",
        ask="initiatives.f_description",
        max_length=DESCRIPTION_MAX,
        multiline=True,
        only="form",
    ),
    ChoiceField(
        name="category",
        label="initiatives.f_category",
        ask="initiatives.f_category",
        options=categories,
        error="initiatives.choose_one",
        only="form",
    ),
    ChoiceField(
        name="area",
        label="initiatives.f_area",
        ask="initiatives.f_area",
        options=areas,
        optional=True,
        error="initiatives.choose_one",
        only="form",
    ),
    ChoiceField(
        name="help",
        label="initiatives.f_help",
        ask="initiatives.f_help",
        options=strengths,
        multiple=True,
        optional=True,
        error="initiatives.choose_one",
        only="form",
    ),
    DateTimeField(
        name="starts",
        label="initiatives.f_date",
        ask="initiatives.f_date",
        optional=True,
        future=False,  # staff may record what already happened
        error="initiatives.bad_date",
        only="form",
    ),
    IntField(
        name="capacity",
        label="initiatives.f_capacity",
        ask="initiatives.f_capacity",
        minimum=1,
        maximum=CAPACITY_MAX,
        optional=True,
        error="initiatives.bad_capacity",
        only="form",
    ),
)


@dataclass(frozen=True)
class StaffPostDraft:
    actor: str | None
    title: str
    description: str
    category: str
    area: str | None
    help: list[str] | None
    starts: datetime | None
    capacity: int | None
