"""What the meeting dialogs ask, declared once for LINE's step questions and the staff form.

Each rule lives here and nowhere else: a title of 1–80 characters, a start in the future and an
end after it, a place or a URL, a capacity of 0–1000 (0 = no limit), notes up to 1,000
characters. Residents (LINE, the simulator's phone) give the place and the URL in one answer
and pick one of four reminder plans; staff forms have separate place and URL inputs, reminder
checkboxes, a reminder text and whether the meeting is invitation-only. ``handlers.meetings`` runs these declarations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.wizard_fields import (
    ChoiceField,
    DateTimeField,
    Field,
    IntField,
    Rule,
    TextField,
    UrlField,
)

if TYPE_CHECKING:
    from bot.core.turn import Turn

CAPACITY_CHOICES = (0, 5, 10, 20, 30)
REMINDER_PLANS = ("both", "day", "hour", "none")  # what a resident picks
REMINDER_TIMES = ("day_before", "hour_before")  # what staff tick


def capacity_choices(turn: Turn) -> Sequence[tuple[str, str]]:
    return [
        (str(n), turn.t("meetings.capacity_n", n=n) if n else turn.t("meetings.capacity_none"))
        for n in CAPACITY_CHOICES
    ]


def reminder_plans(turn: Turn) -> Sequence[tuple[str, str]]:
    return [(c, turn.t(f"meetings.reminders_{c}")) for c in REMINDER_PLANS]


def reminder_times(turn: Turn) -> Sequence[tuple[str, str]]:
    return [
        ("day_before", turn.t("meetings.reminders_day")),
        ("hour_before", turn.t("meetings.reminders_hour")),
    ]


def visibilities(turn: Turn) -> Sequence[tuple[str, str]]:
    """Public, or invitation-only (details and .ics only for those invited)."""
    return [
        ("public", turn.t("meetings.visibility_public")),
        ("invite_only", turn.t("meetings.visibility_invite_only")),
    ]


START = DateTimeField(
    name="starts_at",
    label="meetings.field_start",
    ask="meetings.ask_start",
    error="meetings.error_datetime",
    error_past="meetings.error_past",
)
END = DateTimeField(
    name="ends_at",
    label="meetings.field_end",
    ask="meetings.ask_end",
    after="starts_at",
    future=False,  # after a start in the future
    error="meetings.error_datetime",
    error_order="meetings.error_end_before_start",
)

MEETING_FIELDS: tuple[Field, ...] = (
    TextField(
        name="title",
        label="meetings.field_title",
        ask="meetings.ask_title",
        max_length=80,
        error="meetings.error_title",
    ),
    START,
    END,
    TextField(
        name="where",
        label="meetings.field_where",
        ask="meetings.ask_place",
        max_length=200,
        error="meetings.error_place",
        only="steps",
    ),
    TextField(
        name="place",
        label="meetings.field_place",
        ask="meetings.ask_place",
        optional=True,
        max_length=200,
        error="meetings.error_place",
        only="form",
    ),
    UrlField(
        name="online_url",
        label="meetings.field_url",
        ask="meetings.ask_place",
        optional=True,
        error="meetings.error_url",
        only="form",
    ),
    IntField(
        name="capacity",
        label="meetings.field_capacity",
        ask="meetings.ask_capacity",
        minimum=0,
        maximum=1000,
        optional=True,
        skip=None,  # 「定員なし」 is one of the quick replies
        suggest=capacity_choices,
        error="meetings.error_capacity",
    ),
    ChoiceField(
        name="reminder_plan",
        label="meetings.field_reminders",
        ask="meetings.ask_reminders",
        options=reminder_plans,
        error="meetings.error_reminders",
        only="steps",
    ),
    TextField(
        name="notes",
        label="meetings.field_notes",
        ask="meetings.ask_notes",
        optional=True,
        skip="meetings.button_skip",
        multiline=True,
        max_length=1000,
        error="meetings.error_notes",
    ),
    ChoiceField(
        name="reminders",
        label="meetings.field_reminders",
        ask="meetings.ask_reminders",
        options=reminder_times,
        multiple=True,
        optional=True,
        initial=list(REMINDER_TIMES),
        error="meetings.error_reminders",
        only="form",
    ),
    TextField(
        name="reminder_text",
        label="meetings.field_reminder_text",
        ask="meetings.field_reminder_text",
        optional=True,
        max_length=200,
        only="form",
    ),
    ChoiceField(
        name="visibility",
        label="meetings.field_visibility",
        ask="meetings.field_visibility",
        options=visibilities,
        optional=True,  # left out: public
        initial="public",
        error="wizard.error_choice",
        only="form",
    ),
)

MEETING_RULES = (
    Rule(
        fields=("place", "online_url"),
        field="place",
        error="meetings.error_place",
        holds=lambda answers: bool(answers.get("place") or answers.get("online_url")),
    ),
)

MOVE_FIELDS: tuple[Field, ...] = (START, END)

RECORD_FIELDS: tuple[Field, ...] = (
    TextField(
        name="record",
        label="meetings.field_notes",
        ask="meetings.ask_record",
        max_length=2000,
        multiline=True,
        error="meetings.error_record",
    ),
)


@dataclass(frozen=True)
class MeetingDraft:
    title: str
    starts_at: datetime
    ends_at: datetime
    where: str | None  # steps: a place or a URL in one answer
    place: str | None
    online_url: str | None
    capacity: int | None
    reminder_plan: str | None  # steps: one of REMINDER_PLANS
    notes: str | None
    reminders: list[str] | None  # form: the ticked REMINDER_TIMES
    reminder_text: str | None
    visibility: str | None  # form: "public" | "invite_only"; steps: public

    @property
    def place_and_url(self) -> tuple[str | None, str | None]:
        if self.where is None:
            return self.place, self.online_url
        if self.where.startswith(("http://", "https://")):
            return None, self.where
        return self.where, None

    @property
    def reminder_times(self) -> list[str]:
        """The chosen reminders as REMINDER_TIMES, whichever way they were asked."""
        if self.reminder_plan is None:
            return list(self.reminders or [])
        return {
            "both": list(REMINDER_TIMES),
            "day": ["day_before"],
            "hour": ["hour_before"],
            "none": [],
        }[self.reminder_plan]


@dataclass(frozen=True)
class MoveDraft:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class RecordDraft:
    record: str
