"""Who may schedule, see, answer and manage a meeting.

For an initiative: its poster, an admin of the posting organisation, or staff; for an idea call,
staff. Invitation-only meetings are seen by their invitees, the organiser and the managers.
"""

from __future__ import annotations

from bot.core.turn import Turn
from storage.models import IdeaCall, Initiative, Meeting
from storage.queries import meetings as q


def load_meeting(turn: Turn, meeting_id: int, *, lock: bool = False) -> Meeting | None:
    return q.load(turn.db, meeting_id, lock=lock)


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
            or q.is_org_admin(turn.db, initiative.actor_id, turn.person.id)
        )
    return False


def can_manage(turn: Turn, meeting: Meeting) -> bool:
    if turn.person.is_staff or meeting.created_by == turn.person.id:
        return True
    if meeting.initiative_id is not None:
        return can_schedule_for(turn, f"initiative:{meeting.initiative_id}")
    return False


def may_manage(turn: Turn, target: str) -> bool:
    kind, _, raw = target.partition(":")
    meeting = load_meeting(turn, int(raw)) if kind == "meeting" and raw.isdigit() else None
    return meeting is not None and can_manage(turn, meeting)


def managed(turn: Turn, meeting_id: int, *, lock: bool = False) -> Meeting | None:
    """The meeting if this person may manage it; otherwise says so and returns None."""
    meeting = load_meeting(turn, meeting_id, lock=lock)
    if meeting is None or not can_manage(turn, meeting):
        turn.say_text("common.not_allowed")
        return None
    return meeting


def invitees(turn: Turn, meeting: Meeting) -> list[int]:
    """An initiative's joined participants, or an idea call's category subscribers."""
    if meeting.initiative_id is not None:
        ids = q.joined_participants(turn.db, meeting.initiative_id)
    else:
        call = turn.db.get(IdeaCall, meeting.idea_call_id)
        categories = list(call.categories or []) if call else []
        ids = q.category_subscribers(turn.db, categories) if categories else []
    return sorted({i for i in ids if i != meeting.created_by})


def eligible(turn: Turn, meeting: Meeting) -> bool:
    return turn.person.id in invitees(turn, meeting)


def may_see(turn: Turn, meeting: Meeting) -> bool:
    """Everyone sees a public meeting; an invitation-only one only its invitees (an RSVP row
    exists for every invitation, or they may answer now), the organiser, the initiative's
    managers and staff."""
    if not meeting.invite_only or can_manage(turn, meeting):
        return True
    invited = q.has_rsvp_row(turn.db, meeting.id, turn.person.id)
    return invited or eligible(turn, meeting)
