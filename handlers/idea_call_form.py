"""The staff form for an idea call (アイデア募集): its fields, its validation, the preview.

The form is one Slack/simulator modal; ``parse_call`` returns clean values and per-field errors
so nothing is written until every field is valid. ``MEETING_COMMANDS`` names the meetings
command offered for an アイデアの会 from the form (whichever is registered).
"""

from __future__ import annotations

from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Card, Form, FormField, Text
from bot.core.turn import Turn
from handlers.idea_actions import CallForm, EditCall, PublishCall
from handlers.idea_views import call_fields
from storage.db import stored_id
from storage.models import IdeaCall
from storage.queries.ideas import DRAFT, OPEN

# The meetings helper owns アイデアの会; whichever of these commands it registers is offered.
MEETING_COMMANDS = ("new_meeting", "meeting_new", "meetings_new")
LIMITS = {"title": 80, "problem": 2000, "wanted": 1000}


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


def call_form(turn: Turn, call: IdeaCall | None) -> Form:
    t = turn.t
    public_options = (("yes", t("ideas.form_public_yes")), ("no", t("ideas.form_public_no")))
    fields = [
        FormField(
            name="title",
            label=t("ideas.form_title"),
            max_length=LIMITS["title"],
            initial=call.title if call else None,
        ),
        FormField(
            name="problem",
            label=t("ideas.form_problem"),
            input="textarea",
            max_length=LIMITS["problem"],
            initial=call.problem if call else None,
            hint=t("ideas.form_problem_hint"),
        ),
        FormField(
            name="wanted",
            label=t("ideas.form_wanted"),
            input="textarea",
            max_length=LIMITS["wanted"],
            initial=call.wanted if call else None,
            hint=t("ideas.form_wanted_hint"),
        ),
        FormField(
            name="categories",
            label=t("ideas.form_categories"),
            input="multiselect",
            options=tuple(turn.ward.categories.options(turn.language)),
            initial=list(call.categories) if call else None,
        ),
        FormField(
            name="deadline",
            label=t("ideas.form_deadline"),
            input="datetime",
            initial=turn.local_input(call.deadline) if call else None,
            hint=t("ideas.form_deadline_hint"),
        ),
        FormField(
            name="public",
            label=t("ideas.form_public"),
            input="select",
            options=public_options,
            initial="yes" if (call is None or call.public_ideas) else "no",
        ),
    ]
    if meeting_command(turn) and (call is None or call.status == DRAFT):
        fields.append(
            FormField(
                name="meeting",
                label=t("ideas.form_meeting"),
                input="select",
                options=(("no", t("ideas.form_meeting_no")), ("yes", t("ideas.form_meeting_yes"))),
                required=False,
                initial="no",
            )
        )
    editing_open = call is not None and call.status == OPEN
    return Form(
        title=t("ideas.form_edit_title") if call else t("ideas.form_new_title"),
        fields=tuple(fields),
        submit_label=t("ideas.form_save") if editing_open else t("ideas.form_preview"),
        data=pack(CallForm(stored_id(call.id if call else 0))),
    )


def parse_call(turn: Turn, values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate the form; returns the clean values and (field, message) errors."""
    t = turn.t
    clean: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, limit in LIMITS.items():
        text = form_text(values.get(name))
        if not text:
            errors.append((name, t("ideas.error_required")))
        elif len(text) > limit:
            errors.append((name, t("common.too_long", limit=limit, length=len(text))))
        clean[name] = text
    categories = list(dict.fromkeys(form_list(values.get("categories"))))
    if not categories:
        errors.append(("categories", t("ideas.error_categories")))
    elif any(code not in turn.ward.categories for code in categories):
        errors.append(("categories", t("ideas.error_unknown_category")))
    clean["categories"] = categories
    raw = form_text(values.get("deadline"))
    deadline = turn.parse_local(raw) if raw else None
    if not raw:
        errors.append(("deadline", t("ideas.error_required")))
    elif deadline is None:
        errors.append(("deadline", t("ideas.error_datetime")))
    elif deadline <= turn.now:
        errors.append(("deadline", t("ideas.error_deadline_past")))
    clean["deadline"] = deadline
    clean["public_ideas"] = form_flag(values.get("public"), True)
    clean["meeting"] = form_flag(values.get("meeting"), False)
    return clean, errors


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
