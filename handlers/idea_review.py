"""Staff review of submitted ideas: list them, set 検討中, turn an adopted idea into an
initiative posted as the ward. The official answer itself is ``handlers.idea_answer``.

Final statuses always go through the answer form; the author hears every change. Linking an idea to its initiative is a conditional update, so
two staff members pressing 「取組にする」 at once create one initiative.
"""

from __future__ import annotations

from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Carousel, Choices, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import adopt_form
from handlers.idea_actions import MakeInitiative, SetIdeaStatus, StaffIdeas
from handlers.idea_answer import reviewable, tell_author
from handlers.idea_calls import find_call
from handlers.idea_views import short, staff_idea_card, staff_translator, status_label, thread_key
from handlers.ideas import refresh_idea_card
from handlers.initiative_actions import Show
from storage import ledger
from storage.db import stored_id, stored_row
from storage.models import (
    Actor,
    ActorKind,
    Idea,
    IdeaCall,
    IdeaStatus,
    Initiative,
    InitiativeStatus,
    Person,
)
from storage.queries import idea_calls as q
from storage.queries.ideas import support_counts, visible_ideas

router = Router()

PAGE = 10


@router.action(StaffIdeas)
def staff_ideas(turn: Turn, act: StaffIdeas) -> None:
    if not turn.require_staff():
        return
    call = find_call(turn, act.call_id)
    if call is None:
        return
    ideas = visible_ideas(turn.db, stored_id(call.id))
    if not ideas:
        turn.say_text("ideas.staff_no_ideas", title=call.title)
        return
    counts = support_counts(turn.db, [i.id for i in ideas])
    page = max(act.page, 0)
    chunk = ideas[page * PAGE : (page + 1) * PAGE]
    more = None
    if len(ideas) > (page + 1) * PAGE:
        more = Button(
            label=turn.t("ideas.button_more"), data=pack(StaffIdeas(stored_id(call.id), page + 1))
        )
    turn.say(
        Carousel(
            alt_text=turn.t("ideas.staff_ideas_alt", title=call.title),
            cards=tuple(
                staff_idea_card(
                    turn.db, i, turn.t, turn.ward, supports=counts.get(stored_id(i.id), 0)
                )
                for i in chunk
            ),
            more=more,
        )
    )


@router.action(SetIdeaStatus)
def set_status(turn: Turn, act: SetIdeaStatus) -> None:
    """Only 検討中 is set without an answer; final statuses always go through the answer form."""
    if not turn.require_staff():
        return
    idea = reviewable(turn, act.idea_id)
    if idea is None:
        return
    if act.status != IdeaStatus.REVIEWING or idea.status != IdeaStatus.RECEIVED:
        turn.say_text("ideas.status_unchanged", status=status_label(turn.t, idea.status))
        return
    idea.status = IdeaStatus.REVIEWING
    idea.updated_at = turn.now
    turn.db.add(idea)
    turn.audit("idea.status", "idea", idea.id, status=IdeaStatus(idea.status).value)
    call = stored_row(turn.db, IdeaCall, idea.call_id)
    tell_author(turn, idea, call)
    refresh_idea_card(turn, idea)
    turn.say_text("ideas.status_set", id=idea.id, status=status_label(turn.t, idea.status))
    turn.say(staff_idea_card(turn.db, idea, turn.t, turn.ward))


class _AlreadyLinked(Exception):
    pass


def ward_actor(turn: Turn) -> Actor:
    actor = q.first_ward_actor(turn.db)
    if actor is None:
        actor = Actor(kind=ActorKind.WARD, name=turn.ward.display_name("ja"), created_at=turn.now)
        turn.db.add(actor)
        turn.db.flush()
        turn.audit("actor.created", "actor", actor.id, kind=ActorKind.WARD.value)
    return actor


def _adoptable(turn: Turn, idea_id: int) -> Idea | None:
    """An adopted idea with no initiative yet (staff re-checked), or None after saying why."""
    if not turn.require_staff():
        return None
    idea = reviewable(turn, idea_id)
    if idea is None:
        return None
    if idea.status not in (IdeaStatus.ADOPTED, IdeaStatus.PARTLY):
        turn.say_text("ideas.initiative_needs_adoption")
        return None
    if idea.initiative_id is not None:
        turn.say_text("ideas.initiative_exists", id=idea.initiative_id)
        return None
    return idea


