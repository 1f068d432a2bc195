"""Meetings (実行準備の集い / アイデアの会), invitations, RSVP with a waitlist, reminders.

Who may schedule: for an initiative its poster, an admin of the posting organisation, or staff;
for an idea call, staff. The dialogs are declared once in ``handlers.meeting_form`` and run by
the wizard: step questions (LINE datetime picker) where the channel is a chat, one form for staff
where it has forms. Every reminder row is planned in the same transaction as the change that causes
it (``storage.reminders``), so a crash can neither lose nor double a reminder.

Hooks for other modules: ``ScheduleMeeting(initiative_id)`` (a button for initiative cards),
the ``new_meeting`` command (args ``initiative:<id>`` or ``idea_call:<id>``), and
``RECORD_FOLLOWUPS`` (functions ``(turn, meeting) -> [Button]`` offered after the organiser
records the results, e.g. initiative status buttons).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.core.actions import action, pack
from bot.core.replies import Button, Card, Carousel, Choices, Text, to_json
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from bot.signed_links import sign
from handlers import meeting_form
from handlers.meeting_form import MeetingDraft, MoveDraft, RecordDraft
from storage import ledger, reminders
from storage.db import is_postgres
from storage.models import (
    IdeaCall,
    Initiative,
    Meeting,
    Membership,
    Participation,
    Person,
    Rsvp,
    Subscription,
)

router = Router()

FLOW = "meeting"
MOVE = "meeting_move"
RECORD = "meeting_record"
ANSWERS = ("yes", "no", "maybe")
RECORD_FOLLOWUPS: list[Callable[[Turn, Meeting], list[Button]]] = []


# ---------------------------------------------------------------- actions (prefix "m")


@action("ms")
class ScheduleMeeting:
    initiative_id: int


@action("msc")
class ScheduleCallMeeting:
    call_id: int


@action("mf")
class MeetingForm:
    target: str  # "initiative:3" | "idea_call:5" | "meeting:7" (change the date)


@action("ma")
class Answer:
    meeting_id: int
    answer: str


@action("mv")
class ShowMeeting:
    meeting_id: int


@action("mm")
class ManageMeeting:
    meeting_id: int


@action("mmv")
class MoveMeeting:
    meeting_id: int


@action("mx")
class CancelMeeting:
    meeting_id: int


@action("mxy")
class ConfirmCancel:
    meeting_id: int


@action("mr")
class RecordMeeting:
    meeting_id: int


# ---------------------------------------------------------------- helpers


def when_text(t, tz, starts: datetime, ends: datetime | None) -> str:
    s = starts.astimezone(tz)
    day = t("meetings.weekdays").split("|")[s.weekday()]
    text = t("meetings.when", date=f"{s:%Y/%m/%d}", day=day, time=f"{s:%H:%M}")
    if ends is not None:
        e = ends.astimezone(tz)
        text += f"–{e:%H:%M}" if e.date() == s.date() else f"–{e:%m/%d %H:%M}"
    return text


def where_text(t, meeting: Meeting) -> str:
    parts = [p for p in (meeting.place, meeting.online_url) if p]
    return " / ".join(parts) if parts else t("meetings.no_place")


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


def may_see(turn: Turn, meeting: Meeting) -> bool:
    """Everyone sees a public meeting; an invitation-only one only its invitees (an RSVP row
    exists for every invitation, or they may answer now), the organiser, the initiative's
    managers and staff."""
    if not meeting.invite_only or can_manage(turn, meeting):
        return True
    invited = turn.db.exec(
        select(Rsvp.id).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == turn.person.id)
    ).first()
    return invited is not None or eligible(turn, meeting)


def feed_url(turn: Turn, person: Person) -> str:
    base = turn.config.public_base_url
    return f"{base.rstrip('/')}/calendar/feed/{person.calendar_token}.ics"


def yes_count(turn: Turn, meeting_id: int) -> int:
    return turn.db.exec(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.meeting_id == meeting_id, Rsvp.answer == "yes")
    ).one()


def is_org_admin(turn: Turn, actor_id: int) -> bool:
    return (
        turn.db.exec(
            select(Membership.id).where(
                Membership.actor_id == actor_id,
                Membership.person_id == turn.person.id,
                Membership.role == "admin",
            )
        ).first()
        is not None
    )


def can_schedule_for(turn: Turn, target: str) -> bool:
    kind, _, raw = target.partition(":")
    if not raw.isdigit():
        return False
    if kind == "idea_call":
        return turn.person.is_staff and turn.db.get(IdeaCall, int(raw)) is not None
    if kind == "initiative":
        initiative = turn.db.get(Initiative, int(raw))
        if initiative is None:
            return False
        return (
            turn.person.is_staff
            or initiative.poster_id == turn.person.id
            or is_org_admin(turn, initiative.actor_id)
        )
    return False


def can_manage(turn: Turn, meeting: Meeting) -> bool:
    if turn.person.is_staff or meeting.created_by == turn.person.id:
        return True
    if meeting.initiative_id is not None:
        return can_schedule_for(turn, f"initiative:{meeting.initiative_id}")
    return False


def load_meeting(turn: Turn, meeting_id: int, *, lock: bool = False) -> Meeting | None:
    stmt = select(Meeting).where(Meeting.id == meeting_id)
    if lock and is_postgres(turn.db.get_bind()):
        stmt = stmt.with_for_update()  # RSVPs of one meeting serialise: capacity holds
    return turn.db.exec(stmt).first()


def answer_label(t, answer: str) -> str:
    return t(f"meetings.answer_{answer}")


def rsvp_buttons(t, meeting_id: int) -> tuple[Button, ...]:
    return (
        Button(
            label=t("meetings.button_yes"), data=pack(Answer(meeting_id, "yes")), style="primary"
        ),
        Button(label=t("meetings.button_no"), data=pack(Answer(meeting_id, "no"))),
        Button(label=t("meetings.button_maybe"), data=pack(Answer(meeting_id, "maybe"))),
    )


def meeting_card(
    turn: Turn, t, meeting: Meeting, *, answer: str | None = None, buttons=None, body: str = ""
) -> Card:
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
                    yes=yes_count(turn, meeting.id),
                    capacity=meeting.capacity,
                ),
            )
        )
    if meeting.notes:
        fields.append((t("meetings.field_notes"), meeting.notes))
    fields.append((t("meetings.field_calendar"), ics_url(turn, meeting)))
    badge = answer_label(t, answer) if answer else None
    if meeting.status == "cancelled":
        badge = t("meetings.badge_cancelled")
    return Card(
        title=meeting.title,
        body=body,
        fields=tuple(fields),
        buttons=tuple(buttons if buttons is not None else rsvp_buttons(t, meeting.id)),
        badge=badge,
    )


def reminder_replies(turn: Turn, t, meeting: Meeting, planned: reminders.Planned) -> list:
    """What a reminder says: date, time, place or URL, and a button to cancel attendance."""
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
    person = turn.db.get(Person, person_id)
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
    organiser = turn.db.get(Person, meeting.created_by)
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


# ---------------------------------------------------------------- creating


def invitees(turn: Turn, meeting: Meeting) -> list[int]:
    if meeting.initiative_id is not None:
        ids = turn.db.exec(
            select(Participation.person_id).where(
                Participation.initiative_id == meeting.initiative_id,
                Participation.status == "joined",
            )
        ).all()
    else:
        call = turn.db.get(IdeaCall, meeting.idea_call_id)
        categories = list(call.categories or []) if call else []
        ids = (
            turn.db.exec(
                select(Subscription.person_id).where(
                    Subscription.topic == "category", Subscription.value.in_(categories)
                )
            ).all()
            if categories
            else []
        )
    return sorted({i for i in ids if i != meeting.created_by})


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
        created_by=turn.person.id,
        created_at=turn.now,
        updated_at=turn.now,
        invite_only=draft.visibility == "invite_only",
    )
    turn.db.add(meeting)
    turn.db.flush()
    for person_id in invitees(turn, meeting):
        turn.db.add(
            Rsvp(
                meeting_id=meeting.id,
                person_id=person_id,
                answer="invited",
                created_at=turn.now,
                updated_at=turn.now,
            )
        )
        person = turn.db.get(Person, person_id)
        t = turn.tr_for(person)
        turn.notify(
            person,
            meeting_card(turn, t, meeting, body=t("meetings.invitation"), answer="invited"),
            dedupe_key=f"invite:{meeting.id}:{person_id}",
            meeting_id=meeting.id,
        )
    plan_record(turn, meeting)
    turn.audit("meeting.create", "meeting", meeting.id, target=target)
    return meeting


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
        created_by=turn.person.id,
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


def may_manage(turn: Turn, target: str) -> bool:
    kind, _, raw = target.partition(":")
    meeting = load_meeting(turn, int(raw)) if kind == "meeting" and raw.isdigit() else None
    return meeting is not None and can_manage(turn, meeting)


MEETING = Wizard(
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


# ---------------------------------------------------------------- RSVP


def eligible(turn: Turn, meeting: Meeting) -> bool:
    return turn.person.id in invitees(turn, meeting)


def waitlist_position(turn: Turn, meeting_id: int, person_id: int) -> int:
    rows = turn.db.exec(
        select(Rsvp.person_id)
        .where(Rsvp.meeting_id == meeting_id, Rsvp.answer == "waitlisted")
        .order_by(Rsvp.updated_at, Rsvp.id)
    ).all()
    return list(rows).index(person_id) + 1 if person_id in rows else 0


def promote(turn: Turn, meeting: Meeting) -> None:
    """First come, first served: fill free places from the waitlist and tell each person."""
    while meeting.capacity is None or yes_count(turn, meeting.id) < meeting.capacity:
        nxt = turn.db.exec(
            select(Rsvp)
            .where(Rsvp.meeting_id == meeting.id, Rsvp.answer == "waitlisted")
            .order_by(Rsvp.updated_at, Rsvp.id)
        ).first()
        if nxt is None:
            return
        nxt.answer = "yes"
        nxt.updated_at = turn.now
        turn.db.add(nxt)
        turn.db.flush()
        plan_reminders(turn, meeting, nxt.person_id)
        person = turn.db.get(Person, nxt.person_id)
        t = turn.tr_for(person)
        turn.notify(
            person,
            meeting_card(turn, t, meeting, body=t("meetings.promoted"), answer="yes"),
            dedupe_key=f"promoted:{meeting.id}:{nxt.person_id}:{turn.now.isoformat()}",
            meeting_id=meeting.id,
        )


@router.action(Answer)
def answer(turn: Turn, act: Answer) -> None:
    if act.answer not in ANSWERS:
        return turn.say_text("common.bad_action")
    meeting = load_meeting(turn, act.meeting_id, lock=True)
    if meeting is None or meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    if turn.now >= meeting.starts_at:
        return turn.say_text("meetings.rsvp_closed")
    rsvp = turn.db.exec(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == turn.person.id)
    ).first()
    if rsvp is None:
        if not eligible(turn, meeting):
            return turn.say_text("meetings.not_invited")
        rsvp = Rsvp(
            meeting_id=meeting.id,
            person_id=turn.person.id,
            created_at=turn.now,
            updated_at=turn.now,
        )
    old = rsvp.answer
    if act.answer == "yes" and old in ("yes", "waitlisted"):
        if old == "waitlisted":
            return turn.say_text(
                "meetings.still_waitlisted", n=waitlist_position(turn, meeting.id, turn.person.id)
            )
        return turn.say_text("meetings.already_yes")
    if act.answer == old:
        return turn.say_text("meetings.answer_saved", answer=answer_label(turn.t, old))
    rsvp.updated_at = turn.now
    if act.answer == "yes":
        full = meeting.capacity is not None and yes_count(turn, meeting.id) >= meeting.capacity
        rsvp.answer = "waitlisted" if full else "yes"
    else:
        rsvp.answer = act.answer
    turn.db.add(rsvp)
    turn.db.flush()
    turn.audit("meeting.rsvp", "meeting", meeting.id, answer=rsvp.answer)
    if rsvp.answer == "yes":
        plan_reminders(turn, meeting, turn.person.id)
        turn.say(
            meeting_card(turn, turn.t, meeting, body=turn.t("meetings.yes_saved"), answer="yes")
        )
    else:
        reminders.cancel_pending(turn.db, meeting.id, turn.person.id)
        if rsvp.answer == "waitlisted":
            turn.say_text(
                "meetings.waitlisted", n=waitlist_position(turn, meeting.id, turn.person.id)
            )
        else:
            turn.say_text("meetings.answer_saved", answer=answer_label(turn.t, rsvp.answer))
        if old == "yes":
            promote(turn, meeting)


# ---------------------------------------------------------------- my plans and calendar


@router.command("plans")
def plans(turn: Turn, _args: str) -> None:
    """参加予定: my upcoming meetings with my answer, buttons, and my private calendar feed."""
    rows = turn.db.exec(
        select(Meeting, Rsvp)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .where(
            Rsvp.person_id == turn.person.id,
            Rsvp.answer != "no",
            Meeting.status == "scheduled",
            Meeting.starts_at > turn.now,
        )
        .order_by(Meeting.starts_at)
        .limit(10)
    ).all()
    mine = turn.db.exec(
        select(Meeting)
        .where(
            Meeting.created_by == turn.person.id,
            Meeting.status == "scheduled",
            Meeting.starts_at > turn.now,
        )
        .order_by(Meeting.starts_at)
        .limit(10)
    ).all()
    cards = []
    for meeting, rsvp in rows:
        buttons = list(rsvp_buttons(turn.t, meeting.id))
        if can_manage(turn, meeting):
            buttons.append(
                Button(label=turn.t("meetings.button_manage"), data=pack(ManageMeeting(meeting.id)))
            )
        cards.append(meeting_card(turn, turn.t, meeting, answer=rsvp.answer, buttons=buttons))
    seen = {m.id for m, _ in rows}
    cards += [manage_card(turn, m) for m in mine if m.id not in seen]
    if cards:
        turn.say(Carousel(alt_text=turn.t("meetings.plans_title"), cards=tuple(cards[:10])))
    else:
        turn.say_text("meetings.plans_empty")
    turn.say_text("meetings.feed_link", url=feed_url(turn, turn.person))


@router.action(ShowMeeting)
def show(turn: Turn, act: ShowMeeting) -> None:
    meeting = load_meeting(turn, act.meeting_id)
    if meeting is None:
        return turn.say_text("meetings.already_cancelled")
    if not may_see(turn, meeting):
        return turn.say_text("meetings.invite_only")
    rsvp = turn.db.exec(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == turn.person.id)
    ).first()
    turn.say(meeting_card(turn, turn.t, meeting, answer=rsvp.answer if rsvp else None))


# ---------------------------------------------------------------- organiser: manage, move, cancel


def manage_card(turn: Turn, meeting: Meeting) -> Card:
    t = turn.t
    counts = dict(
        turn.db.exec(
            select(Rsvp.answer, func.count())
            .where(Rsvp.meeting_id == meeting.id)
            .group_by(Rsvp.answer)
        ).all()
    )
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


def managed(turn: Turn, meeting_id: int, *, lock: bool = False) -> Meeting | None:
    meeting = load_meeting(turn, meeting_id, lock=lock)
    if meeting is None or not can_manage(turn, meeting):
        turn.say_text("common.not_allowed")
        return None
    return meeting


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
        turn.db, meeting.id, kinds=(reminders.REMINDER, reminders.RECORD_REQUEST)
    )
    old = meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.updated_at = start, end, turn.now
    turn.db.add(meeting)
    turn.db.flush()
    rsvps = turn.db.exec(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.answer != "no")
    ).all()
    for rsvp in rsvps:
        if rsvp.answer == "yes":
            plan_reminders(turn, meeting, rsvp.person_id)
        person = turn.db.get(Person, rsvp.person_id)
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
                    data=pack(ConfirmCancel(meeting.id)),
                    style="danger",
                ),
                Button(
                    label=turn.t("meetings.button_cancel_keep"),
                    data=pack(ManageMeeting(meeting.id)),
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
        turn.db, meeting.id, kinds=(reminders.REMINDER, reminders.RECORD_REQUEST)
    )
    rsvps = turn.db.exec(
        select(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.answer != "no")
    ).all()
    for rsvp in rsvps:
        person = turn.db.get(Person, rsvp.person_id)
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


# ---------------------------------------------------------------- after the meeting


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
