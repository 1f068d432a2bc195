"""What the results report asks when an initiative is marked 完了, declared once.

Three answers, asked one at a time on every channel (as before): what was done (≤1,000
characters), how many took part (0–1,000,000; 「１２人」 is read as 12) and a reflection.
``handlers.initiative_lifecycle`` runs it and writes the results with the status change.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.wizard_fields import Field
from handlers.text_fields import PeopleCount, PostedText

RESULT_MAX = 1000
COUNT_MAX = 1_000_000


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
