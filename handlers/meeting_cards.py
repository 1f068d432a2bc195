"""How a meeting reads: date and place texts, the calendar links, the RSVP card and the
organiser's card, and the reminder rows planned from them.

Reminders are planned here because what a reminder says is the meeting card; every reminder row
is written in the same transaction as the change that causes it (``storage.reminders``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.actions import pack
from bot.core.replies import Button, Card, Choices, Reply, to_json
from bot.core.turn import Turn
from bot.i18n import Translator
from bot.signed_links import sign
from handlers.meeting_actions import Answer, CancelMeeting, MoveMeeting, RecordMeeting
from storage import reminders
from storage.db import stored_row
from storage.models import Meeting, Person
from storage.queries import meetings as q


def when_text(t: Translator, tz: ZoneInfo, starts: datetime, ends: datetime | None) -> str:
    s = starts.astimezone(tz)
    day = t("meetings.weekdays").split("|")[s.weekday()]
    text = t("meetings.when", date=f"{s:%Y/%m/%d}", day=day, time=f"{s:%H:%M}")
    if ends is not None:
        e = ends.astimezone(tz)
        text += f"–{e:%H:%M}" if e.date() == s.date() else f"–{e:%m/%d %H:%M}"
    return text


def where_text(t: Translator, meeting: Meeting) -> str:
    parts = [p for p in (meeting.place, meeting.online_url) if p]
    return " / ".join(parts) if parts else t("meetings.no_place")


def answer_label(t: Translator, answer: str) -> str:
    return t(f"meetings.answer_{answer}")


def ics_path(meeting_id: int) -> str:
    return f"/calendar/meetings/{meeting_id}.ics"


def ics_url(turn: Turn, meeting: Meeting) -> str:
    """Public meetings: a plain link. Invitation-only: signed, valid until a day after it ends
    (the card is only shown to people who may see the meeting; the link must not be guessable)."""
    base = turn.config.public_base_url
    assert meeting.id is not None
    if not meeting.invite_only:
        return f"{base.rstrip('/')}{ics_path(meeting.id)}"
    until = (meeting.ends_at or meeting.starts_at) + timedelta(days=1)
    return sign(
        base,
        ics_path(meeting.id),
        secret=turn.config.secret_key,
        now=turn.now,
        ttl=max(until - turn.now, timedelta(days=1)),
    )


def feed_url(turn: Turn, person: Person) -> str:
    base = turn.config.public_base_url
    return f"{base.rstrip('/')}/calendar/feed/{person.calendar_token}.ics"


def rsvp_buttons(t: Translator, meeting_id: int) -> tuple[Button, ...]:
    return (
        Button(
            label=t("meetings.button_yes"), data=pack(Answer(meeting_id, "yes")), style="primary"
        ),
        Button(label=t("meetings.button_no"), data=pack(Answer(meeting_id, "no"))),
        Button(label=t("meetings.button_maybe"), data=pack(Answer(meeting_id, "maybe"))),
    )


def meeting_card(
    turn: Turn,
    t: Translator,
    meeting: Meeting,
    *,
    answer: str | None = None,
    buttons: Iterable[Button] | None = None,
    body: str = "",
) -> Card:
    assert meeting.id is not None
    fields = [
        (t("meetings.field_when"), when_text(t, turn.tz, meeting.starts_at, meeting.ends_at)),
        (t("meetings.field_where"), where_text(t, meeting)),
    ]
    if meeting.capacity:
        fields.append(
            (
                t("meetings.field_capacity"),
                t(
                    "meetings.capacity_count",
                    yes=q.yes_count(turn.db, meeting.id),
                    capacity=meeting.capacity,
                ),
            )
        )
    if meeting.notes:
        fields.append((t("meetings.field_notes"), meeting.notes))
    badge = answer_label(t, answer) if answer else None
    if meeting.status == "cancelled":
        badge = t("meetings.badge_cancelled")
    links: tuple[Button, ...] = ()
    if meeting.status == "scheduled" and meeting.starts_at > turn.now:
        # A link button, not the long URL as a field value: a long unbreakable value squeezed
        # the date and place (「19:0」) in the simulator and on small phones.
        links = (Button(label=t("meetings.button_calendar"), url=ics_url(turn, meeting)),)
    return Card(
        title=meeting.title,
        body=body,
        fields=tuple(fields),
        buttons=tuple(buttons if buttons is not None else rsvp_buttons(t, meeting.id)),
        badge=badge,
        links=links,
    )


def manage_card(turn: Turn, meeting: Meeting) -> Card:
    """The organiser's card: answers counted, and move / cancel / record buttons."""
    assert meeting.id is not None
    t = turn.t
    counts = q.answer_counts(turn.db, meeting.id)
    summary = t(
        "meetings.summary",
        yes=counts.get("yes", 0),
        maybe=counts.get("maybe", 0),
        no=counts.get("no", 0),
        waitlisted=counts.get("waitlisted", 0),
        invited=counts.get("invited", 0),
    )
    return meeting_card(
        turn,
        t,
        meeting,
        body=summary,
        buttons=(
            Button(label=t("meetings.button_move"), data=pack(MoveMeeting(meeting.id))),
            Button(
                label=t("meetings.button_cancel_meeting"),
                data=pack(CancelMeeting(meeting.id)),
                style="danger",
            ),
            Button(label=t("meetings.button_record"), data=pack(RecordMeeting(meeting.id))),
        ),
    )


