"""What 協働評価 asks, declared once: seven 1–5 scores and an optional one-line comment.

Asked as quick replies 1–5 one at a time on LINE and the simulator, as one form (a Slack
modal) for staff. Publishing the summary asks which comments to show (several may be tapped).
Button payloads of the loop (prefix "ev") live here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.actions import action
from bot.core.wizard_fields import ChoiceField, Field, Invalid
from handlers.text_fields import PostedText
from storage.queries.evaluations import COMMENT_MAX, QUESTIONS, SCORES

if TYPE_CHECKING:
    from bot.core.turn import Turn


@action("evs")
class Evaluate:
    """「評価する」 in the ask (and the reminder): a claim re-checked against the partners."""

    initiative_id: int


@action("evc")
class Compare:
    """「みんなの評価を見る」: the person's own answer beside the group's median."""

    initiative_id: int


@action("evp")
class Publish:
    """「まとめを公開する」: the poster chooses the comments, then confirms."""

    initiative_id: int


def scores(_turn: Turn) -> Sequence[tuple[str, str]]:
    return [(str(n), str(n)) for n in SCORES]


@dataclass(frozen=True, kw_only=True)
class ScoreField(ChoiceField):
    """A 1–5 answer: tapped, typed (「４」 too) or chosen in the form; stored as an int."""

    options: Any = scores
    error: str = "evaluations.use_scores"

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> Any:
        return int(super().check(turn, value, answers))

    def coerce(self, raw: Any) -> Any:
        if isinstance(raw, int):
            return [str(raw)]
        return super().coerce(raw)

    def show(self, turn: Turn, value: Any) -> str:
        return "" if value is None else str(value)


class OneLine(PostedText):
    """A one-line comment: line breaks are refused rather than silently joined."""

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> Any:
        if isinstance(raw, str) and "\n" in raw.strip():
            raise Invalid("evaluations.one_line", limit=self.max_length)
        return super().parse(turn, raw, answers)


EVALUATION_FIELDS: tuple[Field, ...] = (
    *(
        ScoreField(name=q, label=f"evaluations.f_{q}", ask=f"evaluations.ask_{q}")
        for q in QUESTIONS
    ),
    OneLine(
        name="comment",
        label="evaluations.f_comment",
        ask="evaluations.ask_comment",
        max_length=COMMENT_MAX,
        optional=True,
    ),
)


@dataclass(frozen=True)
class EvaluationDraft:
    overall: int
    bigger: int
    equal: int
    purpose: int
    understanding: int
    autonomy: int
    openness: int
    comment: str | None = None

    def scores(self) -> dict[str, int]:
        return {q: getattr(self, q) for q in QUESTIONS}


@dataclass(frozen=True)
class PublishDraft:
    comments: list[str] | None = None
