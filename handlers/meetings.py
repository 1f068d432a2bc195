"""Meetings (実行準備の集い / アイデアの会), invitations, RSVP with a waitlist, reminders.

Who may schedule: for an initiative its poster, an admin of the posting organisation, or staff;
for an idea call, staff. Residents answer a short dialog (LINE datetime picker); staff on Slack
get one modal. Every reminder row is planned in the same transaction as the change that causes
it (``storage.reminders``), so a crash can neither lose nor double a reminder.

Hooks for other modules: ``ScheduleMeeting(initiative_id)`` (a button for initiative cards),
the ``new_meeting`` command (args ``initiative:<id>`` or ``idea_call:<id>``), and
``RECORD_FOLLOWUPS`` (functions ``(turn, meeting) -> [Button]`` offered after the organiser
records the results, e.g. initiative status buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bot.core.actions import action, pack
from bot.core.replies import (
    Button,
    Card,
    Carousel,
    Choices,
    DatetimeRequest,
    Form,
    FormErrors,
    FormField,
    Text,
    to_json,
)
from bot.core.router import Router
from bot.core.turn import Turn
from handlers.common import REASK, Menu
from storage import reminders
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
STAFF_FORM_CHANNELS = ("slack", "simulator")
ANSWERS = ("yes", "no", "maybe")
REMINDER_CHOICES: dict[str, list[dict[str, Any]]] = {
    "both": reminders.DEFAULT_REMINDERS,
    "day": [reminders.DEFAULT_REMINDERS[0]],
    "hour": [reminders.DEFAULT_REMINDERS[1]],
    "none": [],
}
CAPACITY_CHOICES = (0, 5, 10, 20, 30)
ONE_HOUR = timedelta(hours=1)
RECORD_FOLLOWUPS: list[Callable[[Turn, Meeting], list[Button]]] = []


# ---------------------------------------------------------------- actions (prefix "m")


@action("ms")
class ScheduleMeeting:
    initiative_id: int


@action("msc")
class ScheduleCallMeeting:
    call_id: int


@action("mps")
class PickStart:
    pass


@action("mpe")
class PickEnd:
    pass


@action("mcap")
class PickCapacity:
    value: int


@action("mrem")
class PickReminders:
    choice: str


@action("mskip")
class SkipNotes:
    pass


@action("mok")
class ConfirmMeeting:
    pass


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


def ics_url(turn: Turn, meeting_id: int) -> str:
    base = turn.config.public_base_url
    return f"{base.rstrip('/')}/calendar/meetings/{meeting_id}.ics"


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
    fields.append((t("meetings.field_calendar"), ics_url(turn, meeting.id)))
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


def create_meeting(turn: Turn, target: str, data: dict[str, Any]) -> Meeting:
    """Write the meeting, its invitations and the organiser's follow-up in this transaction."""
    kind, _, raw = target.partition(":")
    meeting = Meeting(
        initiative_id=int(raw) if kind == "initiative" else None,
        idea_call_id=int(raw) if kind == "idea_call" else None,
        title=data["title"][:80],
        starts_at=datetime.fromisoformat(data["start"]),
        ends_at=datetime.fromisoformat(data["end"]) if data.get("end") else None,
        place=(data.get("place") or None),
        online_url=(data.get("url") or None),
        capacity=data.get("capacity") or None,
        notes=(data.get("notes") or None),
        reminders=data.get("reminders", reminders.DEFAULT_REMINDERS),
        reminder_text=(data.get("reminder_text") or None),
        created_by=turn.person.id,
        created_at=turn.now,
        updated_at=turn.now,
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


def start_schedule(turn: Turn, target: str) -> None:
    if not can_schedule_for(turn, target):
        turn.say_text("common.not_allowed")
        return
    if turn.person.is_staff and turn.event.address.channel in STAFF_FORM_CHANNELS:
        turn.say(meeting_form(turn, target))
        return
    turn.dialog.clear()
    turn.dialog.enter(FLOW, "meeting.title")
    turn.dialog.data["target"] = target
    turn.say_text("meetings.ask_title")


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


# ---- resident dialog


def ask_start(turn: Turn) -> None:
    minimum = turn.local_input(turn.now)
    turn.say(
        DatetimeRequest(
            text=turn.t("meetings.ask_start"),
            label=turn.t("meetings.button_pick"),
            data=pack(PickStart()),
            initial=turn.dialog.data.get("start_local"),
            minimum=minimum,
        )
    )


def ask_end(turn: Turn) -> None:
    start = datetime.fromisoformat(turn.dialog.data["start"])
    turn.say(
        DatetimeRequest(
            text=turn.t("meetings.ask_end"),
            label=turn.t("meetings.button_pick"),
            data=pack(PickEnd()),
            initial=turn.dialog.data.get("end_local") or turn.local_input(start + ONE_HOUR),
            minimum=turn.local_input(start),
        )
    )


def ask_capacity(turn: Turn) -> None:
    turn.say(
        Choices(
            text=turn.t("meetings.ask_capacity"),
            buttons=tuple(
                Button(
                    label=turn.t("meetings.capacity_none")
                    if n == 0
                    else turn.t("meetings.capacity_n", n=n),
                    data=pack(PickCapacity(n)),
                )
                for n in CAPACITY_CHOICES
            ),
        )
    )


def ask_reminders(turn: Turn) -> None:
    turn.say(
        Choices(
            text=turn.t("meetings.ask_reminders"),
            buttons=tuple(
                Button(label=turn.t(f"meetings.reminders_{c}"), data=pack(PickReminders(c)))
                for c in REMINDER_CHOICES
            ),
        )
    )


def ask_notes(turn: Turn) -> None:
    turn.say(
        Choices(
            text=turn.t("meetings.ask_notes"),
            buttons=(Button(label=turn.t("meetings.button_skip"), data=pack(SkipNotes())),),
        )
    )


def show_confirm(turn: Turn) -> None:
    d = turn.dialog.data
    t = turn.t
    preview = Meeting(
        title=d["title"],
        starts_at=datetime.fromisoformat(d["start"]),
        ends_at=datetime.fromisoformat(d["end"]),
        place=d.get("place"),
        online_url=d.get("url"),
        capacity=None,
        notes=d.get("notes"),
        created_by=turn.person.id,
    )
    fields = [
        (t("meetings.field_when"), when_text(t, turn.tz, preview.starts_at, preview.ends_at)),
        (t("meetings.field_where"), where_text(t, preview)),
        (
            t("meetings.field_capacity"),
            t("meetings.capacity_n", n=d["capacity"])
            if d.get("capacity")
            else t("meetings.capacity_none"),
        ),
        (
            t("meetings.field_reminders"),
            t(f"meetings.reminders_{d.get('reminder_choice', 'both')}"),
        ),
    ]
    if preview.notes:
        fields.append((t("meetings.field_notes"), preview.notes))
    turn.say(
        Card(
            title=preview.title,
            body=t("meetings.confirm_body"),
            fields=tuple(fields),
            buttons=(
                Button(
                    label=t("meetings.button_create"), data=pack(ConfirmMeeting()), style="primary"
                ),
                Button(label=t("meetings.button_stop"), data=pack(Menu("cancel"))),
            ),
        )
    )


def take_start(turn: Turn, raw: Any) -> None:
    when = turn.parse_local(raw)
    if when is None:
        turn.say_text("meetings.error_datetime")
        return ask_start(turn)
    if when <= turn.now:
        turn.say_text("meetings.error_past")
        return ask_start(turn)
    turn.dialog.data["start"] = when.isoformat()
    turn.dialog.data["start_local"] = turn.local_input(when)
    turn.dialog.goto(f"{turn.dialog.flow}.end")
    ask_end(turn)


def take_end(turn: Turn, raw: Any) -> None:
    when = turn.parse_local(raw)
    start = datetime.fromisoformat(turn.dialog.data["start"])
    if when is None:
        turn.say_text("meetings.error_datetime")
        return ask_end(turn)
    if when <= start:
        turn.say_text("meetings.error_end_before_start")
        return ask_end(turn)
    turn.dialog.data["end"] = when.isoformat()
    turn.dialog.data["end_local"] = turn.local_input(when)
    if turn.dialog.flow == MOVE:
        return apply_move(turn)
    turn.dialog.goto("meeting.place")
    turn.say_text("meetings.ask_place")


@router.step("meeting.title")
def step_title(turn: Turn, text: str) -> None:
    title = text.strip()
    if not title or len(title) > 80:
        turn.say_text("meetings.error_title")
        return
    turn.dialog.data["title"] = title
    turn.dialog.goto("meeting.start")
    ask_start(turn)


@router.step("meeting.start")
@router.step("meeting_move.start")
def step_start_typed(turn: Turn, text: str) -> None:
    take_start(turn, text)


@router.step("meeting.end")
@router.step("meeting_move.end")
def step_end_typed(turn: Turn, text: str) -> None:
    take_end(turn, text)


@router.action(PickStart)
def picked_start(turn: Turn, _act: PickStart) -> None:
    if turn.dialog.step not in ("meeting.start", "meeting_move.start"):
        return turn.say_text("meetings.picker_stale")
    take_start(turn, turn.event.params.get("datetime"))


@router.action(PickEnd)
def picked_end(turn: Turn, _act: PickEnd) -> None:
    if turn.dialog.step not in ("meeting.end", "meeting_move.end"):
        return turn.say_text("meetings.picker_stale")
    take_end(turn, turn.event.params.get("datetime"))


@router.step("meeting.place")
def step_place(turn: Turn, text: str) -> None:
    value = text.strip()
    if not value or len(value) > 200:
        turn.say_text("meetings.error_place")
        return
    if value.startswith(("http://", "https://")):
        turn.dialog.data["url"] = value[:500]
        turn.dialog.data.pop("place", None)
    else:
        turn.dialog.data["place"] = value
        turn.dialog.data.pop("url", None)
    turn.dialog.goto("meeting.capacity")
    ask_capacity(turn)


@router.step("meeting.capacity")
def step_capacity_typed(turn: Turn, text: str) -> None:
    import unicodedata

    value = unicodedata.normalize("NFKC", text).strip()
    if not value.isdigit() or not 0 <= int(value) <= 1000:
        turn.say_text("meetings.error_capacity")
        return ask_capacity(turn)
    take_capacity(turn, int(value))


@router.action(PickCapacity)
def picked_capacity(turn: Turn, act: PickCapacity) -> None:
    if turn.dialog.step != "meeting.capacity" or not 0 <= act.value <= 1000:
        return turn.say_text("meetings.picker_stale")
    take_capacity(turn, act.value)


def take_capacity(turn: Turn, n: int) -> None:
    turn.dialog.data["capacity"] = n or None
    turn.dialog.goto("meeting.reminders")
    ask_reminders(turn)


@router.action(PickReminders)
def picked_reminders(turn: Turn, act: PickReminders) -> None:
    if turn.dialog.step != "meeting.reminders" or act.choice not in REMINDER_CHOICES:
        return turn.say_text("meetings.picker_stale")
    turn.dialog.data["reminder_choice"] = act.choice
    turn.dialog.goto("meeting.notes")
    ask_notes(turn)


@router.step("meeting.notes")
def step_notes(turn: Turn, text: str) -> None:
    if len(text.strip()) > 1000:
        turn.say_text("meetings.error_notes")
        return
    turn.dialog.data["notes"] = text.strip()
    turn.dialog.goto("meeting.confirm")
    show_confirm(turn)


@router.action(SkipNotes)
def skipped_notes(turn: Turn, _act: SkipNotes) -> None:
    if turn.dialog.step != "meeting.notes":
        return turn.say_text("meetings.picker_stale")
    turn.dialog.data["notes"] = ""
    turn.dialog.goto("meeting.confirm")
    show_confirm(turn)


@router.action(ConfirmMeeting)
def confirmed(turn: Turn, _act: ConfirmMeeting) -> None:
    if turn.dialog.step != "meeting.confirm":
        return turn.say_text("meetings.picker_stale")
    d = dict(turn.dialog.data)
    if not can_schedule_for(turn, d.get("target", "")):  # re-checked: roles may have changed
        turn.dialog.clear()
        return turn.say_text("common.not_allowed")
    if datetime.fromisoformat(d["start"]) <= turn.now:
        turn.dialog.goto("meeting.start")
        turn.say_text("meetings.error_past")
        return ask_start(turn)
    d["reminders"] = REMINDER_CHOICES[d.get("reminder_choice", "both")]
    meeting = create_meeting(turn, d["target"], d)
    turn.dialog.clear()
    turn.say_text("meetings.created", title=meeting.title)
    turn.say(manage_card(turn, meeting))


REASK.update(
    {
        "meeting.title": lambda turn: turn.say_text("meetings.ask_title"),
        "meeting.start": ask_start,
        "meeting.end": ask_end,
        "meeting.place": lambda turn: turn.say_text("meetings.ask_place"),
        "meeting.capacity": ask_capacity,
        "meeting.reminders": ask_reminders,
        "meeting.notes": ask_notes,
        "meeting.confirm": show_confirm,
        "meeting_move.start": ask_start,
        "meeting_move.end": ask_end,
        "meeting_record.notes": lambda turn: turn.say_text("meetings.ask_record"),
    }
)


# ---- staff modal


def meeting_form(turn: Turn, target: str, meeting: Meeting | None = None) -> Form:
    t = turn.t
    if meeting is not None:  # change the date only
        return Form(
            title=t("meetings.form_move_title"),
            fields=(
                FormField(
                    name="starts_at",
                    label=t("meetings.field_start"),
                    input="datetime",
                    initial=turn.local_input(meeting.starts_at),
                ),
                FormField(
                    name="ends_at",
                    label=t("meetings.field_end"),
                    input="datetime",
                    initial=turn.local_input(meeting.ends_at or meeting.starts_at),
                ),
            ),
            submit_label=t("meetings.button_save"),
            data=pack(MeetingForm(target)),
        )
    return Form(
        title=t("meetings.form_title"),
        fields=(
            FormField(name="title", label=t("meetings.field_title"), max_length=80),
            FormField(name="starts_at", label=t("meetings.field_start"), input="datetime"),
            FormField(name="ends_at", label=t("meetings.field_end"), input="datetime"),
            FormField(
                name="place", label=t("meetings.field_place"), required=False, max_length=200
            ),
            FormField(
                name="online_url", label=t("meetings.field_url"), required=False, max_length=500
            ),
            FormField(
                name="capacity", label=t("meetings.field_capacity"), input="number", required=False
            ),
            FormField(
                name="notes",
                label=t("meetings.field_notes"),
                input="textarea",
                required=False,
                max_length=1000,
            ),
            FormField(
                name="reminders",
                label=t("meetings.field_reminders"),
                input="multiselect",
                required=False,
                options=(
                    ("day_before", t("meetings.reminders_day")),
                    ("hour_before", t("meetings.reminders_hour")),
                ),
                initial=["day_before", "hour_before"],
            ),
            FormField(
                name="reminder_text",
                label=t("meetings.field_reminder_text"),
                required=False,
                max_length=200,
            ),
        ),
        submit_label=t("meetings.button_create"),
        data=pack(MeetingForm(target)),
    )


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [v for v in str(value).split(",") if v]


@router.form(MeetingForm)
def submitted(turn: Turn, act: MeetingForm, values: dict[str, Any]) -> None:
    t = turn.t
    kind, _, raw = act.target.partition(":")
    meeting = load_meeting(turn, int(raw)) if kind == "meeting" and raw.isdigit() else None
    allowed = can_manage(turn, meeting) if meeting else can_schedule_for(turn, act.target)
    if not allowed or (kind == "meeting" and meeting is None):
        return turn.say_text("common.not_allowed")
    errors: list[tuple[str, str]] = []
    start = turn.parse_local(values.get("starts_at"))
    end = turn.parse_local(values.get("ends_at"))
    if start is None:
        errors.append(("starts_at", t("meetings.error_datetime")))
    elif start <= turn.now:
        errors.append(("starts_at", t("meetings.error_past")))
    if end is None:
        errors.append(("ends_at", t("meetings.error_datetime")))
    elif start is not None and end <= start:
        errors.append(("ends_at", t("meetings.error_end_before_start")))
    if meeting is not None:
        if meeting.status == "cancelled":
            return turn.say_text("meetings.already_cancelled")
        if errors:
            return turn.say(FormErrors(errors=tuple(errors)))
        return move_meeting(turn, meeting, start, end)
    title = str(values.get("title") or "").strip()
    if not title or len(title) > 80:
        errors.append(("title", t("meetings.error_title")))
    place = str(values.get("place") or "").strip()
    url = str(values.get("online_url") or "").strip()
    if not place and not url:
        errors.append(("place", t("meetings.error_place")))
    if url and not url.startswith(("http://", "https://")):
        errors.append(("online_url", t("meetings.error_url")))
    capacity_raw = str(values.get("capacity") or "").strip()
    capacity = None
    if capacity_raw:
        if not capacity_raw.isdigit() or not 0 <= int(capacity_raw) <= 1000:
            errors.append(("capacity", t("meetings.error_capacity")))
        else:
            capacity = int(capacity_raw) or None
    chosen = _listed(values.get("reminders"))
    if any(c not in ("day_before", "hour_before") for c in chosen):
        errors.append(("reminders", t("meetings.error_reminders")))
    if errors:
        return turn.say(FormErrors(errors=tuple(errors)))
    specs = [
        s
        for c, s in zip(("day_before", "hour_before"), reminders.DEFAULT_REMINDERS, strict=True)
        if c in chosen
    ]
    data = {
        "title": title,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "place": place[:200],
        "url": url[:500],
        "capacity": capacity,
        "notes": str(values.get("notes") or "").strip()[:1000],
        "reminders": specs,
        "reminder_text": str(values.get("reminder_text") or "").strip()[:200],
    }
    meeting = create_meeting(turn, act.target, data)
    turn.say_text("meetings.created", title=meeting.title)
    turn.say(manage_card(turn, meeting))


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
    if turn.person.is_staff and turn.event.address.channel in STAFF_FORM_CHANNELS:
        return turn.say(meeting_form(turn, f"meeting:{meeting.id}", meeting))
    turn.dialog.clear()
    turn.dialog.enter(MOVE, "meeting_move.start")
    turn.dialog.data["meeting_id"] = meeting.id
    ask_start(turn)


def apply_move(turn: Turn) -> None:
    d = turn.dialog.data
    meeting = managed(turn, int(d["meeting_id"]), lock=True)
    turn.dialog.clear()
    if meeting is None:
        return
    if meeting.status == "cancelled":
        return turn.say_text("meetings.already_cancelled")
    move_meeting(
        turn, meeting, datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"])
    )


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
    turn.dialog.clear()
    turn.dialog.enter(RECORD, "meeting_record.notes")
    turn.dialog.data["meeting_id"] = meeting.id
    turn.say_text("meetings.ask_record")


@router.step("meeting_record.notes")
def step_record(turn: Turn, text: str) -> None:
    body = text.strip()
    if not body or len(body) > 2000:
        return turn.say_text("meetings.error_record")
    meeting = managed(turn, int(turn.dialog.data["meeting_id"]))
    turn.dialog.clear()
    if meeting is None:
        return
    meeting.record = body
    if turn.now >= meeting.starts_at:
        meeting.status = "held"
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
