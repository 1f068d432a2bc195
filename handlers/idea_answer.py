"""The official answer to an idea (採用・一部採用・不採用・検討中 with a text) and who hears it.

The answer form tells staff which language the author reads, because an answer typed in
Japanese reaches an English reader otherwise without a word of explanation. An English reader
gets the optional English version staff wrote, or the Japanese text inside the catalog's
English frame; Japanese readers get the text as written. Supporters get one short note per
final status.
"""

from __future__ import annotations

from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Card, Choices, Form, FormErrors, FormField, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.i18n import Translator
from handlers.idea_actions import AnswerForm, AnswerIdea, MakeInitiative
from handlers.idea_call_form import form_text
from handlers.idea_calls import refresh_staff_card
from handlers.idea_views import short, status_label
from handlers.ideas import refresh_idea_card
from storage import ledger
from storage.db import stored_id, stored_row
from storage.models import Idea, IdeaCall, IdeaStatus, Person
from storage.queries import idea_calls as q
from storage.queries.ideas import FINAL

router = Router()

ANSWER_LIMIT = 2000
ANSWERABLE = (IdeaStatus.REVIEWING, *FINAL)
LANGUAGE_NAMES = {
    "ja": "common.language_ja",
    "easy": "common.language_easy",
    "en": "common.language_en",
}


def reviewable(turn: Turn, idea_id: int) -> Idea | None:
    """The idea staff may review, or None after saying why (gone, or withdrawn)."""
    idea = turn.db.get(Idea, idea_id)
    if idea is None:
        turn.say_text("common.not_found")
        return None
    if idea.status == IdeaStatus.WITHDRAWN:
        turn.say_text("ideas.idea_withdrawn_staff", id=idea.id)
        return None
    return idea


def answer_for(ta: Translator, idea: Idea) -> str | None:
    """The answer as the author reads it: English readers get staff's English version, or the
    Japanese text in the catalog's English frame; everyone else the text as written."""
    if not idea.answer:
        return None
    if ta.language != "en":
        return idea.answer
    if idea.answer_en:
        return ta("ideas.answer_in_english", answer=idea.answer_en)
    return ta("ideas.answer_in_japanese", answer=idea.answer)


def tell_author(turn: Turn, idea: Idea, call: IdeaCall) -> None:
    author = turn.db.get(Person, idea.author_id)
    if author is None or author.deleted:
        return
    ta = turn.tr_for(author)
    fields = [
        (ta("ideas.field_your_idea"), short(idea.body, 100)),
        (ta("ideas.field_status"), status_label(ta, idea.status)),
    ]
    turn.notify(
        author,
        Card(
            title=ta("ideas.answer_notice_title", title=call.title),
            body=answer_for(ta, idea) or ta("ideas.status_changed_body"),
            fields=tuple(fields),
            badge=status_label(ta, idea.status),
        ),
        kind="notice",
    )


def _author_language(turn: Turn, idea: Idea) -> str:
    author = turn.db.get(Person, idea.author_id)
    language = author.language if author is not None else "ja"
    return turn.t(LANGUAGE_NAMES.get(language, "common.language_ja"))


@router.action(AnswerIdea)
def answer_form(turn: Turn, act: AnswerIdea) -> None:
    if not turn.require_staff():
        return
    idea = reviewable(turn, act.idea_id)
    if idea is None:
        return
    t = turn.t
    initial = act.status if act.status in ANSWERABLE else IdeaStatus.ADOPTED
    about = t("staff.answer_author_language", reads=_author_language(turn, idea))
    fields = [
        FormField(
            name="status",
            label=t("ideas.field_status"),
            input="select",
            options=tuple((s.value, status_label(t, s)) for s in ANSWERABLE),
            initial=initial.value,
        ),
        FormField(
            name="answer",
            label=t("ideas.form_answer"),
            input="textarea",
            max_length=ANSWER_LIMIT,
            initial=idea.answer,
            hint=about + "\n" + t("ideas.form_answer_hint", idea=short(idea.body, 80)),
        ),
    ]
    author = turn.db.get(Person, idea.author_id)
    if idea.answer_en or (author is not None and author.language == "en"):
        fields.append(
            FormField(
                name="answer_en",
                label=t("staff.form_answer_en"),
                input="textarea",
                required=False,
                max_length=ANSWER_LIMIT,
                initial=idea.answer_en,
                hint=t("staff.form_answer_en_hint"),
            )
        )
    turn.say(
        Form(
            title=t("ideas.answer_form_title", id=idea.id),
            fields=tuple(fields),
            submit_label=t("ideas.form_answer_submit"),
            data=pack(AnswerForm(stored_id(idea.id))),
        )
    )


