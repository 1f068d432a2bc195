"""What 中止 of an initiative asks, declared once: a reason and, in a form, a confirmation.

中止 cannot be undone, and participants are told why, so the reason is required. In a Slack
modal a required 「元に戻せません」 choice is the confirmation; in chat steps the wizard's own
confirmation card is.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.turn import Turn
from bot.core.wizard_fields import ChoiceField, Field
from handlers.text_fields import PostedText

REASON_MAX = 300
SURE = "yes"


def sure_options(turn: Turn) -> list[tuple[str, str]]:
    return [(SURE, turn.t("staff.cancel_sure"))]


CANCEL_FIELDS: tuple[Field, ...] = (
    PostedText(
        name="reason",
        label="staff.f_cancel_reason",
        ask="staff.ask_cancel_reason",
        max_length=REASON_MAX,
        multiline=True,
    ),
    ChoiceField(
        name="sure",
        label="staff.f_cancel_sure",
        ask="staff.f_cancel_sure",
        options=sure_options,
        error="staff.cancel_not_confirmed",
        only="form",
    ),
)


@dataclass(frozen=True)
class CancelDraft:
    reason: str
    sure: str | None = None
