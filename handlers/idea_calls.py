"""Staff side of アイデア募集型: open a call (form → preview → publish), edit, close early,
review ideas with an official answer, turn an adopted idea into an initiative, export CSV.

A new call is stored as an ``IdeaCall`` with status ``draft`` (not in dialog data): the preview's
「公開する」 button then works from any staff channel and survives restarts, residents never see
drafts, and 「修正する」 simply re-opens the same row in the form. Every action re-checks
``is_staff`` on the server; buttons are only claims.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import select

from bot.core.actions import pack
from bot.core.replies import Button, Card, Carousel, Choices, Form, FormErrors, FormField, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.signed_links import sign
from handlers.common import Menu
from handlers.idea_views import (
    CLOSED,
    DRAFT,
    FINAL,
    OPEN,
    AnswerForm,
    AnswerIdea,
    CallForm,
    CallMeeting,
    CloseCall,
    EditCall,
    ExportCall,
    MakeInitiative,
    ManageCall,
    PublishCall,
    SetIdeaStatus,
    StaffIdeas,
    call_fields,
    close_call,
    export_path,
    followers,
    resident_call_card,
    short,
    staff_call_card,
    staff_idea_card,
    staff_translator,
    status_label,
    summary_card,
    summary_dedupe,
    support_counts,
    thread_key,
    visible_ideas,
)
from storage import ledger
from storage.models import (
    Actor,
    ActorKind,
    Idea,
    IdeaCall,
    IdeaStatus,
    IdeaSupport,
    Initiative,
    InitiativeStatus,
    Person,
)

router = Router()

# The meetings helper owns アイデアの会; whichever of these commands it registers is offered.
MEETING_COMMANDS = ("new_meeting", "meeting_new", "meetings_new")
EXPORT_TTL = timedelta(minutes=15)
PAGE = 10
LIMITS = {"title": 80, "problem": 2000, "wanted": 1000}
ANSWER_LIMIT = 2000
ANSWERABLE = (IdeaStatus.REVIEWING, *FINAL)


# ---------------------------------------------------------------- helpers


def meeting_command(turn: Turn) -> str | None:
    return next((name for name in MEETING_COMMANDS if name in turn.commands), None)


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip()


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _flag(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    text = _str(value).lower()
    if text in ("yes", "true", "1", "on"):
        return True
    if text in ("no", "false", "0", "off"):
        return False
    return default


def _get_call(turn: Turn, call_id: int) -> IdeaCall | None:
    call = turn.db.get(IdeaCall, call_id)
    if call is None:
        turn.say_text("common.not_found")
    return call


def _get_idea(turn: Turn, idea_id: int) -> Idea | None:
    idea = turn.db.get(Idea, idea_id)
    if idea is None:
        turn.say_text("common.not_found")
    return idea


def refresh_staff_card(turn: Turn, call: IdeaCall) -> None:
    """Replace the root message of the call's staff thread (live counts, state)."""
    st = staff_translator(turn.catalog, turn.config)
    turn.db.flush()
    turn.notify_staff(
        staff_call_card(turn.db, call, st, turn.ward, turn.now),
        thread_key=thread_key(call.id),
        update=True,
    )


# ---------------------------------------------------------------- the call form


