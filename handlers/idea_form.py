"""What submitting an idea asks, declared once: the idea (≤1000), an optional why/how
(≤1000, 「とばす」), and whether other residents see the author's name.

The texts are only trimmed (as they always were: no emoji rule); the name button shows the
person's own display name. ``handlers.idea_submission`` writes the idea at 「送る」.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.wizard_fields import ChoiceField, Field, Invalid, TextField
from handlers.idea_views import short

if TYPE_CHECKING:
    from bot.core.turn import Turn

BODY_LIMIT = 1000
REASON_LIMIT = 1000
NAMED, ANONYMOUS = "name", "anonymous"


@dataclass(frozen=True, kw_only=True)
class IdeaText(TextField):
    """Trimmed text with the messages the idea dialog has always said."""

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> Any:
        text = str(raw or "").strip()
        if not text:
            if self.optional:
                return None
            raise Invalid("common.empty")
        if len(text) > self.max_length:
            raise Invalid("common.too_long", limit=self.max_length, length=len(text))
        return text

    def refuse(self) -> Invalid:
        return Invalid("common.too_long", limit=self.max_length, length=self.max_length + 1)


def shown_as(turn: Turn) -> Sequence[tuple[str, str]]:
    return [
        (NAMED, turn.t("ideas.show_name", name=short(turn.person.display_name, 12))),
        (ANONYMOUS, turn.t("ideas.show_anonymous")),
    ]


IDEA_FIELDS: tuple[Field, ...] = (
    IdeaText(
        name="body",
        label="ideas.field_your_idea",
        ask="ideas.ask_body",
        max_length=BODY_LIMIT,
        multiline=True,
        change="ideas.button_change_body",
    ),
    IdeaText(
        name="reason",
        label="ideas.field_reason",
        ask="ideas.ask_reason",
        max_length=REASON_LIMIT,
        multiline=True,
        optional=True,
        skip="common.skip",
        change="ideas.button_change_reason",
    ),
    ChoiceField(
        name="show",
        label="ideas.field_shown_as",
        ask="ideas.ask_show",
        options=shown_as,
        error="ideas.use_buttons",
        change="ideas.button_change_show",
    ),
)


@dataclass(frozen=True)
class IdeaDraft:
    body: str
    reason: str | None
    show: str

    @property
    def anonymous(self) -> bool:
        return self.show == ANONYMOUS
