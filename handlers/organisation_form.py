"""What creating and joining an organisation ask, declared once: its kind, then its name
(≤40); or the invite code its admin gave.

Only staff may create the ward itself (the kind ``ward`` is offered to staff only, and checked
again on submit). Both are asked one at a time on every channel, as before;
``handlers.organisations`` creates or joins on submit. A wrong code is asked again, and after
``CODE_TRIES`` wrong codes the dialog ends, so codes cannot be guessed by trying many.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.wizard_fields import ChoiceField, Field, GiveUp, Invalid
from handlers.initiative_views import kind_label, sanitize
from handlers.text_fields import PostedText
from storage.models import ActorKind
from storage.queries import profiles as pq

if TYPE_CHECKING:
    from bot.core.turn import Turn

NAME_MAX = 40
CODE_TRIES = 5
TRIES = "_tries"  # wrong codes so far, kept in the dialog next to the answers
ORG_KINDS = ("neighborhood", "npo", "business", "school", "ward")


def org_kinds(turn: Turn) -> Sequence[tuple[str, str]]:
    """The kinds this person may create (``ward``: staff only)."""
    return [(k, kind_label(turn.t, k)) for k in ORG_KINDS if k != "ward" or turn.person.is_staff]


ORGANISATION_FIELDS: tuple[Field, ...] = (
    ChoiceField(
        name="kind",
        label="profiles.f_kind",
        ask="profiles.ask_org_kind",
        options=org_kinds,
        error="initiatives.use_buttons",
    ),
    PostedText(
        name="name",
        label="profiles.f_org_name",
        ask="profiles.ask_org_name",
        max_length=NAME_MAX,
    ),
)


@dataclass(frozen=True)
class OrganisationDraft:
    kind: str
    name: str


@dataclass(frozen=True, kw_only=True)
class InviteCode(Field):
    """An organisation's invite code as its admin gave it (case, width, spaces and dashes
    do not matter); a wrong one counts towards ``CODE_TRIES``."""

    error: str = "profiles.code_wrong"

    def coerce(self, raw: Any) -> Any:
        text = unicodedata.normalize("NFKC", sanitize(str(raw)))
        return text.upper().replace(" ", "").replace("-", "")

    def check(self, turn: Turn, value: Any, answers: Mapping[str, Any]) -> str:
        actor = pq.actor_by_invite_code(turn.db, value) if 4 <= len(value) <= 16 else None
        if actor is not None and actor.kind != ActorKind.INDIVIDUAL:
            return str(value)
        tries = int(turn.dialog.data.get(TRIES, 0)) + 1
        turn.dialog.data[TRIES] = tries
        if tries >= CODE_TRIES:  # slow down guessing: start again later
            raise GiveUp("profiles.code_too_many")
        raise self.refuse()

    def refuse(self) -> Invalid:
        return Invalid(self.error)


JOIN_FIELDS: tuple[Field, ...] = (
    InviteCode(name="code", label="profiles.f_join_code", ask="profiles.ask_code"),
)


@dataclass(frozen=True)
class JoinDraft:
    code: str