def call_form(turn: Turn, call: IdeaCall | None) -> Form:
    t = turn.t
    public_options = (("yes", t("ideas.form_public_yes")), ("no", t("ideas.form_public_no")))
    fields = [
        FormField(
            name="title",
            label=t("ideas.form_title"),
            max_length=LIMITS["title"],
            initial=call.title if call else None,
        ),
        FormField(
            name="problem",
            label=t("ideas.form_problem"),
            input="textarea",
            max_length=LIMITS["problem"],
            initial=call.problem if call else None,
            hint=t("ideas.form_problem_hint"),
        ),
        FormField(
            name="wanted",
            label=t("ideas.form_wanted"),
            input="textarea",
            max_length=LIMITS["wanted"],
            initial=call.wanted if call else None,
            hint=t("ideas.form_wanted_hint"),
        ),
        FormField(
            name="categories",
            label=t("ideas.form_categories"),
            input="multiselect",
            options=tuple(turn.ward.categories.options(turn.language)),
            initial=list(call.categories) if call else None,
        ),
        FormField(
            name="deadline",
            label=t("ideas.form_deadline"),
            input="datetime",
            initial=turn.local_input(call.deadline) if call else None,
            hint=t("ideas.form_deadline_hint"),
        ),
        FormField(
            name="public",
            label=t("ideas.form_public"),
            input="select",
            options=public_options,
            initial="yes" if (call is None or call.public_ideas) else "no",
        ),
    ]
    if meeting_command(turn) and (call is None or call.status == DRAFT):
        fields.append(
            FormField(
                name="meeting",
                label=t("ideas.form_meeting"),
                input="select",
                options=(("no", t("ideas.form_meeting_no")), ("yes", t("ideas.form_meeting_yes"))),
                required=False,
                initial="no",
            )
        )
    editing_open = call is not None and call.status == OPEN
    return Form(
        title=t("ideas.form_edit_title") if call else t("ideas.form_new_title"),
        fields=tuple(fields),
        submit_label=t("ideas.form_save") if editing_open else t("ideas.form_preview"),
        data=pack(CallForm(call.id if call else 0)),
    )


