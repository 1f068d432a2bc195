"""Button and form payloads of アイデア募集型 (prefix namespace "a"), residents' and staff's.

Every payload is a claim: handlers re-check existence, state and staff rights on the server.
"""

from __future__ import annotations

from bot.core.actions import action
from storage.models import IdeaStatus

# Resident side


@action("asb")
class StartIdea:
    call_id: int


@action("abr")
class BrowseIdeas:
    call_id: int
    page: int = 0


@action("asp")
class SupportIdea:
    idea_id: int


@action("amy")
class MyIdeas:
    call_id: int


@action("aie")
class EditIdea:
    idea_id: int


@action("aiq")
class WithdrawIdea:
    idea_id: int
    confirm: bool = False


@action("ali")
class ListCalls:
    page: int = 0


# Staff side


@action("acn")
class CallForm:
    """Submit of the call form: ``call_id`` 0 creates a draft, otherwise edits that call."""

    call_id: int


@action("acp")
class PublishCall:
    call_id: int
    meeting: bool = False


@action("ace")
class EditCall:
    call_id: int


@action("acx")
class CloseCall:
    call_id: int
    confirm: bool = False


@action("acs")
class ManageCall:
    call_id: int


@action("acm")
class CallMeeting:
    call_id: int


@action("acl")
class StaffIdeas:
    call_id: int
    page: int = 0


@action("acv")
class ExportCall:
    call_id: int


@action("ast")
class SetIdeaStatus:
    """Quick status change without an answer (検討中)."""

    idea_id: int
    status: IdeaStatus


@action("aan")
class AnswerIdea:
    """Open the official-answer form, with ``status`` preselected."""

    idea_id: int
    status: IdeaStatus = IdeaStatus.ADOPTED


@action("aas")
class AnswerForm:
    """Submit of the official-answer form."""

    idea_id: int


@action("ami")
class MakeInitiative:
    idea_id: int
