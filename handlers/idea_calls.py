"""Staff side of アイデア募集型, the call itself: open one (form → preview → publish), edit,
the overview, close early, hand over to an アイデアの会, export CSV.

A new call is stored as an ``IdeaCall`` with status ``draft`` (not in dialog data): the preview's
「公開する」 button then works from any staff channel and survives restarts, residents never see
drafts, and 「修正する」 simply re-opens the same row in the form. Every action re-checks
``is_staff`` on the server; buttons are only claims. Reviewing the submitted ideas is
``handlers.idea_review``; the form and its validation are ``handlers.idea_call_form``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Card, Carousel, Choices, Form, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from bot.signed_links import sign
from handlers.common import Menu
from handlers.idea_actions import (
    CallForm,
    CallMeeting,
    CloseCall,
    EditCall,
    ExportCall,
    ManageCall,
    PublishCall,
)
from handlers.idea_call_form import (
    CALL_FIELDS,
    CallDraft,
    form_values,
    meeting_command,
    preview,
    shaped,
)
from handlers.idea_views import (
    call_fields,
    export_path,
    resident_call_card,
    short,
    staff_call_card,
    staff_translator,
    summary_card,
    summary_dedupe,
    thread_key,
)
from storage.db import stored_id
from storage.models import IdeaCall
from storage.queries import idea_calls as q
from storage.queries.ideas import CLOSED, DRAFT, OPEN, close_call, followers, visible_ideas

router = Router()

EXPORT_TTL = timedelta(minutes=15)
PAGE = 10


def find_call(turn: Turn, call_id: int) -> IdeaCall | None:
    call = turn.db.get(IdeaCall, call_id)
    if call is None:
        turn.say_text("common.not_found")
    return call


def refresh_staff_card(turn: Turn, call: IdeaCall) -> None:
    """Replace the root message of the call's staff thread (live counts, state)."""
    st = staff_translator(turn.catalog, turn.config)
    turn.db.flush()
    turn.notify_staff(
        staff_call_card(turn.db, call, st, turn.ward, turn.now),
        thread_key=thread_key(stored_id(call.id)),
        update=True,
    )


def call_form(turn: Turn, call: IdeaCall | None) -> Form:
    """The declared form, filled with the call (a new call: empty), sent on every channel."""
    context = str(call.id if call else 0)
    return shaped(turn, IDEA_CALL.form(turn, context, form_values(call)), call)


@router.command("new_call", staff=True)
def new_call(turn: Turn, _args: str) -> None:
    if not turn.require_staff():
        return
    turn.say(call_form(turn, None))


@router.action(EditCall)
def edit_call(turn: Turn, act: EditCall) -> None:
    if not turn.require_staff():
        return
    call = find_call(turn, act.call_id)
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
    if act.call_id:
        call = find_call(turn, act.call_id)
        if call is None:
            return
        if call.status == CLOSED:
            turn.say_text("ideas.call_closed_no_edit")
            return
    IDEA_CALL.submitted(turn, str(act.call_id), values)


def save_call(turn: Turn, draft: CallDraft, context: str) -> None:
    """A new call becomes a draft with its preview; an edit saves (an open call tells the
    authors when its deadline moved)."""
    call = turn.db.get(IdeaCall, int(context)) if context != "0" else None
    clean: dict[str, Any] = {
        "title": draft.title,
        "problem": draft.problem,
        "wanted": draft.wanted,
        "categories": draft.categories,
        "deadline": draft.deadline,
        "public_ideas": draft.public,
    }
    if call is None:
        call = IdeaCall(
            status=DRAFT,
            created_by=stored_id(turn.person.id),
            created_at=turn.now,
            updated_at=turn.now,
            **clean,
        )
        turn.db.add(call)
        turn.db.flush()
        turn.audit("idea_call.drafted", "idea_call", call.id)
        preview(turn, call, draft.meeting)
        return
    changed = [name for name, value in clean.items() if getattr(call, name) != value]
    old_deadline = call.deadline
    for name, value in clean.items():
        setattr(call, name, value)
    call.updated_at = turn.now
    turn.db.add(call)
    if call.status == DRAFT:
        turn.audit("idea_call.draft_edited", "idea_call", call.id, changed=changed)
        preview(turn, call, draft.meeting)
        return
    turn.audit("idea_call.edited", "idea_call", call.id, changed=changed)
    told = 0
    if call.deadline != old_deadline:
        told = announce_deadline_change(turn, call)
    refresh_staff_card(turn, call)
    turn.say_text("ideas.call_updated", title=call.title, count=told)


