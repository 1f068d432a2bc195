"""Submitting an idea to a call: the body, an optional reason, shown with a name or
anonymously, then a confirmation where any part can be changed. The same dialog edits an idea
the author already sent (``handlers.my_ideas`` opens it at the confirmation).

The dialog keeps every answer in ``turn.dialog.data`` and writes the idea only at 「送る」, so
nothing is half-written and a cancelled dialog leaves no trace. The deadline is checked against
``turn.now`` at the start and again at 「送る」 (the closing job may not have run yet).
"""

from __future__ import annotations

from typing import Literal

from bot.core.actions import action, pack
from bot.core.replies import Button, Card, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from handlers.common import REASK, Menu, menu_choices
from handlers.idea_actions import EditIdea, StartIdea, WithdrawIdea
from handlers.idea_calls import refresh_staff_card
from handlers.idea_views import (
    is_accepting,
    short,
    staff_idea_card,
    staff_translator,
    thread_key,
    when,
)
from handlers.ideas import refuse_late, resident_call
from storage import ledger
from storage.db import stored_id, stored_row
from storage.models import Idea, IdeaCall, IdeaStatus
from storage.queries.ideas import DRAFT, FINAL

router = Router()

BODY_LIMIT = 1000
REASON_LIMIT = 1000
FLOW = "idea"


@action("aik")
class SkipReason:
    pass


@action("aiw")
class ShowAs:
    anonymous: bool


@action("aic")
class ConfirmIdea:
    pass


@action("aig")
class ChangeIdea:
    part: Literal["body", "reason", "show"]


# ---------------------------------------------------------------- the submit dialog


@router.action(StartIdea)
def start_idea(turn: Turn, act: StartIdea) -> None:
    call = resident_call(turn, act.call_id)
    if call is None:
        return
    if not is_accepting(call, turn.now):
        refuse_late(turn, call)
        return
    turn.dialog.clear()
    turn.dialog.enter(FLOW, "idea.body")
    turn.dialog.data.update({"call_id": call.id})
    turn.say_text("ideas.start", title=call.title, deadline=when(call.deadline, turn.tz))
    ask_body(turn)


def _cancel_button(turn: Turn) -> Button:
    return Button(label=turn.t("common.cancel_button"), data=pack(Menu("cancel")))


def ask_body(turn: Turn) -> None:
    turn.dialog.goto("idea.body")
    turn.say(
        Choices(text=turn.t("ideas.ask_body", limit=BODY_LIMIT), buttons=(_cancel_button(turn),))
    )


def ask_reason(turn: Turn) -> None:
    turn.dialog.goto("idea.reason")
    turn.say(
        Choices(
            text=turn.t("ideas.ask_reason", limit=REASON_LIMIT),
            buttons=(
                Button(label=turn.t("common.skip"), data=pack(SkipReason())),
                _cancel_button(turn),
            ),
        )
    )


def ask_show(turn: Turn) -> None:
    turn.dialog.goto("idea.show")
    turn.say(
        Choices(
            text=turn.t("ideas.ask_show"),
            buttons=(
                Button(
                    label=turn.t("ideas.show_name", name=short(turn.person.display_name, 12)),
                    data=pack(ShowAs(False)),
                ),
                Button(label=turn.t("ideas.show_anonymous"), data=pack(ShowAs(True))),
            ),
        )
    )


def show_confirm(turn: Turn) -> None:
    t = turn.t
    data = turn.dialog.data
    turn.dialog.goto("idea.confirm")
    shown = t("ideas.anonymous") if data.get("anonymous") else turn.person.display_name
    call = turn.db.get(IdeaCall, data.get("call_id"))
    turn.say(
        Card(
            title=t("ideas.confirm_title"),
            body=data.get("body", ""),
            fields=(
                (t("ideas.field_call"), call.title if call else ""),
                (t("ideas.field_reason"), data.get("reason") or t("ideas.none")),
                (t("ideas.field_shown_as"), shown),
            ),
            buttons=(
                Button(
                    label=t("ideas.button_send_edit")
                    if data.get("idea_id")
                    else t("ideas.button_send"),
                    data=pack(ConfirmIdea()),
                    style="primary",
                ),
                Button(label=t("ideas.button_change_body"), data=pack(ChangeIdea("body"))),
                Button(label=t("ideas.button_change_reason"), data=pack(ChangeIdea("reason"))),
                Button(label=t("ideas.button_change_show"), data=pack(ChangeIdea("show"))),
                _cancel_button(turn),
            ),
        )
    )


def _next(turn: Turn, then) -> None:
    """After an answer: back to the confirm card when changing one part, else the next step."""
    if turn.dialog.data.get("back"):
        show_confirm(turn)
    else:
        then(turn)


def _checked_text(turn: Turn, text: str, limit: int) -> str | None:
    text = text.strip()
    if not text:
        turn.say_text("common.empty")
        return None
    if len(text) > limit:
        turn.say_text("common.too_long", limit=limit, length=len(text))
        return None
    return text


