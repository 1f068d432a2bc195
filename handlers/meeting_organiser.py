"""The organiser's side of a meeting: manage, move to a new date, cancel, record the results.

Moving or cancelling cancels the pending reminders in the same transaction and tells everyone
who has not declined; recording marks a past meeting held (and counts it in the ledger), then
offers what other domains hang on ``RECORD_FOLLOWUPS``.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.actions import pack
from bot.core.replies import Button, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import meeting_form
from handlers.meeting_access import managed, may_manage
from handlers.meeting_actions import (
    RECORD_FOLLOWUPS,
    CancelMeeting,
    ConfirmCancel,
    ManageMeeting,
    MeetingForm,
    MoveMeeting,
    RecordMeeting,
)
from handlers.meeting_cards import manage_card, meeting_card, plan_record, plan_reminders, when_text
from handlers.meeting_form import MoveDraft, RecordDraft
from storage import ledger, reminders
from storage.db import stored_id, stored_row
from storage.models import Meeting, Person
from storage.queries import meetings as q

router = Router()

MOVE = "meeting_move"
RECORD = "meeting_record"


@router.action(ManageMeeting)
def manage(turn: Turn, act: ManageMeeting) -> None:
    meeting = managed(turn, act.meeting_id)
    if meeting is not None:
        turn.say(manage_card(turn, meeting))


@router.action(MoveMeeting)
def move(turn: Turn, act: MoveMeeting) -> None:
    meeting = managed(turn, act.meeting_id)
    if meeting is None:
        return
    if meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    initial = {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at or meeting.starts_at}
    MOVE_DATE.start(turn, f"meeting:{meeting.id}", initial)


def moved(turn: Turn, draft: MoveDraft, target: str) -> None:
    meeting = managed(turn, int(target.partition(":")[2]), lock=True)
    if meeting is None:
        return
    if meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    move_meeting(turn, meeting, draft.starts_at, draft.ends_at)


MOVE_DATE = Wizard(
    flow=MOVE,
    title="meetings.form_move_title",
    fields=meeting_form.MOVE_FIELDS,
    draft=MoveDraft,
    submit=moved,
    allowed=may_manage,
    submit_label="meetings.button_save",
    confirm=False,
    form_action=MeetingForm,
)
MOVE_DATE.register(router)


def move_meeting(turn: Turn, meeting: Meeting, start: datetime, end: datetime | None) -> None:
    """Reschedule: pending reminders are cancelled, new ones planned, attendees told."""
    reminders.cancel_pending(
        turn.db, stored_id(meeting.id), kinds=(reminders.REMINDER, reminders.RECORD_REQUEST)
    )
    old = meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.updated_at = start, end, turn.now
    turn.db.add(meeting)
    turn.db.flush()
    rsvps = q.not_declined(turn.db, meeting.id)
    for rsvp in rsvps:
        if rsvp.answer == "yes":
            plan_reminders(turn, meeting, rsvp.person_id)
        person = stored_row(turn.db, Person, rsvp.person_id)
        t = turn.tr_for(person)
        turn.notify(
            person,
            meeting_card(turn, t, meeting, body=t("meetings.moved"), answer=rsvp.answer),
            dedupe_key=f"moved:{meeting.id}:{rsvp.person_id}:{start.isoformat()}",
            meeting_id=meeting.id,
        )
    plan_record(turn, meeting)
    turn.audit("meeting.move", "meeting", meeting.id, old=old.isoformat(), new=start.isoformat())
    turn.say_text("meetings.moved_done", n=len(rsvps))
    turn.say(manage_card(turn, meeting))


@router.action(CancelMeeting)
def ask_cancel(turn: Turn, act: CancelMeeting) -> None:
    meeting = managed(turn, act.meeting_id)
    if meeting is None:
        return
    if meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    turn.say(
        Choices(
            text=turn.t("meetings.cancel_confirm", title=meeting.title),
            buttons=(
                Button(
                    label=turn.t("meetings.button_cancel_yes"),
                    data=pack(ConfirmCancel(stored_id(meeting.id))),
                    style="danger",
                ),
                Button(
                    label=turn.t("meetings.button_cancel_keep"),
                    data=pack(ManageMeeting(stored_id(meeting.id))),
                ),
            ),
        )
    )


@router.action(ConfirmCancel)
def cancel_meeting(turn: Turn, act: ConfirmCancel) -> None:
    """Cancel: attendees are told once; no reminder or follow-up is sent afterwards."""
    meeting = managed(turn, act.meeting_id, lock=True)
    if meeting is None:
        return
    if meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    meeting.status = "cancelled"
    meeting.updated_at = turn.now
    turn.db.add(meeting)
    reminders.cancel_pending(
        turn.db, stored_id(meeting.id), kinds=(reminders.REMINDER, reminders.RECORD_REQUEST)
    )
    rsvps = q.not_declined(turn.db, meeting.id)
    for rsvp in rsvps:
        person = stored_row(turn.db, Person, rsvp.person_id)
        t = turn.tr_for(person)
        turn.notify(
            person,
            Text(
                text=t(
                    "meetings.cancelled_notice",
                    title=meeting.title,
                    when=when_text(t, turn.tz, meeting.starts_at, meeting.ends_at),
                )
            ),
            dedupe_key=f"cancelled:{meeting.id}:{rsvp.person_id}",
            meeting_id=meeting.id,
        )
    turn.audit("meeting.cancel", "meeting", meeting.id)
    turn.say_text("meetings.cancelled_done", n=len(rsvps))


@router.action(RecordMeeting)
def record(turn: Turn, act: RecordMeeting) -> None:
    meeting = managed(turn, act.meeting_id)
    if meeting is None:
        return
    if meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    RECORD_NOTES.start(turn, f"meeting:{meeting.id}")


def recorded(turn: Turn, draft: RecordDraft, target: str) -> None:
    meeting = managed(turn, int(target.partition(":")[2]))
    if meeting is None:
        return
    meeting.record = draft.record
    if turn.now >= meeting.starts_at:
        meeting.status = "held"
        ledger.meeting_held(turn.db, meeting, turn.now)
    meeting.updated_at = turn.now
    turn.db.add(meeting)
    turn.audit("meeting.record", "meeting", meeting.id)
    buttons: list[Button] = []
    for hook in RECORD_FOLLOWUPS:
        buttons.extend(hook(turn, meeting))
    if buttons:
        turn.say(Choices(text=turn.t("meetings.recorded_next"), buttons=tuple(buttons)))
    else:
        turn.say_text("meetings.recorded")


RECORD_NOTES = Wizard(
    flow=RECORD,
    title="meetings.button_record",
    fields=meeting_form.RECORD_FIELDS,
    draft=RecordDraft,
    submit=recorded,
    allowed=may_manage,
    confirm=False,
    forms=False,  # a chat answer on every channel, as before
)
RECORD_NOTES.register(router)