def parse_call(turn: Turn, values: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate the form; returns the clean values and (field, message) errors."""
    t = turn.t
    clean: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, limit in LIMITS.items():
        text = _str(values.get(name))
        if not text:
            errors.append((name, t("ideas.error_required")))
        elif len(text) > limit:
            errors.append((name, t("common.too_long", limit=limit, length=len(text))))
        clean[name] = text
    categories = list(dict.fromkeys(_list(values.get("categories"))))
    if not categories:
        errors.append(("categories", t("ideas.error_categories")))
    elif any(code not in turn.ward.categories for code in categories):
        errors.append(("categories", t("ideas.error_unknown_category")))
    clean["categories"] = categories
    raw = _str(values.get("deadline"))
    deadline = turn.parse_local(raw) if raw else None
    if not raw:
        errors.append(("deadline", t("ideas.error_required")))
    elif deadline is None:
        errors.append(("deadline", t("ideas.error_datetime")))
    elif deadline <= turn.now:
        errors.append(("deadline", t("ideas.error_deadline_past")))
    clean["deadline"] = deadline
    clean["public_ideas"] = _flag(values.get("public"), True)
    clean["meeting"] = _flag(values.get("meeting"), False)
    return clean, errors


def preview(turn: Turn, call: IdeaCall, meeting: bool) -> None:
    t = turn.t
    fields = [
        *call_fields(call, t, turn.ward),
        (t("ideas.field_public"), t("common.yes") if call.public_ideas else t("common.no")),
    ]
    if meeting:
        fields.append((t("ideas.field_meeting"), t("common.yes")))
    turn.say(
        Text(text=t("ideas.preview_intro")),
        Card(
            title=call.title,
            body=call.problem,
            fields=tuple(fields),
            badge=t("ideas.badge_draft"),
            buttons=(
                Button(
                    label=t("ideas.button_publish"),
                    data=pack(PublishCall(call.id, meeting)),
                    style="primary",
                ),
                Button(label=t("ideas.button_fix"), data=pack(EditCall(call.id))),
            ),
        ),
    )


@router.command("new_call", staff=True)
def new_call(turn: Turn, _args: str) -> None:
    if not turn.require_staff():
        return
    turn.say(call_form(turn, None))


@router.action(EditCall)
def edit_call(turn: Turn, act: EditCall) -> None:
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    if call.status == CLOSED:
        turn.say_text("ideas.call_closed_no_edit")
        return
    turn.say(call_form(turn, call))


@router.form(CallForm)
def submit_call(turn: Turn, act: CallForm, values: dict[str, Any]) -> None:
    if not turn.require_staff():
        return
    call = None
    if act.call_id:
        call = _get_call(turn, act.call_id)
        if call is None:
            return
        if call.status == CLOSED:
            turn.say_text("ideas.call_closed_no_edit")
            return
    clean, errors = parse_call(turn, values)
    if errors:
        turn.say(FormErrors(errors=tuple(errors)))
        return
    meeting = clean.pop("meeting")
    if call is None:
        call = IdeaCall(
            status=DRAFT,
            created_by=turn.person.id,
            created_at=turn.now,
            updated_at=turn.now,
            **clean,
        )
        turn.db.add(call)
        turn.db.flush()
        turn.audit("idea_call.drafted", "idea_call", call.id)
        preview(turn, call, meeting)
        return
    changed = [name for name, value in clean.items() if getattr(call, name) != value]
    old_deadline = call.deadline
    for name, value in clean.items():
        setattr(call, name, value)
    call.updated_at = turn.now
    turn.db.add(call)
    if call.status == DRAFT:
        turn.audit("idea_call.draft_edited", "idea_call", call.id, changed=changed)
        preview(turn, call, meeting)
        return
    turn.audit("idea_call.edited", "idea_call", call.id, changed=changed)
    told = 0
    if call.deadline != old_deadline:
        told = announce_deadline_change(turn, call)
    refresh_staff_card(turn, call)
    turn.say_text("ideas.call_updated", title=call.title, count=told)


def announce_deadline_change(turn: Turn, call: IdeaCall) -> int:
    """Small edits stay quiet; a new deadline matters to everyone who already submitted."""
    authors = sorted({i.author_id for i in visible_ideas(turn.db, call.id)})
    stamp = int(call.deadline.timestamp())
    told = 0
    for person in turn.db.exec(select(Person).where(Person.id.in_(authors))).all():
        if person.deleted:
            continue
        tp = turn.tr_for(person)
        turn.notify(
            person,
            Text(
                text=tp(
                    "ideas.deadline_changed",
                    title=call.title,
                    deadline=turn.local(call.deadline).strftime("%Y-%m-%d %H:%M"),
                )
            ),
            kind="notice",
            dedupe_key=f"idea_call:{call.id}:deadline:{stamp}:{person.id}",
        )
        told += 1
    return told


# ---------------------------------------------------------------- publish, manage, close


@router.action(PublishCall)
def publish(turn: Turn, act: PublishCall) -> None:
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    if call.status != DRAFT:
        turn.say_text("ideas.already_published", title=call.title)
        return
    if call.deadline <= turn.now:
        turn.say(
            Choices(
                text=turn.t("ideas.error_deadline_past_publish"),
                buttons=(Button(label=turn.t("ideas.button_fix"), data=pack(EditCall(call.id))),),
            )
        )
        return
    done = turn.db.execute(
        update(IdeaCall)
        .where(IdeaCall.id == call.id, IdeaCall.status == DRAFT)
        .values(status=OPEN, updated_at=turn.now)
        .execution_options(synchronize_session=False)
    ).rowcount
    turn.db.refresh(call)
    if done != 1:  # another staff member published it a moment ago
        turn.say_text("ideas.already_published", title=call.title)
        return
    turn.audit("idea_call.published", "idea_call", call.id)
    people = followers(turn.db, call, exclude={turn.person.id})
    for person in people:
        tp = turn.tr_for(person)
        turn.notify(
            person,
            Text(text=tp("ideas.announce_intro")),
            resident_call_card(call, tp, turn.ward, turn.now),
            kind="announcement",
            dedupe_key=f"idea_call:{call.id}:announce:{person.id}",
        )
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(
        staff_call_card(turn.db, call, st, turn.ward, turn.now), thread_key=thread_key(call.id)
    )
    turn.say_text("ideas.published", title=call.title, count=len(people))
    if act.meeting:
        offer_meeting(turn, call)


def offer_meeting(turn: Turn, call: IdeaCall) -> None:
    if meeting_command(turn) is None:
        turn.say_text("ideas.meeting_unavailable")
        return
    turn.say(
        Choices(
            text=turn.t("ideas.meeting_prompt"),
            buttons=(
                Button(label=turn.t("ideas.button_meeting"), data=pack(CallMeeting(call.id))),
            ),
        )
    )


@router.action(CallMeeting)
def call_meeting(turn: Turn, act: CallMeeting) -> None:
    """Hand over to the meetings module with ``idea_call:<id>`` as the command's argument."""
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    name = meeting_command(turn)
    if name is None:
        turn.say_text("ideas.meeting_unavailable")
        return
    turn.commands[name](turn, thread_key(call.id))


@router.command("idea_calls", staff=True)
def staff_calls(turn: Turn, _args: str) -> None:
    """Staff overview: drafts, open and recently closed calls, each with 「管理」."""
    if not turn.require_staff():
        return
    calls = turn.db.exec(
        select(IdeaCall).order_by(IdeaCall.status != DRAFT, IdeaCall.deadline.desc()).limit(PAGE)
    ).all()
    if not calls:
        turn.say(
            Choices(
                text=turn.t("ideas.staff_no_calls"),
                buttons=(
                    Button(label=turn.t("ideas.button_new_call"), data=pack(Menu("new_call"))),
                ),
            )
        )
        return
    st = turn.t
    cards = tuple(
        Card(
            title=c.title,
            body=short(c.problem, 120),
            fields=tuple(call_fields(c, st, turn.ward)),
            badge=st(f"ideas.badge_{c.status}"),
            buttons=(Button(label=st("ideas.button_manage"), data=pack(ManageCall(c.id))),),
        )
        for c in calls
    )
    turn.say(Carousel(alt_text=st("ideas.staff_calls_alt"), cards=cards))


@router.action(ManageCall)
def manage_call(turn: Turn, act: ManageCall) -> None:
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    if call.status == DRAFT:
        preview(turn, call, False)
        return
    turn.say(staff_call_card(turn.db, call, turn.t, turn.ward, turn.now))
    if call.status == OPEN and meeting_command(turn):
        offer_meeting(turn, call)


@router.action(CloseCall)
def close_early(turn: Turn, act: CloseCall) -> None:
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    if call.status != OPEN:
        turn.say_text("ideas.call_not_open", title=call.title)
        return
    if not act.confirm:
        turn.say(
            Choices(
                text=turn.t("ideas.close_confirm", title=call.title),
                buttons=(
                    Button(
                        label=turn.t("ideas.button_close_confirm"),
                        data=pack(CloseCall(call.id, True)),
                        style="danger",
                    ),
                    Button(label=turn.t("ideas.button_keep_open"), data=pack(ManageCall(call.id))),
                ),
            )
        )
        return
    if not close_call(turn.db, call, turn.now):
        turn.say_text("ideas.call_not_open", title=call.title)
        return
    turn.audit("idea_call.closed_early", "idea_call", call.id)
    st = staff_translator(turn.catalog, turn.config)
    refresh_staff_card(turn, call)
    turn.notify_staff(
        summary_card(turn.db, call, st),
        thread_key=thread_key(call.id),
        dedupe_key=summary_dedupe(call.id),
    )
    turn.say_text("ideas.call_closed", title=call.title)


# ---------------------------------------------------------------- review


@router.action(StaffIdeas)
def staff_ideas(turn: Turn, act: StaffIdeas) -> None:
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    ideas = visible_ideas(turn.db, call.id)
    if not ideas:
        turn.say_text("ideas.staff_no_ideas", title=call.title)
        return
    counts = support_counts(turn.db, [i.id for i in ideas])
    page = max(act.page, 0)
    chunk = ideas[page * PAGE : (page + 1) * PAGE]
    more = None
    if len(ideas) > (page + 1) * PAGE:
        more = Button(label=turn.t("ideas.button_more"), data=pack(StaffIdeas(call.id, page + 1)))
    turn.say(
        Carousel(
            alt_text=turn.t("ideas.staff_ideas_alt", title=call.title),
            cards=tuple(
                staff_idea_card(turn.db, i, turn.t, turn.ward, supports=counts.get(i.id, 0))
                for i in chunk
            ),
            more=more,
        )
    )


def _reviewable(turn: Turn, idea_id: int) -> Idea | None:
    idea = _get_idea(turn, idea_id)
    if idea is None:
        return None
    if idea.status == IdeaStatus.WITHDRAWN:
        turn.say_text("ideas.idea_withdrawn_staff", id=idea.id)
        return None
    return idea


def _tell_author(turn: Turn, idea: Idea, call: IdeaCall) -> None:
    author = turn.db.get(Person, idea.author_id)
    if author is None or author.deleted:
        return
    ta = turn.tr_for(author)
    fields = [
        (ta("ideas.field_your_idea"), short(idea.body, 100)),
        (ta("ideas.field_status"), status_label(idea.status, ta)),
    ]
    turn.notify(
        author,
        Card(
            title=ta("ideas.answer_notice_title", title=call.title),
            body=idea.answer or ta("ideas.status_changed_body"),
            fields=tuple(fields),
            badge=status_label(idea.status, ta),
        ),
        kind="notice",
    )


@router.action(SetIdeaStatus)
def set_status(turn: Turn, act: SetIdeaStatus) -> None:
    """Only 検討中 is set without an answer; final statuses always go through the answer form."""
    if not turn.require_staff():
        return
    idea = _reviewable(turn, act.idea_id)
    if idea is None:
        return
    if act.status != IdeaStatus.REVIEWING or idea.status != IdeaStatus.RECEIVED:
        turn.say_text("ideas.status_unchanged", status=status_label(idea.status, turn.t))
        return
    idea.status = IdeaStatus.REVIEWING
    idea.updated_at = turn.now
    turn.db.add(idea)
    turn.audit("idea.status", "idea", idea.id, status=IdeaStatus(idea.status).value)
    call = turn.db.get(IdeaCall, idea.call_id)
    _tell_author(turn, idea, call)
    turn.say_text("ideas.status_set", id=idea.id, status=status_label(idea.status, turn.t))
    turn.say(staff_idea_card(turn.db, idea, turn.t, turn.ward))


@router.action(AnswerIdea)
def answer_form(turn: Turn, act: AnswerIdea) -> None:
    if not turn.require_staff():
        return
    idea = _reviewable(turn, act.idea_id)
    if idea is None:
        return
    t = turn.t
    initial = act.status if act.status in ANSWERABLE else IdeaStatus.ADOPTED
    turn.say(
        Form(
            title=t("ideas.answer_form_title", id=idea.id),
            fields=(
                FormField(
                    name="status",
                    label=t("ideas.field_status"),
                    input="select",
                    options=tuple((s.value, status_label(s, t)) for s in ANSWERABLE),
                    initial=initial.value,
                ),
                FormField(
                    name="answer",
                    label=t("ideas.form_answer"),
                    input="textarea",
                    max_length=ANSWER_LIMIT,
                    initial=idea.answer,
                    hint=t("ideas.form_answer_hint", idea=short(idea.body, 80)),
                ),
            ),
            submit_label=t("ideas.form_answer_submit"),
            data=pack(AnswerForm(idea.id)),
        )
    )


@router.form(AnswerForm)
def submit_answer(turn: Turn, act: AnswerForm, values: dict[str, Any]) -> None:
    if not turn.require_staff():
        return
    idea = _reviewable(turn, act.idea_id)
    if idea is None:
        return
    t = turn.t
    errors: list[tuple[str, str]] = []
    raw_status = _str(values.get("status"))
    status = next((s for s in ANSWERABLE if s.value == raw_status), None)
    if status is None:
        errors.append(("status", t("ideas.error_status")))
    answer = _str(values.get("answer"))
    if not answer:
        errors.append(("answer", t("ideas.error_required")))
    elif len(answer) > ANSWER_LIMIT:
        errors.append(("answer", t("common.too_long", limit=ANSWER_LIMIT, length=len(answer))))
    if errors:
        turn.say(FormErrors(errors=tuple(errors)))
        return
    assert status is not None
    if status == idea.status and answer == idea.answer:
        turn.say_text("ideas.status_unchanged", status=status_label(status, t))
        return
    previous = idea.status
    idea.status = status
    idea.answer = answer
    idea.answered_by = turn.person.id
    idea.answered_at = turn.now
    idea.updated_at = turn.now
    turn.db.add(idea)
    ledger.idea_answered(turn.db, idea, turn.now)
    turn.audit(
        "idea.answered", "idea", idea.id, status=status.value, previous=IdeaStatus(previous).value
    )
    call = turn.db.get(IdeaCall, idea.call_id)
    _tell_author(turn, idea, call)
    if status in FINAL and status != previous:
        _tell_supporters(turn, idea, call)
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(staff_idea_card(turn.db, idea, st, turn.ward), thread_key=thread_key(call.id))
    refresh_staff_card(turn, call)
    turn.say_text("ideas.answer_saved", id=idea.id, status=status_label(status, t))
    if status in (IdeaStatus.ADOPTED, IdeaStatus.PARTLY) and idea.initiative_id is None:
        turn.say(
            Choices(
                text=t("ideas.make_initiative_prompt"),
                buttons=(
                    Button(
                        label=t("ideas.button_make_initiative"),
                        data=pack(MakeInitiative(idea.id)),
                        style="primary",
                    ),
                ),
            )
        )


def _tell_supporters(turn: Turn, idea: Idea, call: IdeaCall) -> None:
    """Supporters get one short note per final status (not the whole answer, not 検討中)."""
    ids = turn.db.exec(select(IdeaSupport.person_id).where(IdeaSupport.idea_id == idea.id)).all()
    for person in turn.db.exec(select(Person).where(Person.id.in_(list(ids)))).all():
        if person.deleted or person.id == idea.author_id:
            continue
        tp = turn.tr_for(person)
        turn.notify(
            person,
            Text(
                text=tp(
                    "ideas.supporter_note",
                    title=call.title,
                    idea=short(idea.body, 40),
                    status=status_label(idea.status, tp),
                )
            ),
            kind="notice",
            dedupe_key=f"idea:{idea.id}:supporters:{IdeaStatus(idea.status).value}:{person.id}",
        )


class _AlreadyLinked(Exception):
    pass


def ward_actor(turn: Turn) -> Actor:
    actor = turn.db.exec(
        select(Actor).where(Actor.kind == ActorKind.WARD).order_by(Actor.id)
    ).first()
    if actor is None:
        actor = Actor(kind=ActorKind.WARD, name=turn.ward.display_name("ja"), created_at=turn.now)
        turn.db.add(actor)
        turn.db.flush()
        turn.audit("actor.created", "actor", actor.id, kind=ActorKind.WARD.value)
    return actor


@router.action(MakeInitiative)
def make_initiative(turn: Turn, act: MakeInitiative) -> None:
    """One action: an initiative posted as the ward, linked both ways, recruiting."""
    if not turn.require_staff():
        return
    idea = _reviewable(turn, act.idea_id)
    if idea is None:
        return
    if idea.status not in (IdeaStatus.ADOPTED, IdeaStatus.PARTLY):
        turn.say_text("ideas.initiative_needs_adoption")
        return
    if idea.initiative_id is not None:
        turn.say_text("ideas.initiative_exists", id=idea.initiative_id)
        return
    call = turn.db.get(IdeaCall, idea.call_id)
    actor = ward_actor(turn)
    category = call.categories[0] if call.categories else turn.ward.categories.codes[0]
    initiative = Initiative(
        actor_id=actor.id,
        poster_id=turn.person.id,
        title=short(idea.body, 60),
        description=idea.body[:1000],
        category=category,
        status=InitiativeStatus.RECRUITING,
        idea_id=idea.id,
        created_at=turn.now,
        updated_at=turn.now,
    )
    try:
        with turn.db.begin_nested():
            turn.db.add(initiative)
            turn.db.flush()
            linked = turn.db.execute(
                update(Idea)
                .where(Idea.id == idea.id, Idea.initiative_id.is_(None))
                .values(initiative_id=initiative.id, updated_at=turn.now)
                .execution_options(synchronize_session=False)
            ).rowcount
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
    author = turn.db.get(Person, idea.author_id)
    if author is not None and not author.deleted:
        ta = turn.tr_for(author)
        turn.notify(
            author,
            Text(text=ta("ideas.became_initiative", title=initiative.title)),
            kind="notice",
            dedupe_key=f"idea:{idea.id}:initiative",
        )
    st = staff_translator(turn.catalog, turn.config)
    turn.notify_staff(
        Text(text=st("ideas.staff_initiative_created", id=idea.id, title=initiative.title)),
        thread_key=thread_key(call.id),
    )
    turn.say_text("ideas.initiative_created", title=initiative.title)


# ---------------------------------------------------------------- export


@router.action(ExportCall)
def export(turn: Turn, act: ExportCall) -> None:
    if not turn.require_staff():
        return
    call = _get_call(turn, act.call_id)
    if call is None:
        return
    url = sign(
        turn.config.public_base_url,
        export_path(call.id),
        secret=turn.config.secret_key,
        now=turn.now,
        ttl=EXPORT_TTL,
    )
    turn.audit("idea_call.exported", "idea_call", call.id)
    turn.say_text(
        "ideas.export_link",
        title=call.title,
        url=url,
        minutes=int(EXPORT_TTL.total_seconds() // 60),
    )
