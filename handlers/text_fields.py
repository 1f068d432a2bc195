"""Field kinds for what residents write for others to read, shared by the declared dialogs.

``PostedText`` is sanitised (control characters removed), must contain a letter or digit (not
emoji alone) and has a length limit, with the messages the dialogs have always used;
``PeopleCount`` reads 「１２人」 as 12.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.wizard_fields import IntField, Invalid, TextField
from handlers.initiative_views import has_words, sanitize

if TYPE_CHECKING:
    from bot.core.turn import Turn


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
