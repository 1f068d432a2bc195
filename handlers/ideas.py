"""Resident side of アイデア募集型: find open calls, send an idea (guided dialog), edit or
withdraw it until the deadline, browse others' ideas and support (賛同) them once each.

The dialog keeps every answer in ``turn.dialog.data`` and writes the idea only at 「送る」, so
nothing is half-written and a cancelled dialog leaves no trace. The deadline is checked against
``turn.now`` at the start and again at 「送る」 (the closing job may not have run yet).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.core.actions import action, pack
from bot.core.replies import Button, Card, Carousel, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from handlers.common import REASK, Menu, menu_choices
from handlers.idea_calls import refresh_staff_card
from handlers.idea_views import (
    DRAFT,
    FINAL,
    VISIBLE,
    BrowseIdeas,
    EditIdea,
    ListCalls,
    ManageCall,
    MyIdeas,
    StartIdea,
    SupportIdea,
    WithdrawIdea,
    is_accepting,
    open_calls,
    resident_call_card,
    resident_idea_card,
    short,
    staff_idea_card,
    staff_translator,
    status_label,
    support_counts,
    thread_key,
    visible_ideas,
    when,
)
from storage import ledger
from storage.models import Idea, IdeaCall, IdeaStatus, IdeaSupport, Person

router = Router()

BODY_LIMIT = 1000
REASON_LIMIT = 1000
PAGE = 10
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


def open_calls_for_digest(db: Session, now) -> list[IdeaCall]:
    """Open calls still before their deadline, soonest deadline first (for the weekly digest;
    render each with ``handlers.idea_views.digest_card``)."""
    return open_calls(db, now)


# ---------------------------------------------------------------- finding calls


@router.command("ideas", keywords="ideas.keywords")
def list_calls(turn: Turn, _args: str) -> None:
    show_calls(turn, 0)


@router.action(ListCalls)
def more_calls(turn: Turn, act: ListCalls) -> None:
    show_calls(turn, max(act.page, 0))


def show_calls(turn: Turn, page: int) -> None:
    calls = open_calls(turn.db, turn.now)
    if not calls:
        turn.say(menu_choices(turn, "ideas.no_open_calls"))
        return
    mine = set(
        turn.db.exec(
            select(Idea.call_id).where(
                Idea.author_id == turn.person.id, Idea.status != IdeaStatus.WITHDRAWN
            )
        ).all()
    )
    chunk = calls[page * PAGE : (page + 1) * PAGE]
    cards = []
    for call in chunk:
        card = resident_call_card(call, turn.t, turn.ward, turn.now, mine=call.id in mine)
        if turn.person.is_staff:
            manage = Button(label=turn.t("ideas.button_manage"), data=pack(ManageCall(call.id)))
            card = Card(
                title=card.title,
                body=card.body,
                fields=card.fields,
                buttons=(*card.buttons, manage),
                badge=card.badge,
            )
        cards.append(card)
    more = None
    if len(calls) > (page + 1) * PAGE:
        more = Button(label=turn.t("ideas.button_more"), data=pack(ListCalls(page + 1)))
    turn.say(Carousel(alt_text=turn.t("ideas.calls_alt"), cards=tuple(cards), more=more))


def _call(turn: Turn, call_id: int) -> IdeaCall | None:
    """A call residents may see (drafts do not exist for them)."""
    call = turn.db.get(IdeaCall, call_id)
    if call is None or call.status == DRAFT:
        turn.say_text("common.not_found")
        return None
    return call


def refuse_late(turn: Turn, call: IdeaCall) -> None:
    turn.say_text(
        "ideas.closed_for_submissions",
        title=call.title,
        deadline=when(call.deadline, turn.tz),
    )


# ---------------------------------------------------------------- the submit dialog


@router.action(StartIdea)
def start_idea(turn: Turn, act: StartIdea) -> None:
    call = _call(turn, act.call_id)
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
        idea = _own_editable(turn, data["idea_id"])
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
            call_id=call.id,
            author_id=turn.person.id,
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
        thread_key=thread_key(call.id),
    )
    refresh_staff_card(turn, call)
    turn.say(
        Choices(
            text=turn.t(reply, title=call.title, deadline=when(call.deadline, turn.tz)),
            buttons=(
                *_own_buttons(turn, idea),
                Button(label=turn.t("ideas.button_back_to_calls"), data=pack(Menu("ideas"))),
            ),
        )
    )


# ---------------------------------------------------------------- the author's own ideas


def _own_buttons(turn: Turn, idea: Idea) -> tuple[Button, ...]:
    return (
        Button(label=turn.t("ideas.button_edit_idea"), data=pack(EditIdea(idea.id))),
        Button(
            label=turn.t("ideas.button_withdraw"), data=pack(WithdrawIdea(idea.id)), style="danger"
        ),
    )


def _own_editable(turn: Turn, idea_id: int) -> Idea | None:
    """The author's own idea, still open to change; otherwise say why and return None."""
    idea = turn.db.get(Idea, idea_id)
    if idea is None or idea.status == IdeaStatus.WITHDRAWN:
        turn.say_text("common.not_found")
        return None
    if idea.author_id != turn.person.id:
        turn.say_text("ideas.only_author")
        return None
    call = turn.db.get(IdeaCall, idea.call_id)
    if not is_accepting(call, turn.now):
        refuse_late(turn, call)
        return None
    if idea.status in FINAL:
        turn.say_text("ideas.already_answered")
        return None
    return idea


