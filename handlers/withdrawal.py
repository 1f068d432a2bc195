"""参加をやめる asks once, and can be taken back for ten minutes.

A mis-tap used to drop a place at once. Now the card asks 「本当に…？ はい／いいえ」, and the
answer to a withdrawal carries 「取り消す」. Waitlist policy: the first waitlisted person is
still moved up at once (nobody waits ten minutes for a place, and nobody promoted is ever
demoted), so 取り消す gives the place back only while it is still free; otherwise it says why
and offers the waitlist.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.actions import pack
from bot.core.replies import Button, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import initiative_actions as a
from handlers.initiative_access import get_visible, tell_poster
from handlers.initiative_participation import closed_for_withdrawal
from handlers.initiative_views import refresh_staff_card
from storage.db import stored_id
from storage.models import InitiativeStatus
from storage.queries import initiatives as q

router = Router()

UNDO_WINDOW = timedelta(minutes=10)
OPEN = (InitiativeStatus.RECRUITING, InitiativeStatus.PREPARING)


@router.action(a.WithdrawAsk)
def ask(turn: Turn, act: a.WithdrawAsk) -> None:
    ini = get_visible(turn, act.initiative_id)
    if ini is None:
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status not in q.ACTIVE:
        turn.say_text("initiatives.not_joined")
        return
    if closed_for_withdrawal(turn, ini):
        return
    turn.say(
        Choices(
            text=turn.t("initiatives.withdraw_confirm", title=ini.title),
            buttons=(
                Button(
                    label=turn.t("common.yes"),
                    data=pack(a.Withdraw(stored_id(ini.id))),
                    style="danger",
                ),
                Button(label=turn.t("common.no"), data=pack(a.WithdrawKeep(stored_id(ini.id)))),
            ),
        )
    )


@router.action(a.WithdrawKeep)
def keep(turn: Turn, act: a.WithdrawKeep) -> None:
    ini = get_visible(turn, act.initiative_id)
    if ini is not None:
        turn.say_text("initiatives.withdraw_kept", title=ini.title)


@router.action(a.UndoWithdraw)
def undo(turn: Turn, act: a.UndoWithdraw) -> None:
    ini = get_visible(turn, act.initiative_id, for_update=True)
    if ini is None:
        return
    mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if mine is None or mine.status != "withdrawn":
        turn.say_text("initiatives.undo_nothing")
        return
    if ini.status not in OPEN:
        turn.say_text("initiatives.undo_closed", title=ini.title)
        return
    withdrawn_at = mine.updated_at
    if withdrawn_at.tzinfo is None:
        withdrawn_at = withdrawn_at.replace(tzinfo=turn.now.tzinfo)
    if turn.now - withdrawn_at > UNDO_WINDOW:
        turn.say_text("initiatives.undo_too_late", title=ini.title)
        return
    joined, _waiting = q.counts(turn.db, stored_id(ini.id))
    free = ini.capacity is None or joined < ini.capacity
    if act.was == "joined" and not free:
        turn.say(
            Choices(
                text=turn.t("initiatives.undo_taken", title=ini.title),
                buttons=(
                    Button(
                        label=turn.t("initiatives.b_join_waitlist"),
                        data=pack(a.Join(stored_id(ini.id))),
                        style="primary",
                    ),
                ),
            )
        )
        return
    mine.status = "joined" if act.was == "joined" else "waitlisted"
    mine.updated_at = turn.now
    turn.db.add(mine)
    turn.db.flush()
    turn.audit("participation.restored", "initiative", ini.id)
    turn.say_text("initiatives.undo_done", title=ini.title)
    tell_poster(
        turn,
        ini,
        "initiatives.poster_restored",
        kind="join",
        dedupe_key=f"initiative:{ini.id}:restore:{mine.id}:{turn.event.event_id}",
    )
    refresh_staff_card(turn, ini)
