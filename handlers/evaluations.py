"""協働評価: the partners of a completed initiative evaluate it, compare, and the poster
publishes the summary.

The ask comes from the periodic job (``schedules/evaluations_jobs.py``) with the buttons made
by :func:`ask_replies`, injected through the runtime so the job never imports handlers. Every
button is a claim: the initiative must be 完了 and the person one of its partners; an answer
is accepted once (the store's unique pair decides, so a second tap or a redelivery changes
nothing). From two answers on, whoever answers sees their answer beside the group's median,
the earlier ones are told once, and staff see where partners disagree by ≥ 2 points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.actions import pack
from bot.core.replies import Button, Card, Choices, Reply, Text
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import CONTEXT, Wizard
from bot.core.wizard_fields import ChoiceField
from bot.i18n import Translator
from handlers.evaluation_form import (
    EVALUATION_FIELDS,
    Compare,
    Evaluate,
    EvaluationDraft,
    Publish,
    PublishDraft,
)
from handlers.initiative_views import thread_key
from handlers.outcome_numbers import public_url
from storage.db import stored_id
from storage.models import Evaluation, Initiative, InitiativeStatus, Person
from storage.queries import evaluations as ev

router = Router()


def _id(context: str) -> int:
    raw = context.partition(":")[2]
    return int(raw) if raw.isdigit() else 0


def score(value: float) -> str:
    """A median as people read it: 4, or 3.5."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def ask_replies(t: Translator, ini: Initiative, reminder: bool) -> list[Reply]:
    """The ask (or the one reminder) the job queues: the neutral replies with the button."""
    key = "evaluations.remind" if reminder else "evaluations.ask"
    return [
        Choices(
            text=t(key, title=ini.title),
            buttons=(
                Button(
                    label=t("evaluations.b_start"),
                    data=pack(Evaluate(stored_id(ini.id))),
                    style="primary",
                ),
            ),
        )
    ]


def _completed(turn: Turn, initiative_id: int) -> Initiative | None:
    ini = turn.db.get(Initiative, initiative_id)
    if ini is None or ini.status != InitiativeStatus.DONE or ini.hidden:
        return None
    return ini


def _may_answer(turn: Turn, context: str) -> bool:
    """A partner of a completed initiative who has not answered yet (checked at start and
    again at submit)."""
    ini = _completed(turn, _id(context))
    pid = stored_id(turn.person.id)
    return (
        ini is not None
        and ev.role_of(turn.db, ini, pid) is not None
        and ev.answer_of(turn.db, stored_id(ini.id), pid) is None
    )


@router.action(Evaluate)
def start(turn: Turn, act: Evaluate) -> None:
    ini = _completed(turn, act.initiative_id)
    if ini is None or ev.role_of(turn.db, ini, stored_id(turn.person.id)) is None:
        return turn.say_text("evaluations.not_partner")
    if ev.answer_of(turn.db, stored_id(ini.id), stored_id(turn.person.id)) is not None:
        return turn.say_text("evaluations.already")
    turn.say_text("evaluations.intro", title=ini.title)
    EVALUATION.start(turn, f"initiative:{ini.id}")


def answered(turn: Turn, draft: EvaluationDraft, context: str) -> None:
    ini = _completed(turn, _id(context))
    pid = stored_id(turn.person.id)
    role = ev.role_of(turn.db, ini, pid) if ini is not None else None
    if ini is None or role is None:
        return turn.say_text("evaluations.not_partner")
    row = ev.record_answer(turn.db, ini, pid, role, draft.scores(), draft.comment, turn.now)
    if row is None:
        return turn.say_text("evaluations.already")
    turn.audit("evaluation.answer", "initiative", ini.id, role=role)
    turn.say_text("evaluations.thanks")
    rows = ev.answers(turn.db, stored_id(ini.id))
    if len(rows) < ev.MIN_FOR_COMPARISON:
        return turn.say(_waiting(turn, ini))
    turn.say(comparison_card(turn, ini, row, rows, turn.t))
    if len(rows) == ev.MIN_FOR_COMPARISON:  # the first comparison: tell the earlier one too
        for other in rows:
            if other.person_id is None or other.person_id == pid:
                continue
            person = turn.db.get(Person, other.person_id)
            if person is None or person.deleted:
                continue
            t = turn.tr_for(person)
            turn.notify(
                person,
                Text(text=t("evaluations.compare_ready", title=ini.title)),
                comparison_card(turn, ini, other, rows, t),
                kind="evaluation",
                dedupe_key=f"evaluation:{ini.id}:{other.person_id}:compare",
            )
    _tell_staff(turn, ini, rows)


def _waiting(turn: Turn, ini: Initiative) -> Reply:
    return Choices(
        text=turn.t("evaluations.waiting"),
        buttons=(Button(label=turn.t("evaluations.b_compare"), data=pack(Compare(ini.id or 0))),),
    )


def comparison_card(
    turn: Turn, ini: Initiative, own: Evaluation, rows: Sequence[Evaluation], t: Translator
) -> Card:
    """The person's answer beside the median; the poster also gets 「まとめを公開する」."""
    medians = ev.medians(rows)
    fields = tuple(
        (
            t(f"evaluations.f_{q}"),
            t("evaluations.compare_value", own=getattr(own, q), median=score(medians[q])),
        )
        for q in ev.QUESTIONS
    )
    buttons = [Button(label=t("evaluations.b_compare"), data=pack(Compare(stored_id(ini.id))))]
    if own.person_id == ini.poster_id:
        buttons.insert(
            0,
            Button(
                label=t("evaluations.b_publish"),
                data=pack(Publish(stored_id(ini.id))),
                style="primary",
            ),
        )
    return Card(
        title=t("evaluations.compare_title", title=ini.title, n=len(rows)),
        body=t("evaluations.compare_body"),
        fields=fields,
        buttons=tuple(buttons),
    )


