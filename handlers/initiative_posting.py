"""Writing a new initiative (from the residents' dialog or the staff form) and who hears of it.

The initiative row is written only on 「投稿する」 (or the staff form's submit); staff get the
thread root card and immediate followers a notice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import select

from bot.core.replies import (
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.initiative_access import new_token, ward_actor
from handlers.initiative_views import (
    initiative_card,
    staff_card,
    thread_key,
)
from handlers.staff_post_form import (
    STAFF_POST_FIELDS,
    WARD,
    StaffPostDraft,
)
from storage import ledger
from storage.db import stored_id
from storage.models import (
    Initiative,
    Person,
    Subscription,
)

router = Router()
# ================================================================ posting: shared


def create_initiative(turn: Turn, fields: dict[str, Any]) -> Initiative:
    """Write the initiative, tell staff (thread root), audit, and tell immediate followers."""
    ini = Initiative(
        actor_id=fields["actor_id"],
        poster_id=stored_id(turn.person.id),
        title=fields["title"],
        description=fields["description"],
        category=fields["category"],
        area=fields.get("area"),
        help_wanted=list(fields.get("help") or []),
        starts_on=parse_iso(fields.get("starts")),
        ends_on=parse_iso(fields.get("ends")),
        capacity=fields.get("capacity"),
        created_at=turn.now,
        updated_at=turn.now,
    )
    turn.db.add(ini)
    turn.db.flush()
    ledger.initiative_posted(turn.db, ini, turn.now)
    turn.audit("initiative.post", "initiative", ini.id, actor_id=ini.actor_id)
    turn.notify_staff(staff_card(turn, ini), thread_key=thread_key(ini))
    _notify_immediate_followers(turn, ini)
    return ini


def _notify_immediate_followers(turn: Turn, ini: Initiative) -> None:
    topics = [(Subscription.topic == "category") & (Subscription.value == ini.category)]
    if ini.area:
        topics.append((Subscription.topic == "area") & (Subscription.value == ini.area))
    cond = topics[0] if len(topics) == 1 else topics[0] | topics[1]
    person_ids = sorted(
        set(
            turn.db.exec(
                select(Subscription.person_id).where(cond, Subscription.mode == "immediate")
            ).all()
        )
    )
    for pid in person_ids:
        if pid == turn.person.id:
            continue
        person = turn.db.get(Person, pid)
        if person is None or person.deleted or person.suspended:
            continue
        t = turn.tr_for(person)
        turn.notify(
            person,
            Text(text=t("initiatives.new_for_follower")),
            initiative_card(turn, ini, viewer=person, t=t),
            kind="follow",
            dedupe_key=f"initiative:{ini.id}:new:{pid}",
        )


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# ================================================================ posting: staff form


def posted_by_staff(turn: Turn, draft: StaffPostDraft, _context: str) -> None:
    actor_id = ward_actor(turn).id if draft.actor in (None, WARD) else int(draft.actor)
    fields: dict[str, Any] = {
        "actor_id": actor_id,
        "title": draft.title,
        "description": draft.description,
        "category": draft.category,
        "area": draft.area,
        "help": draft.help or [],
        "starts": draft.starts.isoformat() if draft.starts else None,
        "capacity": draft.capacity,
    }
    ini = create_initiative(turn, fields)
    turn.audit("initiative.post_by_staff", "initiative", ini.id)
    turn.say_text("initiatives.posted", title=ini.title)


STAFF_POST = Wizard(
    flow="ipost_staff",
    title="initiatives.form_title",
    fields=STAFF_POST_FIELDS,
    draft=StaffPostDraft,
    submit=posted_by_staff,
    allowed=lambda turn, _context: turn.person.is_staff,
    refused="common.staff_only",
    submit_label="initiatives.submit",
    form_action=lambda _context: a.StaffPost(new_token()),
)


@router.form(a.StaffPost)
def staff_post(turn: Turn, _act: a.StaffPost, values: dict[str, Any]) -> None:
    STAFF_POST.submitted(turn, "", values)
