"""Changing a posted initiative: the post dialog's own questions, opened filled in.

The poster, the posting organisation's admins and staff may change the title, description,
category, area, help wanted, dates and capacity until 完了 or 中止. The same field rules as
posting apply (one declaration, ``initiative_post_dialog.POST_FIELDS``); a capacity below the
people already taking part is refused; participants are told when the date, area or capacity
changes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from bot.core.replies import Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers.initiative_access import DIALOG_TTL, FINAL, active_people, get_managed, touch
from handlers.initiative_actions import EditInitiative
from handlers.initiative_post_dialog import POST_FIELDS
from handlers.initiative_views import initiative_card, refresh_staff_card
from storage.db import stored_id
from storage.models import Initiative
from storage.queries import initiatives as q

router = Router()

EDIT_FIELDS = tuple(f for f in POST_FIELDS if f.name != "actor")  # who posted stays


@dataclass(frozen=True)
class EditDraft:
    title: str
    description: str
    category: str
    area: str | None
    help: list[str] | None
    starts: datetime | None
    ends: datetime | None
    capacity: int | None


def _current(ini: Initiative) -> dict[str, Any]:
    return {
        "title": ini.title,
        "description": ini.description,
        "category": ini.category,
        "area": ini.area,
        "help": list(ini.help_wanted or []),
        "starts": ini.starts_on,
        "ends": ini.ends_on,
        "capacity": ini.capacity,
    }


def _may_edit(turn: Turn, context: str) -> bool:
    ini = turn.db.get(Initiative, int(context)) if context.isdigit() else None
    return ini is not None and q.can_manage(turn.db, ini, turn.person)


@router.action(EditInitiative)
def edit(turn: Turn, act: EditInitiative) -> None:
    ini = get_managed(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status in FINAL:
        return turn.say_text("initiatives.edit_closed", title=ini.title)
    EDIT.review(turn, str(ini.id), _current(ini))


def edited(turn: Turn, draft: EditDraft, context: str) -> None:
    """Write the changes, re-checked now (a closed initiative or a smaller capacity refused)."""
    ini = get_managed(turn, int(context), for_update=True)
    if ini is None:
        return
    if ini.status in FINAL:
        return turn.say_text("initiatives.edit_closed", title=ini.title)
    joined = sum(1 for p, _ in q.participants(turn.db, stored_id(ini.id)) if p.status == "joined")
    if draft.capacity is not None and draft.capacity < joined:
        turn.say_text("initiatives.edit_capacity_low", count=joined)
        return EDIT.review(turn, context, asdict(draft))  # nothing lost: back to the card
    before = _current(ini)
    ini.title, ini.description, ini.category = draft.title, draft.description, draft.category
    ini.area, ini.capacity = draft.area, draft.capacity
    ini.help_wanted = [c for c in turn.ward.strengths.codes if c in (draft.help or [])]
    ini.starts_on, ini.ends_on = draft.starts, draft.ends
    touch(turn, ini)
    after = _current(ini)
    changed = [k for k in before if before[k] != after[k]]
    turn.audit("initiative.edit", "initiative", ini.id, fields=changed)
    refresh_staff_card(turn, ini)
    if {"starts", "ends", "area", "capacity"} & set(changed):
        stamp = int(turn.now.timestamp())
        for person in active_people(turn, ini):
            if person.id == turn.person.id:
                continue
            t = turn.tr_for(person)
            turn.notify(
                person,
                Text(text=t("initiatives.changed_for_participant", title=ini.title)),
                initiative_card(turn, ini, viewer=person, t=t, detail=True),
                kind="initiative_change",
                dedupe_key=f"initiative:{ini.id}:edit:{person.id}:{stamp}",
            )
    turn.say_text("initiatives.edited", title=ini.title)
    turn.say(initiative_card(turn, ini, detail=True))


EDIT = Wizard(
    flow="iedit",
    title="initiatives.edit_card_title",
    fields=EDIT_FIELDS,
    draft=EditDraft,
    submit=edited,
    allowed=_may_edit,
    submit_label="initiatives.edit_submit",
    forms=False,  # the same step questions as posting, on every channel
    stale_step="initiatives.stale_button",
    ended="initiatives.stale_dialog",
    ttl=DIALOG_TTL,
)
EDIT.register(router)
