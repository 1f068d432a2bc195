"""What creating an organisation asks, declared once: its kind, then its name (≤40).

Only staff may create the ward itself (the kind ``ward`` is offered to staff only, and checked
again on submit). Asked one at a time on every channel, as before; ``handlers.profiles``
creates the organisation with its invite code on submit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.wizard_fields import ChoiceField, Field
from handlers.initiative_views import kind_label
from handlers.text_fields import PostedText

if TYPE_CHECKING:
    from bot.core.turn import Turn

NAME_MAX = 40
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