@router.action(MakeInitiative)
def make_initiative(turn: Turn, act: MakeInitiative) -> None:
    """Where forms exist: the prefilled, editable modal (ADOPT); elsewhere one action."""
    idea = _adoptable(turn, act.idea_id)
    if idea is None:
        return
    call = stored_row(turn.db, IdeaCall, idea.call_id)
    fields = adopt_form.prefill(turn, idea, call)
    if ADOPT.uses_form(turn):
        ADOPT.start(turn, str(idea.id), initial=fields)
        return
    fields["title"] = short(idea.body, 60)
    fields["description"] = idea.body[:1000]
    create_from_idea(turn, idea, call, fields, credited=False)


def adopted(turn: Turn, draft: adopt_form.AdoptDraft, context: str) -> None:
    """The ADOPT modal was submitted: re-check the idea, then publish the initiative."""
    idea = _adoptable(turn, int(context)) if context.isdigit() else None
    if idea is None:
        return
    call = stored_row(turn.db, IdeaCall, idea.call_id)
    fields = {
        "title": draft.title,
        "description": draft.description,
        "category": draft.category,
        "area": draft.area,
        "help": list(draft.help or []),
    }
    create_from_idea(turn, idea, call, fields, credited=True)


ADOPT = Wizard(
    flow="adopt_idea",
    title="staff.adopt_title",
    fields=adopt_form.ADOPT_FIELDS,
    draft=adopt_form.AdoptDraft,
    submit=adopted,
    allowed=lambda turn, _context: turn.person.is_staff,
    refused="common.staff_only",
    submit_label="staff.adopt_submit",
)
ADOPT.register(router)


def create_from_idea(
    turn: Turn, idea: Idea, call: IdeaCall, fields: dict[str, Any], *, credited: bool
) -> None:
    """The initiative posted as the ward, linked both ways (a conditional update, so two staff
    members at once make one), crediting the idea and its author; the author is told."""
    author = turn.db.get(Person, idea.author_id)
    description = str(fields["description"])
    if credited:
        name = author.display_name if author is not None and not author.deleted else None
        line = adopt_form.credit(turn, idea, call, name)
        description = description[: 1000 - len(line) - 1].rstrip() + "\n" + line
    actor = ward_actor(turn)
    initiative = Initiative(
        actor_id=stored_id(actor.id),
        poster_id=stored_id(turn.person.id),
        title=str(fields["title"])[:60],
        description=description[:1000],
        category=str(fields["category"]),
        area=fields.get("area"),
        help_wanted=list(fields.get("help") or []),
        status=InitiativeStatus.RECRUITING,
        idea_id=idea.id,
        created_at=turn.now,
        updated_at=turn.now,
    )
    try:
        with turn.db.begin_nested():
            turn.db.add(initiative)
            turn.db.flush()
            linked = q.link_initiative(turn.db, idea.id, initiative.id, turn.now)
            if linked != 1:  # another staff member was a moment faster
                raise _AlreadyLinked
    except _AlreadyLinked:
        turn.db.refresh(idea)
        turn.say_text("ideas.initiative_exists", id=idea.initiative_id)
        return
    turn.db.refresh(idea)
    ledger.initiative_posted(turn.db, initiative, turn.now)
    turn.audit("initiative.created_from_idea", "initiative", initiative.id, idea_id=idea.id)
    turn.audit("idea.became_initiative", "idea", idea.id, initiative_id=initiative.id)
    if author is not None and not author.deleted:
        ta = turn.tr_for(author)
        turn.notify(
            author,
            Text(text=ta("ideas.became_initiative", title=initiative.title)),
            Choices(
                text=ta("ideas.see_initiative_prompt"),
                buttons=(
                    Button(
                        label=ta("ideas.button_see_initiative"),
                        data=pack(Show(stored_id(initiative.id))),
                    ),
                ),
            ),
            kind="notice",
            dedupe_key=f"idea:{idea.id}:initiative",
        )
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(
        Text(text=st("ideas.staff_initiative_created", id=idea.id, title=initiative.title)),
        thread_key=thread_key(stored_id(call.id)),
    )
    refresh_idea_card(turn, idea)  # 取組にする is gone from its card
    turn.say_text("ideas.initiative_created", title=initiative.title)
