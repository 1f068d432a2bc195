"""採用 → 取組にする, declared once: the initiative made from an adopted idea, prefilled from
the idea (title cut to the title limit, description, the call's category, area, help wanted)
and editable before it is published, with a required confirmation in the form.

The context is the idea id. The initiative credits the idea and its author (unless the idea
was anonymous); the author is told with a button to the new initiative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.turn import Turn
from bot.core.wizard_fields import ChoiceField, Field
from handlers.staff_post_form import DESCRIPTION_MAX, STAFF_POST_FIELDS, TITLE_MAX
from storage.models import Idea, IdeaCall

SURE = "yes"
KEPT = ("title", "description", "category", "area", "help")


def sure_options(turn: Turn) -> list[tuple[str, str]]:
    return [(SURE, turn.t("staff.adopt_sure"))]


ADOPT_FIELDS: tuple[Field, ...] = (
    *(f for f in STAFF_POST_FIELDS if f.name in KEPT),
    ChoiceField(
        name="sure",
        label="staff.f_adopt_sure",
        ask="staff.f_adopt_sure",
        options=sure_options,
        error="staff.adopt_not_confirmed",
        only="form",
    ),
)


@dataclass(frozen=True)
class AdoptDraft:
    title: str
    description: str
    category: str
    area: str | None
    help: list[str] | None
    sure: str | None = None


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    """The idea's first sentence or line, within the title limit ("…" when cut)."""
    first = " ".join(text.split())
    for stop in ("。", "\n", "！", "？"):
        head, found, _ = first.partition(stop)
        if found and head:
            first = head
            break
    return first if len(first) <= limit else first[: limit - 1] + "…"


def prefill(turn: Turn, idea: Idea, call: IdeaCall) -> dict[str, Any]:
    category = call.categories[0] if call.categories else turn.ward.categories.codes[0]
    return {
        "title": shorten(idea.body),
        "description": (idea.body + (f"\n{idea.reason}" if idea.reason else ""))[:DESCRIPTION_MAX],
        "category": category,
        "area": None,
        "help": [],
    }


def credit(turn: Turn, idea: Idea, call: IdeaCall, author_name: str | None) -> str:
    """The line that credits the idea (and its author, unless anonymous) on the initiative."""
    if idea.anonymous or not author_name:
        return turn.t("staff.adopt_credit_anonymous", id=idea.id, call=call.title)
    return turn.t("staff.adopt_credit", id=idea.id, call=call.title, name=author_name)
