"""Button payloads of the meeting dialogs (prefix "m"), and the hook for what follows a record.

Every payload is a claim: handlers re-check existence, state and permission on the server.
``RECORD_FOLLOWUPS`` lives here so another domain (initiatives) can offer its buttons after the
organiser records a meeting without importing the meeting dialogs.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.actions import action
from bot.core.replies import Button
from bot.core.turn import Turn
from storage.models import Meeting

ANSWERS = ("yes", "no", "maybe")
# Functions ``(turn, meeting) -> [Button]`` offered after the organiser records the results.
RECORD_FOLLOWUPS: list[Callable[[Turn, Meeting], list[Button]]] = []


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
