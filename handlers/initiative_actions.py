"""Button payloads of the initiative and profile dialogs (prefixes i* and p*).

Every payload is a claim: handlers re-check existence, state and permission on the server.
Dialog buttons carry the dialog's token and step so a button from another step or an older
dialog is recognised as stale instead of changing anything.
"""

from __future__ import annotations

from bot.core.actions import action

# ---------------------------------------------------------------- post dialog


@action("isf")
class StaffPost:
    """The staff posting form (Slack modal)."""

    token: str


# ---------------------------------------------------------------- browse


@action("ib")
class Browse:
    category: str
    area: str
    keyword: str
    offset: int


@action("ibf")
class BrowseFilter:
    kind: str  # category | area
    category: str
    area: str


@action("ibs")
class BrowseSearch:
    pass


@action("ish")
class Show:
    initiative_id: int


# ---------------------------------------------------------------- joining


@action("ij")
class Join:
    initiative_id: int


@action("ijm")
class JoinMessage:
    initiative_id: int


@action("ijs")
class JoinMessageSkip:
    initiative_id: int


@action("iw")
class Withdraw:
    initiative_id: int


@action("ipl")
class Participants:
    initiative_id: int


# ---------------------------------------------------------------- opinions


@action("ioa")
class OpinionAsk:
    initiative_id: int


@action("ioc")
class OpinionAudience:
    """The audience buttons before the wizard: still decoded (old chat history) and refused
    as an unknown button, since no route takes them any more."""

    initiative_id: int
    audience: str  # participants | everyone
    token: str


@action("ioo")
class OpinionAnswer:
    request_id: int


@action("iol")
class OpinionList:
    initiative_id: int


@action("iox")
class OpinionClose:
    request_id: int


# ---------------------------------------------------------------- lifecycle and staff


@action("ied")
class EditInitiative:
    """「内容をなおす」 on a managed initiative: the post dialog, filled in."""

    initiative_id: int


@action("ism")
class StatusMenu:
    initiative_id: int


@action("ist")
class SetStatus:
    initiative_id: int
    status: str
    current: str  # the status the button was made for (stale if it changed since)


@action("icl")
class Claim:
    initiative_id: int


@action("imt")
class Match:
    initiative_id: int


@action("iiv")
class Invite:
    initiative_id: int
    actor_id: int


# ---------------------------------------------------------------- profiles


@action("pp")
class Profile:
    actor_id: int


@action("pe")
class EditProfile:
    actor_id: int


@action("pef")
class EditField:
    actor_id: int
    field: str  # name | area | activity | interests | strengths


@action("pmi")
class MyInitiatives:
    pass


@action("ppl")
class MyParticipations:
    pass


@action("pf")
class FollowSettings:
    pass


@action("pfp")
class FollowPick:
    topic: str  # category | area


@action("pft")
class FollowToggle:
    topic: str
    value: str


@action("pfm")
class FollowMode:
    mode: str  # digest | immediate


@action("pjo")
class JoinOrganisation:
    pass


@action("pco")
class CreateOrganisation:
    pass


@action("pck")
class OrganisationKind:
    kind: str
    token: str


# ---------------------------------------------------------------- confirm and undo (withdrawal)


@action("iwa")
class WithdrawAsk:
    """The card's 「参加をやめる」: asks once before ``Withdraw`` (the はい) takes effect."""

    initiative_id: int


@action("iwk")
class WithdrawKeep:
    """いいえ: nothing changes."""

    initiative_id: int


@action("iwu")
class UndoWithdraw:
    """「取り消す」 after a withdrawal (within UNDO_WINDOW, if the place is still free)."""

    initiative_id: int
    was: str  # joined | waitlisted