@router.action(EditIdea)
def edit_idea(turn: Turn, act: EditIdea) -> None:
    idea = _own_editable(turn, act.idea_id)
    if idea is None:
        return
    turn.dialog.clear()
    turn.dialog.enter(FLOW, "idea.confirm")
    turn.dialog.data.update(
        {
            "call_id": idea.call_id,
            "idea_id": idea.id,
            "body": idea.body,
            "reason": idea.reason,
            "anonymous": idea.anonymous,
            "back": True,
        }
    )
    show_confirm(turn)


@router.action(WithdrawIdea)
def withdraw(turn: Turn, act: WithdrawIdea) -> None:
    idea = _own_editable(turn, act.idea_id)
    if idea is None:
        return
    if not act.confirm:
        turn.say(
            Choices(
                text=turn.t("ideas.withdraw_confirm", idea=short(idea.body, 40)),
                buttons=(
                    Button(
                        label=turn.t("ideas.button_withdraw_confirm"),
                        data=pack(WithdrawIdea(idea.id, True)),
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
    if turn.dialog.flow == FLOW and turn.dialog.data.get("idea_id") == idea.id:
        turn.dialog.clear()
    call = turn.db.get(IdeaCall, idea.call_id)
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(
        Text(text=st("ideas.staff_idea_withdrawn", id=idea.id)), thread_key=thread_key(call.id)
    )
    refresh_staff_card(turn, call)
    turn.say_text("ideas.withdrawn")


@router.action(MyIdeas)
def my_ideas(turn: Turn, act: MyIdeas) -> None:
    call = _call(turn, act.call_id)
    if call is None:
        return
    mine = turn.db.exec(
        select(Idea)
        .where(
            Idea.call_id == call.id,
            Idea.author_id == turn.person.id,
            Idea.status != IdeaStatus.WITHDRAWN,
        )
        .order_by(Idea.id)
    ).all()
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
            (t("ideas.field_supports"), str(counts.get(idea.id, 0))),
        ]
        if idea.answer and idea.status in FINAL:
            fields.append((t("ideas.field_answer"), idea.answer))
        editable = open_ and idea.status not in FINAL
        cards.append(
            Card(
                title=short(idea.body, 40),
                body=idea.body,
                fields=tuple(fields),
                buttons=_own_buttons(turn, idea) if editable else (),
                badge=status_label(idea.status, t),
            )
        )
    turn.say(Carousel(alt_text=t("ideas.mine_alt", title=call.title), cards=tuple(cards)))


# ---------------------------------------------------------------- browsing and support


@router.action(BrowseIdeas)
def browse(turn: Turn, act: BrowseIdeas) -> None:
    call = _call(turn, act.call_id)
    if call is None:
        return
    if not call.public_ideas:
        turn.say_text("ideas.not_public")
        return
    ideas = visible_ideas(turn.db, call.id)
    if not ideas:
        buttons = ()
        if is_accepting(call, turn.now):
            buttons = (Button(label=turn.t("ideas.button_submit"), data=pack(StartIdea(call.id))),)
        turn.say(Choices(text=turn.t("ideas.no_ideas_yet", title=call.title), buttons=buttons))
        return
    counts = support_counts(turn.db, [i.id for i in ideas])
    ideas.sort(key=lambda i: (-counts.get(i.id, 0), i.id))
    page = max(act.page, 0)
    chunk = ideas[page * PAGE : (page + 1) * PAGE]
    mine = set(
        turn.db.exec(
            select(IdeaSupport.idea_id).where(
                IdeaSupport.person_id == turn.person.id,
                IdeaSupport.idea_id.in_([i.id for i in chunk]),
            )
        ).all()
    )
    authors = {
        p.id: p
        for p in turn.db.exec(
            select(Person).where(Person.id.in_({i.author_id for i in chunk}))
        ).all()
    }
    can_support = is_accepting(call, turn.now)
    cards = tuple(
        resident_idea_card(
            i,
            authors.get(i.author_id),
            turn.t,
            supports=counts.get(i.id, 0),
            viewer_id=turn.person.id,
            supported=i.id in mine,
            can_support=can_support,
        )
        for i in chunk
    )
    more = None
    if len(ideas) > (page + 1) * PAGE:
        more = Button(label=turn.t("ideas.button_more"), data=pack(BrowseIdeas(call.id, page + 1)))
    turn.say(
        Carousel(alt_text=turn.t("ideas.browse_alt", title=call.title), cards=cards, more=more)
    )


@router.action(SupportIdea)
def support(turn: Turn, act: SupportIdea) -> None:
    idea = turn.db.get(Idea, act.idea_id)
    if idea is None or idea.status not in VISIBLE or idea.hidden:
        turn.say_text("common.not_found")
        return
    call = _call(turn, idea.call_id)
    if call is None:
        return
    if not call.public_ideas:
        turn.say_text("ideas.not_public")
        return
    if not is_accepting(call, turn.now):
        turn.say_text("ideas.support_closed", title=call.title)
        return
    if idea.author_id == turn.person.id:
        turn.say_text("ideas.cannot_support_own")
        return
    known = turn.db.exec(
        select(IdeaSupport.id).where(
            IdeaSupport.idea_id == idea.id, IdeaSupport.person_id == turn.person.id
        )
    ).first()
    added = False
    if known is None:
        try:
            with turn.db.begin_nested():
                turn.db.add(
                    IdeaSupport(idea_id=idea.id, person_id=turn.person.id, created_at=turn.now)
                )
            added = True
        except IntegrityError:  # a double tap raced us: the first one counts
            added = False
    count = turn.db.exec(
        select(func.count(IdeaSupport.id)).where(IdeaSupport.idea_id == idea.id)
    ).one()
    if not added:
        turn.say_text("ideas.already_supported", count=count)
        return
    turn.audit("idea.supported", "idea", idea.id)
    refresh_staff_card(turn, call)
    turn.say_text("ideas.supported", count=count)
