"""Answering an invitation (参加・不参加・未定) with a waitlist, my plans, one meeting's card.

First come, first served: a "yes" beyond the capacity waits; a freed place goes to the first
person waiting, who is told. The meeting row is locked while answering so the capacity holds.
"""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import Button, Carousel
from bot.core.router import Router
from bot.core.turn import Turn
from handlers.meeting_access import can_manage, eligible, load_meeting, may_see
from handlers.meeting_actions import ANSWERS, Answer, ManageMeeting, ShowMeeting
from handlers.meeting_cards import (
    answer_label,
    feed_url,
    manage_card,
    meeting_card,
    past_card,
    plan_reminders,
    rsvp_buttons,
)
from storage import reminders
from storage.db import stored_id, stored_row
from storage.models import Meeting, Person, Rsvp
from storage.queries import meetings as q

router = Router()


def waitlist_position(turn: Turn, meeting_id: int | None, person_id: int | None) -> int:
    rows = q.waitlist(turn.db, meeting_id)
    return rows.index(person_id) + 1 if person_id in rows else 0


def promote(turn: Turn, meeting: Meeting) -> None:
    """First come, first served: fill free places from the waitlist and tell each person."""
    while meeting.capacity is None or q.yes_count(turn.db, meeting.id) < meeting.capacity:
        nxt = q.next_waitlisted(turn.db, meeting.id)
        if nxt is None:
            return
        nxt.answer = "yes"
        nxt.updated_at = turn.now
        turn.db.add(nxt)
        turn.db.flush()
        plan_reminders(turn, meeting, nxt.person_id)
        person = stored_row(turn.db, Person, nxt.person_id)
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
    rsvp = q.rsvp_of(turn.db, meeting.id, turn.person.id)
    if rsvp is None:
        if not eligible(turn, meeting):
            return turn.say_text("meetings.not_invited")
        rsvp = Rsvp(
            meeting_id=stored_id(meeting.id),
            person_id=stored_id(turn.person.id),
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
        full = meeting.capacity is not None and q.yes_count(turn.db, meeting.id) >= meeting.capacity
        rsvp.answer = "waitlisted" if full else "yes"
    else:
        rsvp.answer = act.answer
    turn.db.add(rsvp)
    turn.db.flush()
    turn.audit("meeting.rsvp", "meeting", meeting.id, answer=rsvp.answer)
    if rsvp.answer == "yes":
        plan_reminders(turn, meeting, stored_id(turn.person.id))
        turn.say(
            meeting_card(turn, turn.t, meeting, body=turn.t("meetings.yes_saved"), answer="yes")
        )
    else:
        reminders.cancel_pending(turn.db, stored_id(meeting.id), turn.person.id)
        if rsvp.answer == "waitlisted":
            turn.say_text(
                "meetings.waitlisted", n=waitlist_position(turn, meeting.id, turn.person.id)
            )
        else:
            turn.say_text("meetings.answer_saved", answer=answer_label(turn.t, rsvp.answer))
        if old == "yes":
            promote(turn, meeting)


@router.command("plans")
def plans(turn: Turn, _args: str) -> None:
    """参加予定: my upcoming meetings with my answer, buttons, and my private calendar feed;
    then, for an organiser, おわった集い — their meetings of the last 14 days, to record."""
    rows = q.upcoming_answered(turn.db, turn.person.id, turn.now)
    mine = q.upcoming_organised(turn.db, turn.person.id, turn.now)
    cards = []
    for meeting, rsvp in rows:
        buttons = list(rsvp_buttons(turn.t, stored_id(meeting.id)))
        if can_manage(turn, meeting):
            buttons.append(
                Button(
                    label=turn.t("meetings.button_manage"),
                    data=pack(ManageMeeting(stored_id(meeting.id))),
                )
            )
        cards.append(meeting_card(turn, turn.t, meeting, answer=rsvp.answer, buttons=buttons))
    seen = {m.id for m, _ in rows}
    cards += [manage_card(turn, m) for m in mine if m.id not in seen]
    if cards:
        turn.say(Carousel(alt_text=turn.t("meetings.plans_title"), cards=tuple(cards[:10])))
    past = q.recent_organised(turn.db, turn.person.id, turn.now)
    if past:
        turn.say_text("meetings.past_title")
        turn.say(
            Carousel(
                alt_text=turn.t("meetings.past_title"),
                cards=tuple(past_card(turn, m) for m in past),
            )
        )
    elif not cards:
        turn.say_text("meetings.plans_empty")
    turn.say_text("meetings.feed_link", url=feed_url(turn, turn.person))


@router.action(ShowMeeting)
def show(turn: Turn, act: ShowMeeting) -> None:
    meeting = load_meeting(turn, act.meeting_id)
    if meeting is None:
        return turn.say_text("meetings.already_cancelled")
    if not may_see(turn, meeting):
        return turn.say_text("meetings.invite_only")
    rsvp = q.rsvp_of(turn.db, meeting.id, turn.person.id)
    turn.say(meeting_card(turn, turn.t, meeting, answer=rsvp.answer if rsvp else None))
