"""The staff console's buttons: each re-checks permission and state, then does the work through
the existing handlers and shows the console again with what happened on top.

A button from an older view (the initiative was claimed, the case decided, the idea answered
meanwhile) changes nothing: it says so and shows the console as it is now. Non-staff are
refused with a console that only says no.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, Literal, cast

from sqlmodel import select

from bot.core.actions import pack
from bot.core.replies import Button, Card, Form, FormErrors
from bot.core.router import Router
from bot.core.turn import Turn
from handlers import (
    console,
    dashboard,
    idea_answer,
    idea_calls,
    initiative_facilitation,
    initiative_post_dialog,
    moderation,
)
from handlers.console import (
    ConsoleAnswer,
    ConsoleAnswerForm,
    ConsoleClaim,
    ConsoleDecide,
    ConsoleMatch,
    ConsoleMore,
    ConsoleOpen,
    ConsoleRefresh,
)
from handlers.console_forms import ConsoleForm, ConsoleVia, forms_via_console, inner_action
from handlers.idea_actions import AnswerForm, AnswerIdea
from handlers.initiative_actions import Claim, Match
from storage.db import is_postgres, stored_id
from storage.models import Idea, Initiative, InitiativeStatus, Person
from storage.queries import console as q
from storage.queries.ideas import UNANSWERED

router = Router()

DECISIONS = ("keep", "restore", "suspend")
MATCH_CHOICES = 10


@router.action(ConsoleRefresh)
def refresh(turn: Turn, _act: ConsoleRefresh) -> None:
    if console.refused(turn):
        return
    console.show(turn)


@router.action(ConsoleMore)
def more(turn: Turn, act: ConsoleMore) -> None:
    if console.refused(turn):
        return
    console.show(turn, expanded=act.queue if act.queue in console.QUEUES else None)


def _locked_initiative(turn: Turn, initiative_id: int) -> Initiative | None:
    stmt = select(Initiative).where(Initiative.id == initiative_id)
    if is_postgres(turn.db.get_bind()):
        stmt = stmt.with_for_update()
    return turn.db.exec(stmt).first()


@router.action(ConsoleClaim)
def claim(turn: Turn, act: ConsoleClaim) -> None:
    if console.refused(turn):
        return
    ini = _locked_initiative(turn, act.initiative_id)
    if ini is None or ini.hidden or ini.status != InitiativeStatus.RECRUITING:
        console.show(turn, notice=turn.t("staff.stale_not_waiting"))
        return
    if ini.facilitator_id is not None:
        lead = turn.db.get(Person, ini.facilitator_id)
        name = lead.display_name if lead is not None and lead.display_name else "-"
        console.show(turn, notice=turn.t("staff.stale_claimed", title=ini.title, name=name))
        return
    console.run_then_show(
        turn, lambda: initiative_facilitation.claim(turn, Claim(stored_id(ini.id)))
    )


@router.action(ConsoleDecide)
def decide(turn: Turn, act: ConsoleDecide) -> None:
    if console.refused(turn):
        return
    case = q.open_case(turn.db, act.entity, act.entity_id)
    if case is None or act.decision not in DECISIONS:
        console.show(turn, notice=turn.t("staff.stale_case"))
        return
    if act.decision == "suspend" and not act.confirmed:
        console.show(turn, cards=(_confirm_suspend(turn, act, case),))
        return
    entity = cast(moderation.Entity, act.entity)
    decision = cast(Literal["keep", "restore", "suspend"], act.decision)
    console.run_then_show(
        turn,
        lambda: moderation.decide(
            turn, moderation.Decide(entity, act.entity_id, decision, confirmed=True)
        ),
    )


def _confirm_suspend(turn: Turn, act: ConsoleDecide, case: q.Case) -> Card:
    """投稿者を停止 can't be undone from a button: ask once, in place."""
    sure = dataclasses.replace(act, confirmed=True)
    return Card(
        title=turn.t("staff.suspend_confirm_title"),
        body=turn.t("staff.suspend_confirm", title=dashboard._short(case.title)),
        buttons=(
            Button(label=turn.t("staff.suspend_yes"), data=pack(sure), style="danger"),
            Button(label=turn.t("staff.suspend_no"), data=pack(ConsoleRefresh())),
        ),
    )


