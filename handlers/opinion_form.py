"""What the poster is asked to start an opinion request (意見募集), declared once.

A question (≤500 characters) and who is asked: the participants, or everyone who follows the
initiative's category or area. Asked one at a time on every channel (as before); the audience
question shows the question just typed. Answering a request is one text (≤1,000) under the
question asked. ``handlers.initiative_opinions`` sends the request on submit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.wizard_fields import ChoiceField, Field
from handlers.text_fields import PostedText

if TYPE_CHECKING:
    from bot.core.turn import Turn

QUESTION_MAX = 500
OPINION_MAX = 1000
AUDIENCES = ("participants", "everyone")


def audiences(turn: Turn) -> Sequence[tuple[str, str]]:
    return [(aud, turn.t(f"initiatives.audience_{aud}")) for aud in AUDIENCES]


OPINION_REQUEST_FIELDS: tuple[Field, ...] = (
    PostedText(
        name="question",
        label="initiatives.f_question",
        ask="initiatives.ask_question",
        max_length=QUESTION_MAX,
        multiline=True,
    ),
    ChoiceField(
        name="audience",
        label="initiatives.f_audience",
        ask="initiatives.ask_audience",
        options=audiences,
        error="initiatives.use_buttons",
    ),
)


OPINION_FIELDS: tuple[Field, ...] = (
    PostedText(
        name="opinion",
        label="initiatives.f_opinion",
        ask="initiatives.ask_opinion",
        max_length=OPINION_MAX,
        multiline=True,
    ),
)


@dataclass(frozen=True)
class OpinionRequestDraft:
    question: str
    audience: str


@dataclass(frozen=True)
class OpinionDraft:
    opinion: str