def _at(turn: Turn, step: str) -> bool:
    """Is the person's dialog at ``step``? (An old button pressed later changes nothing.)"""
    if turn.dialog.flow == FLOW and turn.dialog.step == step:
        return True
    turn.say(menu_choices(turn, "ideas.nothing_pending"))
    return False


@router.step("idea.body")
def body_step(turn: Turn, text: str) -> None:
    body = _checked_text(turn, text, BODY_LIMIT)
    if body is None:
        return
    turn.dialog.data["body"] = body
    _next(turn, ask_reason)


@router.step("idea.reason")
def reason_step(turn: Turn, text: str) -> None:
    reason = _checked_text(turn, text, REASON_LIMIT)
    if reason is None:
        return
    turn.dialog.data["reason"] = reason
    _next(turn, ask_show)


@router.action(SkipReason)
def skip_reason(turn: Turn, _act: SkipReason) -> None:
    if not _at(turn, "idea.reason"):
        return
    turn.dialog.data["reason"] = None
    _next(turn, ask_show)


@router.step("idea.show")
def show_step(turn: Turn, _text: str) -> None:
    turn.say_text("ideas.use_buttons")
    ask_show(turn)


@router.action(ShowAs)
def show_as(turn: Turn, act: ShowAs) -> None:
    if not _at(turn, "idea.show"):
        return
    turn.dialog.data["anonymous"] = act.anonymous
    show_confirm(turn)


@router.step("idea.confirm")
def confirm_step(turn: Turn, _text: str) -> None:
    turn.say_text("ideas.use_buttons")
    show_confirm(turn)


@router.action(ChangeIdea)
def change(turn: Turn, act: ChangeIdea) -> None:
    if not _at(turn, "idea.confirm"):
        return
    turn.dialog.data["back"] = True
    {"body": ask_body, "reason": ask_reason, "show": ask_show}[act.part](turn)


REASK.update(
    {
        "idea.body": ask_body,
        "idea.reason": ask_reason,
        "idea.show": ask_show,
        "idea.confirm": show_confirm,
    }
)


@router.action(ConfirmIdea)
def confirm(turn: Turn, _act: ConfirmIdea) -> None:
    if not _at(turn, "idea.confirm"):
        return
    data = dict(turn.dialog.data)
    call = turn.db.get(IdeaCall, data.get("call_id"))
    if call is None or call.status == DRAFT:
        turn.dialog.clear()
        turn.say_text("common.not_found")
        return
    if not is_accepting(call, turn.now):
        turn.dialog.clear()
        refuse_late(turn, call)
        return
    if data.get("idea_id"):
        idea = own_editable(turn, data["idea_id"])
        if idea is None:
            turn.dialog.clear()
            return
        idea.body = data["body"]
        idea.reason = data.get("reason")
        idea.anonymous = bool(data.get("anonymous"))
        idea.updated_at = turn.now
        turn.db.add(idea)
        turn.audit("idea.edited", "idea", idea.id)
        key = "ideas.staff_idea_edited"
        reply = "ideas.edited"
    else:
        idea = Idea(
            call_id=stored_id(call.id),
            author_id=stored_id(turn.person.id),
            body=data["body"],
            reason=data.get("reason"),
            anonymous=bool(data.get("anonymous")),
            created_at=turn.now,
            updated_at=turn.now,
        )
        turn.db.add(idea)
        turn.db.flush()
        ledger.idea_submitted(turn.db, idea, turn.now)
        turn.audit("idea.submitted", "idea", idea.id, call_id=call.id)
        key = "ideas.staff_idea_new"
        reply = "ideas.submitted"
    turn.dialog.clear()
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(
        Text(text=st(key, id=idea.id)),
        staff_idea_card(turn.db, idea, st, turn.ward),
        thread_key=thread_key(stored_id(call.id)),
    )
    refresh_staff_card(turn, call)
    turn.say(
        Choices(
            text=turn.t(reply, title=call.title, deadline=when(call.deadline, turn.tz)),
            buttons=(
                *own_buttons(turn, idea),
                Button(label=turn.t("ideas.button_back_to_calls"), data=pack(Menu("ideas"))),
            ),
        )
    )


# ---------------------------------------------------------------- the author's own ideas


def own_buttons(turn: Turn, idea: Idea) -> tuple[Button, ...]:
    return (
        Button(label=turn.t("ideas.button_edit_idea"), data=pack(EditIdea(stored_id(idea.id)))),
        Button(
            label=turn.t("ideas.button_withdraw"),
            data=pack(WithdrawIdea(stored_id(idea.id))),
            style="danger",
        ),
    )


def own_editable(turn: Turn, idea_id: int) -> Idea | None:
    """The author's own idea, still open to change; otherwise say why and return None."""
    idea = turn.db.get(Idea, idea_id)
    if idea is None or idea.status == IdeaStatus.WITHDRAWN:
        turn.say_text("common.not_found")
        return None
    if idea.author_id != turn.person.id:
        turn.say_text("ideas.only_author")
        return None
    call = stored_row(turn.db, IdeaCall, idea.call_id)
    if not is_accepting(call, turn.now):
        refuse_late(turn, call)
        return None
    if idea.status in FINAL:
        turn.say_text("ideas.already_answered")
        return None
    return idea
