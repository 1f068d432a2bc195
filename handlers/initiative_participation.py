"""「参加したい」: joining (or the waitlist), a message to the poster, withdrawing, the participant list."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Choices,
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.common import menu_choices
from handlers.initiative_access import (
    DIALOG_TTL,
    FINAL,
    JOINABLE,
    epoch,
    get_managed,
    get_visible,
    name_of,
    tell_poster,
)
from handlers.initiative_views import (
    initiative_card,
    refresh_staff_card,
    status_label,
    thread_key,
)
from handlers.text_fields import PostedText
from storage.db import stored_id
from storage.models import (
    Initiative,
    InitiativeStatus,
    Participation,
    Person,
)
from storage.queries import initiatives as q

router = Router()

MESSAGE_MAX = 500
# ================================================================ 「参加したい」


@router.action(a.Join)
def join(turn: Turn, act: a.Join) -> None:
    ini = get_visible(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    if ini.status not in JOINABLE:
        turn.say_text("initiatives.closed", status=status_label(turn.t, ini.status))
        return
    if ini.poster_id == turn.person.id:
        turn.say_text("initiatives.own_initiative", title=ini.title)
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is not None and mine.status in q.ACTIVE:
        turn.say_text(
            "initiatives.already_joined"
            if mine.status == "joined"
            else "initiatives.already_waiting"
        )
        return
    joined, _waiting = q.counts(turn.db, stored_id(ini.id))
    status = "joined" if ini.capacity is None or joined < ini.capacity else "waitlisted"
    if mine is None:
        mine = Participation(
            initiative_id=stored_id(ini.id),
            person_id=stored_id(turn.person.id),
            actor_id=turn.person.actor_id,
            status=status,
            created_at=turn.now,
            updated_at=turn.now,
        )
        try:
            with turn.db.begin_nested():
                turn.db.add(mine)
        except IntegrityError:  # a double click raced us: the first one counts
            turn.say_text("initiatives.already_joined")
            return
    else:  # came back after withdrawing: to the end of the queue
        mine.status, mine.created_at, mine.updated_at = status, turn.now, turn.now
        turn.db.add(mine)
    turn.db.flush()
    turn.audit(f"participation.{status}", "initiative", ini.id)
    joined, waiting = q.counts(turn.db, stored_id(ini.id))
    if status == "joined":
        turn.say_text("initiatives.joined", title=ini.title)
    else:
        turn.say_text("initiatives.waitlisted", title=ini.title, position=waiting)
    tell_poster(
        turn,
        ini,
        "initiatives.poster_joined" if status == "joined" else "initiatives.poster_waitlisted",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:join:{mine.id}:{epoch(turn)}",
        joined=joined,
    )
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_joined",
                "ja",
                name=turn.person.display_name,
                status=status_label(turn.catalog.translator("ja"), ini.status),
                joined=joined,
                waiting=waiting,
            )
        ),
        thread_key=thread_key(ini),
    )
    refresh_staff_card(turn, ini)
    turn.say(
        Choices(
            text=turn.t("initiatives.ask_message_choice"),
            buttons=(
                Button(
                    label=turn.t("initiatives.send_message"),
                    data=pack(a.JoinMessage(stored_id(ini.id))),
                ),
                Button(
                    label=turn.t("common.skip"), data=pack(a.JoinMessageSkip(stored_id(ini.id)))
                ),
            ),
        )
    )


@router.action(a.JoinMessage)
def join_message(turn: Turn, act: a.JoinMessage) -> None:
    ini = get_visible(turn, act.initiative_id)
    if ini is None:
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status not in q.ACTIVE:
        turn.say_text("initiatives.not_joined")
        return
    JOIN_MESSAGE.start(turn, str(ini.id))


def _still_joined(turn: Turn, context: str) -> bool:
    """The person still takes part in a visible initiative (checked at start and at sending)."""
    ini = turn.db.get(Initiative, int(context)) if context.isdigit() else None
    if ini is None or (ini.hidden and not turn.person.is_staff):
        return False
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    return mine is not None and mine.status in q.ACTIVE


@dataclass(frozen=True)
class JoinMessageDraft:
    message: str


def message_sent(turn: Turn, draft: JoinMessageDraft, context: str) -> None:
    ini = turn.db.get(Initiative, int(context))
    assert ini is not None  # _still_joined checked it just now
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    assert mine is not None
    mine.message, mine.updated_at = draft.message, turn.now
    turn.db.add(mine)
    tell_poster(
        turn,
        ini,
        "initiatives.poster_message",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:message:{mine.id}:{epoch(turn)}",
        message=draft.message,
    )
    turn.say_text("initiatives.message_sent")


JOIN_MESSAGE = Wizard(
    flow="ijoin",
    title="initiatives.send_message",
    fields=(
        PostedText(
            name="message",
            label="initiatives.send_message",
            ask="initiatives.ask_message",
            max_length=MESSAGE_MAX,
            multiline=True,
        ),
    ),
    draft=JoinMessageDraft,
    submit=message_sent,
    allowed=_still_joined,
    refused="initiatives.not_joined",
    confirm=False,  # one answer: sending it is the point
    forms=False,
    ttl=DIALOG_TTL,
)
JOIN_MESSAGE.register(router)


@router.action(a.JoinMessageSkip)
def join_message_skip(turn: Turn, _act: a.JoinMessageSkip) -> None:
    turn.say(menu_choices(turn, "initiatives.message_skipped"))


@router.action(a.Withdraw)
def withdraw(turn: Turn, act: a.Withdraw) -> None:
    ini = get_visible(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status not in q.ACTIVE:
        turn.say_text("initiatives.not_joined")
        return
    if closed_for_withdrawal(turn, ini):
        return
    was = mine.status
    mine.status, mine.updated_at = "withdrawn", turn.now
    turn.db.add(mine)
    turn.db.flush()
    turn.audit("participation.withdrawn", "initiative", ini.id)
    turn.say(
        Choices(
            text=turn.t("initiatives.withdrawn_undo", title=ini.title, minutes=10),
            buttons=(
                Button(
                    label=turn.t("initiatives.b_undo"),
                    data=pack(a.UndoWithdraw(stored_id(ini.id), was)),
                ),
            ),
        )
    )  # handlers/withdrawal.py takes the 取り消す (ten minutes, if the place is still free)
    promoted = _promote(turn, ini) if was == "joined" else None
    tell_poster(
        turn,
        ini,
        "initiatives.poster_withdrawn",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:withdraw:{mine.id}:{epoch(turn)}",
    )
    note = turn.catalog.text("initiatives.staff_withdrawn", "ja", name=turn.person.display_name)
    if promoted is not None:
        note += "\n" + turn.catalog.text(
            "initiatives.staff_promoted",
            "ja",
            name=name_of(turn, turn.db.get(Person, promoted.person_id)),
        )
    turn.notify_staff(Text(text=note), thread_key=thread_key(ini))
    refresh_staff_card(turn, ini)


def closed_for_withdrawal(turn: Turn, ini: Initiative) -> bool:
    """After 完了 or 中止 nobody withdraws (forged and stale buttons included); says why."""
    if ini.status == InitiativeStatus.DONE:  # participants are frozen at 完了
        turn.say_text("initiatives.withdraw_after_done", title=ini.title)
        return True
    if ini.status in FINAL:
        turn.say_text("initiatives.closed_for_changes", status=status_label(turn.t, ini.status))
        return True
    return False


def _promote(turn: Turn, ini: Initiative) -> Participation | None:
    """Move the first waitlisted person up when a place is free, and tell them."""
    joined, _ = q.counts(turn.db, stored_id(ini.id))
    if ini.capacity is not None and joined >= ini.capacity:
        return None
    nxt = q.first_waitlisted(turn.db, stored_id(ini.id))
    if nxt is None:
        return None
    nxt.status, nxt.updated_at = "joined", turn.now
    turn.db.add(nxt)
    turn.db.flush()
    turn.audit("participation.promoted", "initiative", ini.id, person_id=nxt.person_id)
    person = turn.db.get(Person, nxt.person_id)
    if person is not None:
        t = turn.tr_for(person)
        turn.notify(
            person,
            Text(text=t("initiatives.promoted", title=ini.title)),
            initiative_card(turn, ini, viewer=person, t=t),
            kind="join",
            dedupe_key=f"initiative:{ini.id}:promoted:{nxt.id}:{epoch(turn)}",
        )
    return nxt


@router.action(a.Participants)
def list_participants(turn: Turn, act: a.Participants) -> None:
    ini = get_managed(turn, act.initiative_id)
    if ini is None:
        return
    rows = q.participants(turn.db, stored_id(ini.id))
    if not rows:
        turn.say_text("initiatives.no_participants", title=ini.title)
        return
    lines = []
    for i, (p, person) in enumerate(rows, 1):
        mark = turn.t("initiatives.waitlist_mark") if p.status == "waitlisted" else ""
        line = f"{i}. {name_of(turn, person)}{mark}"
        if p.message:
            line += f"\n   「{p.message}」"
        lines.append(line)
    turn.say_text("initiatives.participants", title=ini.title, lines="\n".join(lines))
