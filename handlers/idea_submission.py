"""Submitting an idea to a call: the body, an optional reason, shown with a name or
anonymously, then a confirmation where any part can be changed. The same dialog edits an idea
the author already sent (``handlers.my_ideas`` opens it at the confirmation).

The dialog is declared once (``handlers.idea_form``) and run by the wizard, which keeps every
answer in the dialog state; the idea is written only at 「送る」, so nothing is half-written and
a cancelled dialog leaves no trace. The deadline is checked against ``turn.now`` at the start
and again at 「送る」 (the closing job may not have run yet).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import CONTEXT, Wizard
from handlers.common import Menu
from handlers.idea_actions import EditIdea, StartIdea, WithdrawIdea
from handlers.idea_calls import refresh_staff_card
from handlers.idea_form import ANONYMOUS, IDEA_FIELDS, NAMED, IdeaDraft
from handlers.idea_views import is_accepting, staff_idea_card, staff_translator, thread_key, when
from handlers.ideas import refresh_idea_card, refuse_late, resident_call
from handlers.privacy import consent_first
from storage import ledger
from storage.db import stored_id, stored_row
from storage.models import Idea, IdeaCall, IdeaStatus
from storage.queries.ideas import DRAFT, FINAL, card_key

router = Router()


# ---------------------------------------------------------------- the submit dialog
# The context is "<call id>" for a new idea and "<call id>:<idea id>" when changing one.


@router.action(StartIdea)
def start_idea(turn: Turn, act: StartIdea) -> None:
    call = resident_call(turn, act.call_id)
    if call is None:
        return
    if not is_accepting(call, turn.now):
        refuse_late(turn, call)
        return
    turn.say_text("ideas.start", title=call.title, deadline=when(call.deadline, turn.tz))
    IDEA.start(turn, str(call.id))


def change_idea(turn: Turn, idea: Idea) -> None:
    """Open the author's sent idea at the confirmation card (「なおして送る」 saves it)."""
    answers = {
        "body": idea.body,
        "reason": idea.reason,
        "show": ANONYMOUS if idea.anonymous else NAMED,
    }
    IDEA_EDIT.review(turn, f"{idea.call_id}:{idea.id}", answers)


def editing(turn: Turn) -> int | None:
    """The id of the idea the person's open dialog is changing, if any."""
    if turn.dialog.flow != IDEA_EDIT.flow:
        return None
    _, _, idea_id = str(turn.dialog.data.get(CONTEXT, "")).partition(":")
    return int(idea_id) if idea_id.isdigit() else None


def _call_of(turn: Turn, context: str) -> IdeaCall | None:
    call_id = context.partition(":")[0]
    return turn.db.get(IdeaCall, int(call_id)) if call_id.isdigit() else None


def summary(turn: Turn, answers: Mapping[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    t = turn.t
    call = _call_of(turn, str(turn.dialog.data.get(CONTEXT, "")))
    anonymous = answers.get("show") == ANONYMOUS
    return t("ideas.confirm_title"), (
        (t("ideas.field_call"), call.title if call else ""),
        (t("ideas.field_reason"), answers.get("reason") or t("ideas.none")),
        (
            t("ideas.field_shown_as"),
            t("ideas.anonymous") if anonymous else turn.person.display_name,
        ),
    )


def card_body(_turn: Turn, answers: Mapping[str, Any]) -> str:
    return str(answers.get("body") or "")


def send(turn: Turn, draft: IdeaDraft, context: str) -> None:
    """「送る」: write the idea (or the change), tell staff, offer the author's own buttons."""
    call = _call_of(turn, context)
    if call is None or call.status == DRAFT:
        turn.say_text("common.not_found")
        return
    if not is_accepting(call, turn.now):
        refuse_late(turn, call)
        return
    idea_id = context.partition(":")[2]
    if idea_id:
        idea = own_editable(turn, int(idea_id))
        if idea is None:
            return
        idea.body = draft.body
        idea.reason = draft.reason
        idea.anonymous = draft.anonymous
        idea.updated_at = turn.now
        turn.db.add(idea)
        turn.audit("idea.edited", "idea", idea.id)
        key = "ideas.staff_idea_edited"
        reply = "ideas.edited"
    else:
        idea = Idea(
            call_id=stored_id(call.id),
            author_id=stored_id(turn.person.id),
            body=draft.body,
            reason=draft.reason,
            anonymous=draft.anonymous,
            created_at=turn.now,
            updated_at=turn.now,
        )
        turn.db.add(idea)
        turn.db.flush()
        ledger.idea_submitted(turn.db, idea, turn.now)
        turn.audit("idea.submitted", "idea", idea.id, call_id=call.id)
        key = "ideas.staff_idea_new"
        reply = "ideas.submitted"
    st = staff_translator(turn.catalog, turn.config)
    if idea_id:  # a note in the thread; the idea's card there is edited in place
        turn.notify_staff(Text(text=st(key, id=idea.id)), thread_key=thread_key(stored_id(call.id)))
        refresh_idea_card(turn, idea)
    else:  # the card's own message is remembered under its key (then edited in place)
        turn.notify_staff(
            Text(text=st(key, id=idea.id)),
            staff_idea_card(turn.db, idea, st, turn.ward),
            thread_key=card_key(stored_id(call.id), stored_id(idea.id)),
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


def _declare(flow: str, submit_label: str) -> Wizard[IdeaDraft]:
    wizard = Wizard(
        gate=consent_first,  # the privacy notice before the first question
        flow=flow,
        title="ideas.confirm_title",
        fields=IDEA_FIELDS,
        draft=IdeaDraft,
        submit=send,
        submit_label=submit_label,
        summary=summary,
        card_body=card_body,
        forms=False,  # residents answer one at a time on every channel, as before
        stop_at_steps=True,
    )
    wizard.register(router)
    return wizard


IDEA = _declare("idea", "ideas.button_send")
IDEA_EDIT = _declare("idea_edit", "ideas.button_send_edit")


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