def _checked(turn: Turn, values: dict[str, Any]) -> tuple[IdeaStatus | None, str, str | None]:
    """(status, answer, English answer), or status None after the form errors were said."""
    t = turn.t
    errors: list[tuple[str, str]] = []
    raw_status = form_text(values.get("status"))
    status = next((s for s in ANSWERABLE if s.value == raw_status), None)
    if status is None:
        errors.append(("status", t("staff.form_choose")))
    answer = form_text(values.get("answer"))
    answer_en = form_text(values.get("answer_en")) or None
    if not answer:
        errors.append(("answer", t("staff.form_required")))
    for name, text in (("answer", answer), ("answer_en", answer_en or "")):
        if len(text) > ANSWER_LIMIT:
            errors.append((name, t("staff.form_too_long", limit=ANSWER_LIMIT, length=len(text))))
    if errors:
        turn.say(FormErrors(errors=tuple(errors)))
        return None, answer, answer_en
    return status, answer, answer_en


@router.form(AnswerForm)
def submit_answer(turn: Turn, act: AnswerForm, values: dict[str, Any]) -> None:
    if not turn.require_staff():
        return
    idea = reviewable(turn, act.idea_id)
    if idea is None:
        return
    t = turn.t
    status, answer, answer_en = _checked(turn, values)
    if status is None:
        return
    if (status, answer, answer_en) == (idea.status, idea.answer, idea.answer_en):
        turn.say_text("ideas.status_unchanged", status=status_label(t, status))
        return
    previous = idea.status
    idea.status = status
    idea.answer = answer
    idea.answer_en = answer_en
    idea.answered_by = turn.person.id
    idea.answered_at = turn.now
    idea.updated_at = turn.now
    turn.db.add(idea)
    ledger.idea_answered(turn.db, idea, turn.now)
    turn.audit(
        "idea.answered", "idea", idea.id, status=status.value, previous=IdeaStatus(previous).value
    )
    call = stored_row(turn.db, IdeaCall, idea.call_id)
    tell_author(turn, idea, call)
    if status in FINAL and status != previous:
        _tell_supporters(turn, idea, call)
    refresh_idea_card(turn, idea)  # the idea's card in the call's thread, in place
    refresh_staff_card(turn, call)
    turn.say_text("ideas.answer_saved", id=idea.id, status=status_label(t, status))
    if status in (IdeaStatus.ADOPTED, IdeaStatus.PARTLY) and idea.initiative_id is None:
        turn.say(
            Choices(
                text=t("ideas.make_initiative_prompt"),
                buttons=(
                    Button(
                        label=t("ideas.button_make_initiative"),
                        data=pack(MakeInitiative(stored_id(idea.id))),
                        style="primary",
                    ),
                ),
            )
        )


def _tell_supporters(turn: Turn, idea: Idea, call: IdeaCall) -> None:
    """Supporters get one short note per final status (not the whole answer, not 検討中)."""
    ids = q.supporter_ids(turn.db, idea.id)
    for person in q.people(turn.db, ids):
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
                    status=status_label(tp, idea.status),
                )
            ),
            kind="notice",
            dedupe_key=f"idea:{idea.id}:supporters:{IdeaStatus(idea.status).value}:{person.id}",
        )