IDEA_CALL = Wizard(
    flow="idea_call",
    title="ideas.form_new_title",
    fields=CALL_FIELDS,
    draft=CallDraft,
    submit=save_call,
    submit_label="ideas.form_preview",
    form_action=lambda context: CallForm(int(context)),
)


def announce_deadline_change(turn: Turn, call: IdeaCall) -> int:
    """Small edits stay quiet; a new deadline matters to everyone who already submitted."""
    authors = sorted({i.author_id for i in visible_ideas(turn.db, stored_id(call.id))})
    stamp = int(call.deadline.timestamp())
    told = 0
    for person in q.people(turn.db, authors):
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
    call = find_call(turn, act.call_id)
    if call is None:
        return
    if call.status != DRAFT:
        turn.say_text("ideas.already_published", title=call.title)
        return
    if call.deadline <= turn.now:
        turn.say(
            Choices(
                text=turn.t("ideas.error_deadline_past_publish"),
                buttons=(
                    Button(
                        label=turn.t("ideas.button_fix"), data=pack(EditCall(stored_id(call.id)))
                    ),
                ),
            )
        )
        return
    done = q.publish_draft(turn.db, call.id, turn.now)
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
        staff_call_card(turn.db, call, st, turn.ward, turn.now),
        thread_key=thread_key(stored_id(call.id)),
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
                Button(
                    label=turn.t("ideas.button_meeting"), data=pack(CallMeeting(stored_id(call.id)))
                ),
            ),
        )
    )


@router.action(CallMeeting)
def call_meeting(turn: Turn, act: CallMeeting) -> None:
    """Hand over to the meetings module with ``idea_call:<id>`` as the command's argument."""
    if not turn.require_staff():
        return
    call = find_call(turn, act.call_id)
    if call is None:
        return
    name = meeting_command(turn)
    if name is None:
        turn.say_text("ideas.meeting_unavailable")
        return
    turn.commands[name](turn, thread_key(stored_id(call.id)))


@router.command("idea_calls", staff=True)
def staff_calls(turn: Turn, _args: str) -> None:
    """Staff overview: drafts, open and recently closed calls, each with 「管理」."""
    if not turn.require_staff():
        return
    calls = q.staff_overview(turn.db, PAGE)
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
            buttons=(
                Button(label=st("ideas.button_manage"), data=pack(ManageCall(stored_id(c.id)))),
            ),
        )
        for c in calls
    )
    turn.say(Carousel(alt_text=st("ideas.staff_calls_alt"), cards=cards))


@router.action(ManageCall)
def manage_call(turn: Turn, act: ManageCall) -> None:
    if not turn.require_staff():
        return
    call = find_call(turn, act.call_id)
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
    call = find_call(turn, act.call_id)
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
                        data=pack(CloseCall(stored_id(call.id), True)),
                        style="danger",
                    ),
                    Button(
                        label=turn.t("ideas.button_keep_open"),
                        data=pack(ManageCall(stored_id(call.id))),
                    ),
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
        thread_key=thread_key(stored_id(call.id)),
        dedupe_key=summary_dedupe(stored_id(call.id)),
    )
    turn.say_text("ideas.call_closed", title=call.title)


# ---------------------------------------------------------------- export


@router.action(ExportCall)
def export(turn: Turn, act: ExportCall) -> None:
    if not turn.require_staff():
        return
    call = find_call(turn, act.call_id)
    if call is None:
        return
    url = sign(
        turn.config.public_base_url,
        export_path(stored_id(call.id)),
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