def _tell_staff(turn: Turn, ini: Initiative, rows: Sequence[Evaluation]) -> None:
    """Where partners disagree by ≥ 2 points, in the item's staff thread (once per count)."""
    split = ev.disagreements(rows)
    if not split:
        return
    ja = turn.catalog.translator("ja")
    lines = "\n".join(
        ja("evaluations.staff_line", question=ja(f"evaluations.f_{q}"), low=lo, high=hi)
        for q, (lo, hi) in split.items()
    )
    turn.notify_staff(
        Text(text=ja("evaluations.staff_disagree", title=ini.title, n=len(rows), lines=lines)),
        thread_key=thread_key(ini),
        dedupe_key=f"evaluation:{ini.id}:disagree:{len(rows)}",
    )


@router.action(Compare)
def compare(turn: Turn, act: Compare) -> None:
    ini = _completed(turn, act.initiative_id)
    if ini is None or ev.role_of(turn.db, ini, stored_id(turn.person.id)) is None:
        return turn.say_text("evaluations.not_partner")
    found = ev.comparison(turn.db, stored_id(ini.id), stored_id(turn.person.id))
    if found is None:
        return turn.say_text("evaluations.compare_none")
    turn.say(comparison_card(turn, ini, found.own, ev.answers(turn.db, stored_id(ini.id)), turn.t))


EVALUATION = Wizard(
    flow="evaluation",
    title="evaluations.title",
    fields=EVALUATION_FIELDS,
    draft=EvaluationDraft,
    submit=answered,
    allowed=_may_answer,
    refused="evaluations.refused",
    submit_label="evaluations.b_submit",
)
EVALUATION.register(router)


# ---------------------------------------------------------------- publishing (poster only)


def _may_publish(turn: Turn, context: str) -> bool:
    ini = _completed(turn, _id(context))
    return (
        ini is not None
        and ini.poster_id == turn.person.id
        and len(ev.answers(turn.db, stored_id(ini.id))) >= ev.MIN_FOR_COMPARISON
    )


def _comment_options(turn: Turn) -> Sequence[tuple[str, str]]:
    """Numbered comments of the initiative being published (the question lists the text)."""
    rows = ev.comments(turn.db, _id(str(turn.dialog.data.get(CONTEXT, ""))))
    return [(str(r.id), str(i)) for i, r in enumerate(rows, 1)]


def _publish_shows(turn: Turn, context: str) -> Mapping[str, Any]:
    rows = ev.comments(turn.db, _id(context))
    listed = "\n".join(f"{i}. {r.comment}" for i, r in enumerate(rows, 1))
    return {"comments": listed or turn.t("evaluations.comments_none")}


def _publish_summary(
    turn: Turn, answers: Mapping[str, Any]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    context = str(turn.dialog.data.get(CONTEXT, ""))
    rows = ev.answers(turn.db, _id(context))
    medians = ev.medians(rows)
    chosen = set(answers.get("comments") or [])
    fields = [(turn.t(f"evaluations.f_{q}"), score(medians[q])) for q in ev.QUESTIONS]
    fields += [
        (turn.t("evaluations.f_comment"), str(r.comment))
        for r in rows
        if r.comment and str(r.id) in chosen
    ]
    return turn.t("evaluations.publish_title", n=len(rows)), tuple(fields)


@router.action(Publish)
def publish_start(turn: Turn, act: Publish) -> None:
    ini = _completed(turn, act.initiative_id)
    if ini is None or ini.poster_id != turn.person.id:
        return turn.say_text("evaluations.poster_only")
    if not _may_publish(turn, f"initiative:{ini.id}"):
        return turn.say_text("evaluations.too_few")
    PUBLISH.start(turn, f"initiative:{ini.id}")


def published(turn: Turn, draft: PublishDraft, context: str) -> None:
    ini = _completed(turn, _id(context))
    if ini is None:
        return turn.say_text("evaluations.poster_only")
    chosen = [int(v) for v in draft.comments or [] if v.isdigit()]
    summary = ev.publish(turn.db, ini, stored_id(turn.person.id), chosen, turn.now)
    if summary is None:
        return turn.say_text("evaluations.too_few")
    turn.audit(
        "evaluation.publish", "initiative", ini.id, answers=summary.answers, comments=len(chosen)
    )
    turn.say_text("evaluations.published", url=public_url(turn))


PUBLISH = Wizard(
    flow="evaluation_publish",
    title="evaluations.publish_title_short",
    fields=(
        ChoiceField(
            name="comments",
            label="evaluations.f_comments",
            ask="evaluations.ask_comments",
            options=_comment_options,
            multiple=True,
            optional=True,
            skip="evaluations.b_no_comments",
        ),
    ),
    draft=PublishDraft,
    submit=published,
    allowed=_may_publish,
    refused="evaluations.poster_only",
    submit_label="evaluations.b_publish_confirm",
    confirm_body="evaluations.publish_confirm",
    summary=_publish_summary,
    shows=_publish_shows,
    forms=False,  # a short choice: steps on every channel
)
PUBLISH.register(router)
