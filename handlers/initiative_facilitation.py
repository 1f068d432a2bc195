"""Staff facilitation: claiming an initiative (担当), finding partners, inviting organisations; after a preparation meeting."""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Choices,
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import initiative_actions as a
from handlers.initiative_access import JOINABLE, get_visible, touch
from handlers.initiative_views import (
    initiative_card,
    labels,
    refresh_staff_card,
    status_label,
    thread_key,
)
from handlers.meetings import RECORD_FOLLOWUPS
from storage.db import stored_id
from storage.models import (
    Actor,
    Initiative,
)
from storage.queries import initiatives as q

router = Router()
# ================================================================ staff facilitation


@router.action(a.Claim)
def claim(turn: Turn, act: a.Claim) -> None:
    if not turn.require_staff():
        return
    ini = get_visible(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    if ini.facilitator_id == turn.person.id:
        turn.say_text("initiatives.already_claimed")
        return
    previous = ini.facilitator_id
    ini.facilitator_id = turn.person.id
    touch(turn, ini)
    turn.db.flush()
    turn.audit("initiative.claim", "initiative", ini.id, previous=previous)
    refresh_staff_card(turn, ini)
    turn.say_text("initiatives.claimed", title=ini.title)


@router.action(a.Match)
def match(turn: Turn, act: a.Match) -> None:
    if not turn.require_staff():
        return
    ini = get_visible(turn, act.initiative_id)
    if ini is None:
        return
    found = q.shortlist(turn.db, ini)
    if not found:
        turn.say_text("initiatives.no_matches")
        return
    lang = turn.t.language
    lines = []
    for i, m in enumerate(found, 1):
        why = []
        if m.category:
            why.append(
                turn.t(
                    "initiatives.why_category",
                    category=turn.ward.categories.label(ini.category, lang),
                )
            )
        if m.area:
            why.append(turn.t("initiatives.why_area", area=turn.ward.areas.label(ini.area, lang)))
        if m.strengths:
            why.append(
                turn.t(
                    "initiatives.why_strengths",
                    strengths=labels(turn.ward.strengths, m.strengths, lang),
                )
            )
        lines.append(f"{i}. {m.actor.name}（{', '.join(why)}）")
    turn.say(
        Choices(
            text=turn.t("initiatives.matches", title=ini.title, lines="\n".join(lines)),
            buttons=tuple(
                Button(
                    label=turn.t("initiatives.invite", name=m.actor.name[:12]),
                    data=pack(a.Invite(stored_id(ini.id), stored_id(m.actor.id))),
                )
                for m in found
            ),
        )
    )


@router.action(a.Invite)
def invite(turn: Turn, act: a.Invite) -> None:
    if not turn.require_staff():
        return
    ini = get_visible(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status not in JOINABLE:
        turn.say_text("initiatives.closed", status=status_label(turn.t, ini.status))
        return
    actor = turn.db.get(Actor, act.actor_id)
    if actor is None:
        turn.say_text("common.not_found")
        return
    sent = 0
    for person in q.actor_people(turn.db, actor):
        if person.deleted or person.suspended:
            continue
        t = turn.tr_for(person)
        row = turn.notify(
            person,
            Text(text=t("initiatives.invited", name=actor.name)),
            initiative_card(turn, ini, viewer=person, t=t),
            kind="invite",
            dedupe_key=f"invite:{ini.id}:{actor.id}:{person.id}",
        )
        sent += row is not None
    turn.audit("initiative.invite", "initiative", ini.id, actor_id=actor.id, sent=sent)
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_invited", "ja", name=actor.name, staff=turn.person.display_name
            )
        ),
        thread_key=thread_key(ini),
    )
    turn.say_text("initiatives.invites_sent", name=actor.name, count=sent)


# ---------------------------------------------------------------- after a preparation meeting


def _status_after_meeting(turn: Turn, meeting) -> list[Button]:
    """After the organiser records a preparation meeting, offer the initiative's status menu."""
    if meeting.initiative_id is None:
        return []
    ini = turn.db.get(Initiative, meeting.initiative_id)
    if ini is None or not q.can_manage(turn.db, ini, turn.person):
        return []
    return [
        Button(label=turn.t("initiatives.b_status"), data=pack(a.StatusMenu(stored_id(ini.id))))
    ]


RECORD_FOLLOWUPS.append(_status_after_meeting)