def past_card(turn: Turn, meeting: Meeting) -> Card:
    """A meeting that is over (おわった集い), for its organiser: 記録をのこす stays one tap away
    after the record request's quick reply has scrolled out of sight."""
    assert meeting.id is not None
    t = turn.t
    counts = q.answer_counts(turn.db, meeting.id)
    body = t("meetings.past_recorded" if meeting.record else "meetings.past_not_recorded")
    return meeting_card(
        turn,
        t,
        meeting,
        body=f"{body}\n{t('meetings.past_attended', yes=counts.get('yes', 0))}",
        buttons=(
            Button(
                label=t("meetings.button_record"),
                data=pack(RecordMeeting(meeting.id)),
                style="primary",
            ),
        ),
    )


def reminder_replies(
    turn: Turn, t: Translator, meeting: Meeting, planned: reminders.Planned
) -> list[Reply]:
    """What a reminder says: date, time, place or URL, and a button to cancel attendance."""
    assert meeting.id is not None
    lines = [t("meetings.reminder_intro")]
    if meeting.reminder_text:
        lines.append(meeting.reminder_text)
    card = meeting_card(
        turn,
        t,
        meeting,
        body="\n".join(lines),
        buttons=(
            Button(
                label=t("meetings.button_cancel_attendance"),
                data=pack(Answer(meeting.id, "no")),
                style="danger",
            ),
        ),
    )
    return [card]


def plan_reminders(turn: Turn, meeting: Meeting, person_id: int) -> None:
    person = stored_row(turn.db, Person, person_id)
    t = turn.tr_for(person)
    reminders.plan_person(
        turn.db,
        meeting,
        person_id,
        turn.now,
        turn.tz,
        lambda planned: [to_json(r) for r in reminder_replies(turn, t, meeting, planned)],
    )


def plan_record(turn: Turn, meeting: Meeting) -> None:
    """Ask the organiser for the record after the meeting (one row, replaced on a move)."""
    assert meeting.id is not None
    organiser = stored_row(turn.db, Person, meeting.created_by)
    t = turn.tr_for(organiser)
    reminders.plan_record_request(
        turn.db,
        meeting,
        turn.tz,
        [
            to_json(
                Choices(
                    text=t("meetings.record_request", title=meeting.title),
                    buttons=(
                        Button(
                            label=t("meetings.button_record"),
                            data=pack(RecordMeeting(meeting.id)),
                            style="primary",
                        ),
                    ),
                )
            )
        ],
    )
