"""Scheduling a meeting (実行準備の集い / アイデアの会): the dialog, the invitations, the form.

The dialog is declared once in ``handlers.meeting_form`` and run by the wizard: step questions
(LINE datetime picker) where the channel is a chat, one form for staff where it has forms. Every
reminder row is planned in the same transaction as the change that causes it
(``storage.reminders``), so a crash can neither lose nor double a reminder. The rest of the
domain: ``meeting_rsvp`` (answers, waitlist, my plans), ``meeting_organiser`` (manage, move,
cancel, record), ``meeting_cards``, ``meeting_access`` and ``meeting_actions``.

Hooks for other modules: ``ScheduleMeeting(initiative_id)`` (a button for initiative cards),
the ``new_meeting`` command (args ``initiative:<id>`` or ``idea_call:<id>``), and
``RECORD_FOLLOWUPS`` (functions ``(turn, meeting) -> [Button]`` offered after the organiser
records the results, e.g. initiative status buttons), both re-exported here for their importers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.replies import Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import meeting_form
from handlers.idea_views import staff_translator
from handlers.meeting_access import can_schedule_for, invitees
from handlers.meeting_actions import RECORD_FOLLOWUPS as RECORD_FOLLOWUPS
from handlers.meeting_actions import Answer as Answer  # re-export: tests on main import it here
from handlers.meeting_actions import MeetingForm, ScheduleCallMeeting, ScheduleMeeting
from handlers.meeting_cards import manage_card, meeting_card, plan_record, when_text, where_text
from handlers.meeting_form import MeetingDraft
from handlers.meeting_organiser import MOVE_DATE
from handlers.privacy import consent_first
from storage import reminders
from storage.db import stored_id, stored_row
from storage.models import Meeting, Person, Rsvp

router = Router()

FLOW = "meeting"


def reminder_specs(times: list[str]) -> list[dict[str, Any]]:
    """The ticked reminder times as the reminder rows' specs (``storage.reminders``)."""
    pairs = zip(meeting_form.REMINDER_TIMES, reminders.DEFAULT_REMINDERS, strict=True)
    return [spec for name, spec in pairs if name in times]


def create_meeting(turn: Turn, target: str, draft: MeetingDraft) -> Meeting:
    """Write the meeting, its invitations and the organiser's follow-up in this transaction."""
    kind, _, raw = target.partition(":")
    place, url = draft.place_and_url
    meeting = Meeting(
        initiative_id=int(raw) if kind == "initiative" else None,
        idea_call_id=int(raw) if kind == "idea_call" else None,
        title=draft.title,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=place or None,
        online_url=url or None,
        capacity=draft.capacity or None,
        notes=draft.notes or None,
        reminders=reminder_specs(draft.reminder_times),
        reminder_text=draft.reminder_text or None,
        created_by=stored_id(turn.person.id),
        created_at=turn.now,
        updated_at=turn.now,
        invite_only=draft.visibility == "invite_only",
    )
    turn.db.add(meeting)
    turn.db.flush()
    for person_id in invitees(turn, meeting):
        turn.db.add(
            Rsvp(
                meeting_id=stored_id(meeting.id),
                person_id=person_id,
                answer="invited",
                created_at=turn.now,
                updated_at=turn.now,
            )
        )
        person = stored_row(turn.db, Person, person_id)
        t = turn.tr_for(person)
        turn.notify(
            person,
            meeting_card(turn, t, meeting, body=t("meetings.invitation"), answer="invited"),
            dedupe_key=f"invite:{meeting.id}:{person_id}",
            meeting_id=meeting.id,
        )
    plan_record(turn, meeting)
    turn.audit("meeting.create", "meeting", meeting.id, target=target)
    _tell_staff(turn, meeting)
    return meeting


def _tell_staff(turn: Turn, meeting: Meeting) -> None:
    """A meeting for an initiative is announced in its #staff thread (through the outbox), so
    staff learn of a meeting a resident set without having to look."""
    if meeting.initiative_id is None:
        return
    st = staff_translator(turn.catalog, turn.config)
    text = st(
        "staff.meeting_created",
        title=meeting.title,
        when=when_text(st, turn.tz, meeting.starts_at, meeting.ends_at),
        where=where_text(st, meeting),
        name=turn.person.display_name,
    )
    turn.notify_staff(
        Text(text=text),
        thread_key=f"initiative:{meeting.initiative_id}",
        dedupe_key=f"meeting:{meeting.id}:staff_created",
    )


def created(turn: Turn, draft: MeetingDraft, target: str) -> None:
    meeting = create_meeting(turn, target, draft)
    turn.say_text("meetings.created", title=meeting.title)
    turn.say(manage_card(turn, meeting))


def confirm_summary(
    turn: Turn, answers: Mapping[str, Any]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The resident's confirmation card: one 日時 row, the place or URL, capacity, reminders."""
    t = turn.t
    where = str(answers.get("where") or "")
    url = where if where.startswith(("http://", "https://")) else None
    preview = Meeting(
        title=str(answers.get("title") or ""),
        starts_at=answers["starts_at"],
        ends_at=answers["ends_at"],
        place=None if url else where,
        online_url=url,
        notes=answers.get("notes"),
        created_by=stored_id(turn.person.id),
    )
    capacity = answers.get("capacity")
    fields = [
        (t("meetings.field_when"), when_text(t, turn.tz, preview.starts_at, preview.ends_at)),
        (t("meetings.field_where"), where_text(t, preview)),
        (
            t("meetings.field_capacity"),
            t("meetings.capacity_n", n=capacity) if capacity else t("meetings.capacity_none"),
        ),
        (
            t("meetings.field_reminders"),
            t(f"meetings.reminders_{answers.get('reminder_plan') or 'both'}"),
        ),
    ]
    if preview.notes:
        fields.append((t("meetings.field_notes"), preview.notes))
    return preview.title, tuple(fields)


MEETING = Wizard(
    gate=consent_first,  # the privacy notice before the first question
    flow=FLOW,
    title="meetings.form_title",
    fields=meeting_form.MEETING_FIELDS,
    rules=meeting_form.MEETING_RULES,
    draft=MeetingDraft,
    submit=created,
    allowed=can_schedule_for,
    submit_label="meetings.button_create",
    confirm_body="meetings.confirm_body",
    summary=confirm_summary,
    form_action=MeetingForm,
)
MEETING.register(router)


def start_schedule(turn: Turn, target: str) -> None:
    MEETING.start(turn, target)


@router.command("new_meeting")
def new_meeting(turn: Turn, args: str) -> None:
    """``new_meeting initiative:3`` or ``new_meeting idea_call:5`` (from other modules)."""
    start_schedule(turn, (args or "").strip())


@router.action(ScheduleMeeting)
def schedule_for_initiative(turn: Turn, act: ScheduleMeeting) -> None:
    start_schedule(turn, f"initiative:{act.initiative_id}")


@router.action(ScheduleCallMeeting)
def schedule_for_call(turn: Turn, act: ScheduleCallMeeting) -> None:
    start_schedule(turn, f"idea_call:{act.call_id}")


@router.form(MeetingForm)
def submitted(turn: Turn, act: MeetingForm, values: dict[str, Any]) -> None:
    """The staff form: a new meeting, or (``meeting:<id>``) a new date for one."""
    wizard = MOVE_DATE if act.target.startswith("meeting:") else MEETING
    wizard.submitted(turn, act.target, values)
