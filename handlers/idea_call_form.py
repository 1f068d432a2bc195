"""The staff form for an idea call (アイデア募集), declared once: its fields, their rules and
messages (``CALL_FIELDS``), and the preview.

The form is one Slack/simulator modal (``handlers.idea_calls`` declares the wizard and its
submit); every field is checked at once, so nothing is written until every field is valid.
``MEETING_COMMANDS`` names the meetings command offered for an アイデアの会 from the form
(whichever is registered).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Card, Form, Text
from bot.core.turn import Turn
from bot.core.wizard_fields import ChoiceField, DateTimeField, Field, Invalid, TextField
from handlers.idea_actions import EditCall, PublishCall
from handlers.idea_views import call_fields
from storage.db import stored_id
from storage.models import IdeaCall
from storage.queries.ideas import DRAFT, OPEN

# The meetings helper owns アイデアの会; whichever of these commands it registers is offered.
MEETING_COMMANDS = ("new_meeting", "meeting_new", "meetings_new")


def meeting_command(turn: Turn) -> str | None:
    return next((name for name in MEETING_COMMANDS if name in turn.commands), None)


def form_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


def form_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def form_flag(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = form_text(value).lower()
    if text in ("yes", "true", "1", "on"):
        return True
    if text in ("no", "false", "0", "off"):
        return False
    return default


@dataclass(frozen=True, kw_only=True)
class CallText(TextField):
    """A required text of the call (trimmed; the form's own messages)."""

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> str:
        text = form_text(raw)
        if not text:
            raise Invalid("ideas.error_required")
        if len(text) > self.max_length:
            raise Invalid("common.too_long", limit=self.max_length, length=len(text))
        return text

    def refuse(self) -> Invalid:
        return Invalid("common.too_long", limit=self.max_length, length=self.max_length + 1)


@dataclass(frozen=True, kw_only=True)
class CallCategories(ChoiceField):
    """One or more of the ward's categories (duplicates dropped, the order kept)."""

    multiple: bool = True
    error: str = "ideas.error_categories"

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> list[str]:
        codes = list(dict.fromkeys(form_list(raw)))
        if not codes:
            raise self.refuse()
        if any(code not in dict(self.options(turn)) for code in codes):
            raise Invalid("ideas.error_unknown_category")
        return codes


@dataclass(frozen=True, kw_only=True)
class CallDeadline(DateTimeField):
    """The deadline: required, a date-time, in the future."""

    error: str = "ideas.error_datetime"
    error_past: str = "ideas.error_deadline_past"

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> datetime:
        text = form_text(raw)
        if not text:
            raise Invalid("ideas.error_required")
        return self.check(turn, text, answers)


@dataclass(frozen=True, kw_only=True)
class Flag(ChoiceField):
    """A yes/no select; anything unclear (or left out) is ``default``."""

    default: bool = False

    def parse(self, turn: Turn, raw: Any, answers: Mapping[str, Any]) -> bool:
        return form_flag(raw, self.default)


def _categories(turn: Turn) -> Sequence[tuple[str, str]]:
    return turn.ward.categories.options(turn.language)


def _public(turn: Turn) -> Sequence[tuple[str, str]]:
    return [("yes", turn.t("ideas.form_public_yes")), ("no", turn.t("ideas.form_public_no"))]


def _meeting(turn: Turn) -> Sequence[tuple[str, str]]:
    return [("no", turn.t("ideas.form_meeting_no")), ("yes", turn.t("ideas.form_meeting_yes"))]


CALL_FIELDS: tuple[Field, ...] = (
    CallText(
        name="title",
        label="ideas.form_title",
        ask="ideas.form_title",
        max_length=80,
        only="form",
    ),
    CallText(
        name="problem",
        label="ideas.form_problem",
        ask="ideas.form_problem",
        max_length=2000,
        multiline=True,
        hint="ideas.form_problem_hint",
        only="form",
    ),
    CallText(
        name="wanted",
        label="ideas.form_wanted",
        ask="ideas.form_wanted",
        max_length=1000,
        multiline=True,
        hint="ideas.form_wanted_hint",
        only="form",
    ),
    CallCategories(
        name="categories",
        label="ideas.form_categories",
        ask="ideas.form_categories",
        options=_categories,
        only="form",
    ),
    CallDeadline(
        name="deadline",
        label="ideas.form_deadline",
        ask="ideas.form_deadline",
        hint="ideas.form_deadline_hint",
        only="form",
    ),
    Flag(
        name="public",
        label="ideas.form_public",
        ask="ideas.form_public",
        options=_public,
        default=True,
        initial="yes",
        only="form",
    ),
    Flag(  # offered only while the call is a draft and a meetings command exists
        name="meeting",
        label="ideas.form_meeting",
        ask="ideas.form_meeting",
        options=_meeting,
        optional=True,
        initial="no",
        only="form",
    ),
)


@dataclass(frozen=True)
class CallDraft:
    title: str
    problem: str
    wanted: str
    categories: list[str]
    deadline: datetime
    public: bool
    meeting: bool


def form_values(call: IdeaCall | None) -> dict[str, Any]:
    """The form's initial values: the call as it is (a new call: the declared defaults)."""
    if call is None:
        return {}
    return {
        "title": call.title,
        "problem": call.problem,
        "wanted": call.wanted,
        "categories": list(call.categories),
        "deadline": call.deadline,
        "public": "yes" if call.public_ideas else "no",
    }


def shaped(turn: Turn, form: Form, call: IdeaCall | None) -> Form:
    """The declared form as this call needs it: its title, its button, the meeting choice."""
    t = turn.t
    offer = meeting_command(turn) is not None and (call is None or call.status == DRAFT)
    editing_open = call is not None and call.status == OPEN
    return replace(
        form,
        title=t("ideas.form_edit_title") if call else t("ideas.form_new_title"),
        fields=tuple(f for f in form.fields if f.name != "meeting" or offer),
        submit_label=t("ideas.form_save") if editing_open else t("ideas.form_preview"),
    )


def preview(turn: Turn, call: IdeaCall, meeting: bool) -> None:
    t = turn.t
    fields = [
        *call_fields(call, t, turn.ward),
        (t("ideas.field_public"), t("common.yes") if call.public_ideas else t("common.no")),
    ]
    if meeting:
        fields.append((t("ideas.field_meeting"), t("common.yes")))
    turn.say(
        Text(text=t("ideas.preview_intro")),
        Card(
            title=call.title,
            body=call.problem,
            fields=tuple(fields),
            badge=t("ideas.badge_draft"),
            buttons=(
                Button(
                    label=t("ideas.button_publish"),
                    data=pack(PublishCall(stored_id(call.id), meeting)),
                    style="primary",
                ),
                Button(label=t("ideas.button_fix"), data=pack(EditCall(stored_id(call.id)))),
            ),
        ),
    )