def _answerable(turn: Turn, idea_id: int) -> Idea | None:
    idea = turn.db.get(Idea, idea_id)
    if idea is None or idea.hidden or idea.status not in UNANSWERED:
        return None
    return idea


@router.action(ConsoleAnswer)
def answer(turn: Turn, act: ConsoleAnswer) -> None:
    """The answer modal, sent back to the console on submit (which shows the console again)."""
    if console.refused(turn):
        return
    if _answerable(turn, act.idea_id) is None:
        console.show(turn, notice=turn.t("staff.stale_answered"))
        return
    before = len(turn.replies)
    idea_answer.answer_form(turn, AnswerIdea(act.idea_id))
    turn.replies[before:] = [
        dataclasses.replace(r, data=pack(ConsoleAnswerForm(act.idea_id)))
        if isinstance(r, Form)
        else r
        for r in turn.replies[before:]
    ]


@router.form(ConsoleAnswerForm)
def answer_submitted(turn: Turn, act: ConsoleAnswerForm, values: dict[str, Any]) -> None:
    if console.refused(turn):
        return
    before = len(turn.replies)
    idea_answer.submit_answer(turn, AnswerForm(act.idea_id), values)
    if any(isinstance(r, FormErrors) for r in turn.replies[before:]):
        return  # the modal stays open with what was typed
    said = turn.replies[before:]
    del turn.replies[before:]
    console.run_then_show(turn, lambda: turn.say(*said))


@router.action(ConsoleOpen)
def open_action(turn: Turn, act: ConsoleOpen) -> None:
    if console.refused(turn):
        return
    before = len(turn.replies)
    if act.what == "post":
        initiative_post_dialog.start_post(turn, "")
        forms_via_console(turn, before)
    elif act.what == "new_call":
        idea_calls.new_call(turn, "")
        forms_via_console(turn, before)
    elif act.what == "numbers":
        console.show(turn, cards=(dashboard.month_numbers(turn),))
    elif act.what == "match":
        console.show(turn, cards=(_match_choices(turn),))
    else:
        console.show(turn, notice=turn.t("staff.stale_button"))


def _match_choices(turn: Turn) -> Card:
    rows = q.recent_open_initiatives(turn.db, MATCH_CHOICES)
    if not rows:
        return Card(title=turn.t("staff.console_match"), body=turn.t("staff.match_none"))
    return Card(
        title=turn.t("staff.console_match"),
        body=turn.t("staff.match_pick"),
        buttons=tuple(
            Button(label=dashboard._short(i.title, 30), data=pack(ConsoleMatch(stored_id(i.id))))
            for i in rows
        ),
    )


@router.action(ConsoleMatch)
def match(turn: Turn, act: ConsoleMatch) -> None:
    if console.refused(turn):
        return
    console.run_then_show(
        turn, lambda: initiative_facilitation.match(turn, Match(act.initiative_id))
    )


@cache
def _routes() -> Router:
    """Every route, to run the action a console wrapper carries (built once, lazily: this
    module is itself one of the routers)."""
    from handlers import build_router

    return build_router()


@router.action(ConsoleVia)
def via(turn: Turn, act: ConsoleVia) -> None:
    """A button shown inside the console: its own handler, then the console again."""
    if console.refused(turn):
        return
    inner = inner_action(act.inner)
    handler = _routes().actions.get(type(inner)) if inner is not None else None
    if handler is None:
        console.show(turn, notice=turn.t("staff.stale_button"))
        return
    console.run_then_show(turn, lambda: handler(turn, inner))


@router.form(ConsoleForm)
def form_submitted(turn: Turn, act: ConsoleForm, values: dict[str, Any]) -> None:
    """A modal opened from the console: its own submit, then the console (unless the form has
    errors, when the modal stays open with what was typed)."""
    if console.refused(turn):
        return
    inner = inner_action(act.inner)
    handler = _routes().forms.get(type(inner)) if inner is not None else None
    if handler is None:
        console.show(turn, notice=turn.t("staff.stale_button"))
        return
    before = len(turn.replies)
    handler(turn, inner, values)
    if any(isinstance(r, FormErrors) for r in turn.replies[before:]):
        return
    said = turn.replies[before:]
    del turn.replies[before:]
    console.run_then_show(turn, lambda: turn.say(*said))
