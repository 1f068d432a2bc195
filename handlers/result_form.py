"""What the results report asks when an initiative is marked 完了, declared once.

Three answers, asked one at a time on every channel (as before): what was done (≤1,000
characters), how many took part (0–1,000,000; 「１２人」 is read as 12) and a reflection.
``handlers.initiatives`` runs it and writes the results with the status change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.wizard_fields import Field, IntField, Invalid, TextField
from handlers.initiative_views import has_words, sanitize

if TYPE_CHECKING:
    from bot.core.turn import Turn

RESULT_MAX = 1000
COUNT_MAX = 1_000_000


def parse_number(text: str) -> int | None:
    """「１２人」「12 people」「1,000」 -> int; anything else (or no digits) -> None."""
    value = unicodedata.normalize("NFKC", sanitize(text)).replace(",", "")
    match = re.fullmatch(r"(\d{1,7})\s*[^\d\s]{0,8}", value)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, kw_only=True)
class PostedText(TextField):
    """Text others will read: control characters removed, not emoji alone, a length limit."""

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> Any:
        value = sanitize(str(raw or ""), multiline=self.multiline)
        if not value:
            if self.optional:
                return None
            raise Invalid("common.empty")
        if not has_words(value):
            raise Invalid("initiatives.emoji_only")
        if len(value) > self.max_length:
            raise Invalid("common.too_long", limit=self.max_length, length=len(value))
        return value

    def refuse(self) -> Invalid:
        return Invalid("common.too_long", limit=self.max_length, length=self.max_length + 1)


@dataclass(frozen=True, kw_only=True)
class PeopleCount(IntField):
    """A number of people, typed as 「１２人」 or '12'."""

    def coerce(self, raw: Any) -> Any:
        number = parse_number(str(raw))
        return -1 if number is None else number  # -1 is refused by the range check


RESULT_FIELDS: tuple[Field, ...] = (
    PostedText(
        name="summary",
        label="initiatives.f_result_summary",
        ask="initiatives.ask_result_summary",
        max_length=RESULT_MAX,
        multiline=True,
    ),
    PeopleCount(
        name="count",
        label="initiatives.f_result_count",
        ask="initiatives.ask_result_count",
        minimum=0,
        maximum=COUNT_MAX,
        error="initiatives.bad_count",
    ),
    PostedText(
        name="reflection",
        label="initiatives.f_result_reflection",
        ask="initiatives.ask_result_reflection",
        max_length=RESULT_MAX,
        multiline=True,
    ),
)


@dataclass(frozen=True)
class ResultDraft:
    summary: str
    count: int
    reflection: str
