"""A resident's own ideas in a call: the list with answers and support counts, editing one
(through the submit dialog's confirmation) and withdrawing one (取り下げ, confirmed first).

Only the author may change an idea, only while the call accepts ideas and before staff answered.
"""

from __future__ import annotations

from bot.core.actions import pack
from bot.core.replies import Button, Card, Carousel, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from handlers.idea_actions import EditIdea, MyIdeas, WithdrawIdea
from handlers.idea_calls import refresh_staff_card
from handlers.idea_submission import change_idea, editing, own_buttons, own_editable
from handlers.idea_views import is_accepting, short, staff_translator, status_label, thread_key
from handlers.ideas import refresh_idea_card, resident_call
from storage.db import stored_id, stored_row
from storage.models import IdeaCall, IdeaStatus
from storage.queries import ideas as q
from storage.queries.ideas import FINAL, support_counts

router = Router()


@router.action(EditIdea)
def edit_idea(turn: Turn, act: EditIdea) -> None:
    idea = own_editable(turn, act.idea_id)
    if idea is None:
        return
    change_idea(turn, idea)


@router.action(WithdrawIdea)
def withdraw(turn: Turn, act: WithdrawIdea) -> None:
    idea = own_editable(turn, act.idea_id)
    if idea is None:
        return
    if not act.confirm:
        turn.say(
            Choices(
                text=turn.t("ideas.withdraw_confirm", idea=short(idea.body, 40)),
                buttons=(
                    Button(
                        label=turn.t("ideas.button_withdraw_confirm"),
                        data=pack(WithdrawIdea(stored_id(idea.id), True)),
                        style="danger",
                    ),
                    Button(label=turn.t("ideas.button_keep"), data=pack(MyIdeas(idea.call_id))),
                ),
            )
        )
        return
    idea.status = IdeaStatus.WITHDRAWN
    idea.updated_at = turn.now
    turn.db.add(idea)
    turn.audit("idea.withdrawn", "idea", idea.id)
    if editing(turn) == idea.id:
        turn.dialog.clear()
    call = stored_row(turn.db, IdeaCall, idea.call_id)
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(
        Text(text=st("ideas.staff_idea_withdrawn", id=idea.id)),
        thread_key=thread_key(stored_id(call.id)),
    )
    refresh_idea_card(turn, idea)
    refresh_staff_card(turn, call)
    turn.say_text("ideas.withdrawn")


@router.action(MyIdeas)
def my_ideas(turn: Turn, act: MyIdeas) -> None:
    call = resident_call(turn, act.call_id)
    if call is None:
        return
    mine = q.my_ideas(turn.db, call.id, turn.person.id)
    if not mine:
        turn.say_text("ideas.no_own_ideas", title=call.title)
        return
    counts = support_counts(turn.db, [i.id for i in mine])
    open_ = is_accepting(call, turn.now)
    t = turn.t
    cards = []
    for idea in mine:
        fields = [
            (t("ideas.field_reason"), idea.reason or t("ideas.none")),
            (
                t("ideas.field_shown_as"),
                t("ideas.anonymous") if idea.anonymous else turn.person.display_name,
            ),
            (t("ideas.field_supports"), str(counts.get(stored_id(idea.id), 0))),
        ]
        if idea.answer and idea.status in FINAL:
            fields.append((t("ideas.field_answer"), idea.answer))
        editable = open_ and idea.status not in FINAL
        cards.append(
            Card(
                title=short(idea.body, 40),
                body=idea.body,
                fields=tuple(fields),
                buttons=own_buttons(turn, idea) if editable else (),
                badge=status_label(t, idea.status),
            )
        )
    turn.say(Carousel(alt_text=t("ideas.mine_alt", title=call.title), cards=tuple(cards)))
