"""アイデア募集型, the resident's side: finding open calls, browsing a call's public ideas and
supporting one (賛同, once each). Submitting an idea is ``handlers.idea_submission``; a resident's own
ideas (edit, withdraw, list) ``handlers.my_ideas``; the staff side ``handlers.idea_calls``.

Drafts do not exist for residents; a support is one row per person and idea, so a double tap
counts once.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.actions import pack
from bot.core.replies import Button, Card, Carousel, Choices
from bot.core.router import Router
from bot.core.turn import Turn
from handlers.common import menu_choices
from handlers.idea_actions import BrowseIdeas, ListCalls, ManageCall, StartIdea, SupportIdea
from handlers.idea_calls import refresh_staff_card
from handlers.idea_views import (
    is_accepting,
    resident_call_card,
    resident_idea_card,
    staff_idea_card,
    staff_translator,
    when,
)
from storage.db import stored_id
from storage.models import Idea, IdeaCall, IdeaSupport
from storage.queries import ideas as q
from storage.queries.console import answer_due
from storage.queries.ideas import (
    DRAFT,
    VISIBLE,
    card_key,
    open_calls,
    support_counts,
    visible_ideas,
)

router = Router()

PAGE = 10


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
    mine = q.calls_with_my_ideas(turn.db, turn.person.id)
    chunk = calls[page * PAGE : (page + 1) * PAGE]
    cards = []
    for call in chunk:
        card = resident_call_card(call, turn.t, turn.ward, turn.now, mine=call.id in mine)
        if turn.person.is_staff:
            manage = Button(
                label=turn.t("ideas.button_manage"), data=pack(ManageCall(stored_id(call.id)))
            )
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


def resident_call(turn: Turn, call_id: int) -> IdeaCall | None:
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


# ---------------------------------------------------------------- browsing and support


@router.action(BrowseIdeas)
def browse(turn: Turn, act: BrowseIdeas) -> None:
    call = resident_call(turn, act.call_id)
    if call is None:
        return
    if not call.public_ideas:
        turn.say_text("ideas.not_public")
        return
    ideas = visible_ideas(turn.db, stored_id(call.id))
    if not ideas:
        buttons: tuple[Button, ...] = ()
        if is_accepting(call, turn.now):
            buttons = (
                Button(
                    label=turn.t("ideas.button_submit"), data=pack(StartIdea(stored_id(call.id)))
                ),
            )
        turn.say(Choices(text=turn.t("ideas.no_ideas_yet", title=call.title), buttons=buttons))
        return
    counts = support_counts(turn.db, [i.id for i in ideas])
    ideas.sort(key=lambda i: (-counts.get(stored_id(i.id), 0), i.id))
    page = max(act.page, 0)
    chunk = ideas[page * PAGE : (page + 1) * PAGE]
    mine = q.supported_by(turn.db, turn.person.id, [i.id for i in chunk])
    authors = q.authors(turn.db, {i.author_id for i in chunk})
    can_support = is_accepting(call, turn.now)
    cards = tuple(
        resident_idea_card(
            i,
            authors.get(i.author_id),
            turn.t,
            supports=counts.get(stored_id(i.id), 0),
            viewer_id=stored_id(turn.person.id),
            supported=i.id in mine,
            can_support=can_support,
            answer_due=_due(turn, i),
        )
        for i in chunk
    )
    more = None
    if len(ideas) > (page + 1) * PAGE:
        more = Button(
            label=turn.t("ideas.button_more"), data=pack(BrowseIdeas(stored_id(call.id), page + 1))
        )
    turn.say(
        Carousel(alt_text=turn.t("ideas.browse_alt", title=call.title), cards=cards, more=more)
    )


@router.action(SupportIdea)
def support(turn: Turn, act: SupportIdea) -> None:
    idea = turn.db.get(Idea, act.idea_id)
    if idea is None or idea.status not in VISIBLE or idea.hidden:
        turn.say_text("common.not_found")
        return
    call = resident_call(turn, idea.call_id)
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
    added = False
    if not q.has_supported(turn.db, idea.id, turn.person.id):
        try:
            with turn.db.begin_nested():
                turn.db.add(
                    IdeaSupport(
                        idea_id=stored_id(idea.id),
                        person_id=stored_id(turn.person.id),
                        created_at=turn.now,
                    )
                )
            added = True
        except IntegrityError:  # a double tap raced us: the first one counts
            added = False
    count = q.support_count(turn.db, idea.id)
    if not added:
        turn.say_text("ideas.already_supported", count=count)
        return
    turn.audit("idea.supported", "idea", idea.id)
    refresh_staff_card(turn, call)
    refresh_idea_card(turn, idea)
    turn.say_text("ideas.supported", count=count)


def _due(turn: Turn, idea: Idea) -> str:
    """「回答予定」: the ward's promised first-answer date for this idea (M/D, ward time)."""
    due = turn.local(answer_due(idea.created_at, turn.ward.answers.days))
    return f"{due.month}/{due.day}"


def refresh_idea_card(turn: Turn, idea: Idea) -> None:
    """Edit the idea's card in its call's thread in place (supports, status, answer, hidden)."""
    st = staff_translator(turn.catalog, turn.config)
    turn.db.flush()
    key = card_key(idea.call_id, stored_id(idea.id))
    turn.notify_staff(staff_idea_card(turn.db, idea, st, turn.ward), thread_key=key, update=True)
