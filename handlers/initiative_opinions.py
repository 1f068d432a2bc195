"""意見募集: the poster asks participants or followers for opinions, and collects the answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.core.actions import pack
from bot.core.replies import (
    Button,
    Choices,
    Text,
)
from bot.core.router import Router
from bot.core.turn import Turn
from bot.core.wizard import Wizard
from handlers import initiative_actions as a
from handlers.initiative_access import (
    DIALOG_TTL,
    S,
    active_people,
    get_managed,
    get_visible,
    name_of,
    tell_poster,
)
from handlers.initiative_views import (
    status_label,
    thread_key,
)
from handlers.opinion_form import (
    OPINION_FIELDS,
    OPINION_REQUEST_FIELDS,
    OpinionDraft,
    OpinionRequestDraft,
)
from handlers.privacy import consent_first
from storage.db import stored_id
from storage.models import (
    Initiative,
    Opinion,
    OpinionRequest,
    Person,
    Subscription,
)
from storage.queries import initiatives as q

router = Router()
# ================================================================ opinions (意見募集)


@router.action(a.OpinionAsk)
def opinion_ask(turn: Turn, act: a.OpinionAsk) -> None:
    ini = get_managed(turn, act.initiative_id)
    if ini is None:
        return
    if ini.status == S.CANCELLED:
        turn.say_text("initiatives.closed", status=status_label(turn.t, ini.status))
        return
    OPINION_REQUEST.start(turn, f"initiative:{ini.id}")


def send_opinion_request(turn: Turn, draft: OpinionRequestDraft, target: str) -> None:
    """Open the request (closing any earlier one) and ask the chosen audience."""
    ini = get_managed(turn, int(target.partition(":")[2] or 0))
    if ini is None:
        return
    for old in turn.db.exec(
        select(OpinionRequest).where(
            OpinionRequest.initiative_id == ini.id, col(OpinionRequest.open).is_(True)
        )
    ).all():
        old.open = False
        turn.db.add(old)
    req = OpinionRequest(
        initiative_id=stored_id(ini.id),
        question=draft.question,
        audience=draft.audience,
        created_at=turn.now,
    )
    turn.db.add(req)
    turn.db.flush()
    turn.audit("opinion.ask", "initiative", ini.id, request_id=req.id, audience=draft.audience)
    people = {p.id: p for p in active_people(turn, ini)}
    if draft.audience == "everyone":
        for sub in turn.db.exec(
            select(Subscription).where(
                Subscription.mode == "immediate",
                ((Subscription.topic == "category") & (Subscription.value == ini.category))
                | ((Subscription.topic == "area") & (Subscription.value == (ini.area or ""))),
            )
        ).all():
            person = turn.db.get(Person, sub.person_id)
            if person is not None:
                people[person.id] = person
    for pid, person in people.items():
        if pid == turn.person.id or person.deleted:
            continue
        t = turn.tr_for(person)
        turn.notify(
            person,
            Choices(
                text=t("initiatives.opinion_request", title=ini.title, question=req.question),
                buttons=(
                    Button(
                        label=t("initiatives.b_opinion"),
                        data=pack(a.OpinionAnswer(stored_id(req.id))),
                        style="primary",
                    ),
                ),
            ),
            kind="opinion",
            dedupe_key=f"opinion:{req.id}:ask:{pid}",
        )
    turn.notify_staff(
        Text(text=turn.catalog.text("initiatives.staff_question", "ja", question=req.question)),
        thread_key=thread_key(ini),
    )
    turn.say_text(
        "initiatives.question_sent",
        count=max(0, len(people) - (1 if turn.person.id in people else 0)),
    )


OPINION_REQUEST = Wizard(
    flow="iopinion",
    title="initiatives.b_ask",
    fields=OPINION_REQUEST_FIELDS,
    draft=OpinionRequestDraft,
    submit=send_opinion_request,
    confirm=False,
    forms=False,  # asked one at a time on every channel, as before
    ttl=DIALOG_TTL,
)
OPINION_REQUEST.register(router)


@router.action(a.OpinionAnswer)
def opinion_answer(turn: Turn, act: a.OpinionAnswer) -> None:
    req = turn.db.get(OpinionRequest, act.request_id)
    ini = get_visible(turn, req.initiative_id) if req is not None else None
    if req is None or ini is None:
        if req is None:
            turn.say_text("common.not_found")
        return
    if not req.open or ini.status == S.CANCELLED:
        turn.say_text("initiatives.opinion_closed")
        return
    if req.audience == "participants":
        mine = q.participation(turn.db, stored_id(ini.id), stored_id(turn.person.id))
        if mine is None or mine.status not in q.ACTIVE:
            turn.say_text("initiatives.opinion_participants_only")
            return
    OPINION.start(turn, f"request:{req.id}")


def _open_request(turn: Turn, context: str) -> tuple[OpinionRequest, Initiative] | None:
    req = turn.db.get(OpinionRequest, int(context.partition(":")[2] or 0))
    ini = turn.db.get(Initiative, req.initiative_id) if req else None
    if req is None or ini is None or not req.open or ini.hidden or ini.status == S.CANCELLED:
        return None
    return req, ini


def _asked_question(turn: Turn, context: str) -> dict[str, Any]:
    found = _open_request(turn, context)
    return {"question": found[0].question if found else ""}


def send_opinion(turn: Turn, draft: OpinionDraft, context: str) -> None:
    """An answer to an open request: to the poster and the staff thread."""
    found = _open_request(turn, context)
    if found is None:
        turn.say_text("initiatives.opinion_closed")
        return
    req, ini = found
    op = Opinion(
        request_id=stored_id(req.id),
        person_id=stored_id(turn.person.id),
        body=draft.opinion,
        created_at=turn.now,
    )
    turn.db.add(op)
    turn.db.flush()
    tell_poster(
        turn,
        ini,
        "initiatives.poster_opinion",
        kind="opinion",
        dedupe_key=f"opinion:{op.id}:poster",
        body=draft.opinion,
    )
    turn.notify_staff(
        Text(
            text=turn.catalog.text(
                "initiatives.staff_opinion", "ja", name=turn.person.display_name, body=draft.opinion
            )
        ),
        thread_key=thread_key(ini),
    )
    turn.say_text("initiatives.opinion_thanks")


OPINION = Wizard(
    gate=consent_first,  # the privacy notice before the first question
    flow="iopinion_answer",
    title="initiatives.b_opinion",
    fields=OPINION_FIELDS,
    draft=OpinionDraft,
    submit=send_opinion,
    shows=_asked_question,
    confirm=False,
    forms=False,  # a chat answer on every channel, as before
    ttl=DIALOG_TTL,
)
OPINION.register(router)


@router.action(a.OpinionList)
def opinion_list(turn: Turn, act: a.OpinionList) -> None:
    ini = get_managed(turn, act.initiative_id)
    if ini is None:
        return
    requests = turn.db.exec(
        select(OpinionRequest)
        .where(OpinionRequest.initiative_id == ini.id)
        .order_by(col(OpinionRequest.id))
    ).all()
    if not requests:
        turn.say_text("initiatives.no_questions")
        return
    for req in requests:
        rows = turn.db.exec(
            select(Opinion, Person)
            .join(Person, col(Person.id) == Opinion.person_id)
            .where(Opinion.request_id == req.id, col(Opinion.hidden).is_(False))
            .order_by(col(Opinion.id))
        ).all()
        lines = "\n".join(
            turn.t("initiatives.answer_line", name=name_of(turn, person), body=op.body)
            for op, person in rows
        ) or turn.t("initiatives.no_answers")
        state = turn.t("initiatives.open" if req.open else "initiatives.closed_short")
        text = turn.t("initiatives.answers", question=req.question, state=state, lines=lines)
        if req.open:
            turn.say(
                Choices(
                    text=text,
                    buttons=(
                        Button(
                            label=turn.t("initiatives.close_question"),
                            data=pack(a.OpinionClose(stored_id(req.id))),
                        ),
                    ),
                )
            )
        else:
            turn.say(Text(text=text))


@router.action(a.OpinionClose)
def opinion_close(turn: Turn, act: a.OpinionClose) -> None:
    req = turn.db.get(OpinionRequest, act.request_id)
    if req is None:
        turn.say_text("common.not_found")
        return
    if get_managed(turn, req.initiative_id) is None:
        return
    if req.open:
        req.open = False
        turn.db.add(req)
        turn.audit("opinion.close", "initiative", req.initiative_id, request_id=req.id)
    turn.say_text("initiatives.question_closed")
