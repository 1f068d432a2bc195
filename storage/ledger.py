"""The outcome ledger's write side: one call where each fact happens.

Facts are copied, not derived: a participant counted at 完了 stays counted after they
withdraw or erase their data, and an edit to an initiative's area does not rewrite last
year's numbers. Every fact has a key, so recording it twice (a redelivered event, a double
tap, a repeated status change) changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from itertools import combinations
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Actor,
    ActorKind,
    Idea,
    IdeaCall,
    IdeaStatus,
    Initiative,
    InitiativeStatus,
    Meeting,
    OutcomeFact,
    Participation,
    Rsvp,
)

# Measures (ledger.measure): the names indicators in the ward configuration refer to.
POSTED = "initiatives_posted"
STARTED = "initiatives_started"
COMPLETED = "initiatives_completed"
CANCELLED = "initiatives_cancelled"
PARTICIPANTS = "participants"
MEETINGS_HELD = "meetings_held"
ATTENDANCE = "attendance"
IDEAS_SUBMITTED = "ideas_submitted"
IDEAS_ANSWERED = "ideas_answered"
IDEAS_ADOPTED = "ideas_adopted"
IDEAS_TO_INITIATIVES = "ideas_to_initiatives"
PARTNERSHIPS = "partnerships"
NEW_COMBINATIONS = "new_combinations"
EVALUATIONS_ANSWERED = "evaluations_answered"

MEASURES: tuple[str, ...] = (
    POSTED,
    STARTED,
    COMPLETED,
    CANCELLED,
    PARTICIPANTS,
    MEETINGS_HELD,
    ATTENDANCE,
    IDEAS_SUBMITTED,
    IDEAS_ANSWERED,
    IDEAS_ADOPTED,
    IDEAS_TO_INITIATIVES,
    PARTNERSHIPS,
    NEW_COMBINATIONS,
    EVALUATIONS_ANSWERED,
)
ADOPTED = (IdeaStatus.ADOPTED, IdeaStatus.PARTLY)


def record(db: Session, key: str, measure: str, at: datetime, **fields: Any) -> bool:
    """Write one fact unless its key is already there; True when it was new."""
    if db.exec(select(OutcomeFact.id).where(OutcomeFact.key == key)).first() is not None:
        return False
    try:
        with db.begin_nested():
            db.add(OutcomeFact(key=key, measure=measure, occurred_at=at, **fields))
            db.flush()
    except IntegrityError:  # a concurrent writer recorded it a moment earlier
        return False
    return True


def _kind(db: Session, actor_id: int | None) -> str:
    actor = db.get(Actor, actor_id) if actor_id is not None else None
    return str(actor.kind) if actor is not None else ActorKind.INDIVIDUAL.value


def _where(ini: Initiative) -> dict[str, object]:
    return {"initiative_id": ini.id, "area": ini.area, "category": ini.category}


def initiative_posted(db: Session, ini: Initiative, at: datetime) -> None:
    record(db, f"posted:{ini.id}", POSTED, at, actor_kind=_kind(db, ini.actor_id), **_where(ini))
    if ini.idea_id is not None:
        record(
            db,
            f"idea_to_initiative:{ini.idea_id}",
            IDEAS_TO_INITIATIVES,
            at,
            idea_id=ini.idea_id,
            **_where(ini),
        )


def initiative_status(db: Session, ini: Initiative, status: InitiativeStatus, at: datetime) -> None:
    """Started, cancelled, or completed; completion freezes participants and partnerships."""
    kind = _kind(db, ini.actor_id)
    if status == InitiativeStatus.RUNNING:
        record(db, f"started:{ini.id}", STARTED, at, actor_kind=kind, **_where(ini))
    elif status == InitiativeStatus.CANCELLED:
        record(db, f"cancelled:{ini.id}", CANCELLED, at, actor_kind=kind, **_where(ini))
    elif status == InitiativeStatus.DONE and record(
        db, f"completed:{ini.id}", COMPLETED, at, actor_kind=kind, **_where(ini)
    ):
        _freeze_participants(db, ini, at)


def _freeze_participants(db: Session, ini: Initiative, at: datetime) -> None:
    joined = db.exec(
        select(Participation)
        .where(Participation.initiative_id == ini.id, Participation.status == "joined")
        .order_by(col(Participation.id))
    ).all()
    actors: dict[int, str] = {ini.actor_id: _kind(db, ini.actor_id)}
    for p in joined:
        kind = _kind(db, p.actor_id)
        record(
            db,
            f"participant:{ini.id}:{p.person_id}",
            PARTICIPANTS,
            at,
            person_id=p.person_id,
            actor_kind=kind,
            **_where(ini),
        )
        if p.actor_id is not None:
            actors.setdefault(p.actor_id, kind)
        else:  # joined as themselves without a profile yet: a person of their own
            actors.setdefault(-p.person_id, ActorKind.INDIVIDUAL.value)
    kinds = sorted(set(actors.values()))
    pairs = list(combinations(kinds, 2))
    same = [k for k in kinds if list(actors.values()).count(k) >= 2]
    for a, b in pairs + [(k, k) for k in same]:
        record(
            db,
            f"partnership:{ini.id}:{a}:{b}",
            PARTNERSHIPS,
            at,
            actor_kind=a,
            partner_kind=b,
            **_where(ini),
        )
    for x, y in combinations(sorted(i for i in actors if i > 0), 2):
        record(
            db,
            f"combination:{x}:{y}",
            NEW_COMBINATIONS,
            at,
            actor_kind=actors[x],
            partner_kind=actors[y],
            **_where(ini),
        )


def meeting_held(db: Session, meeting: Meeting, at: datetime) -> None:
    """A meeting took place; attendance is who had said they would come (出席予定)."""
    ini = db.get(Initiative, meeting.initiative_id) if meeting.initiative_id else None
    where = _where(ini) if ini is not None else {}
    if not record(db, f"held:{meeting.id}", MEETINGS_HELD, at, meeting_id=meeting.id, **where):
        return
    yes = db.exec(
        select(Rsvp.person_id).where(Rsvp.meeting_id == meeting.id, Rsvp.answer == "yes")
    ).all()
    for person_id in yes:
        record(
            db,
            f"attended:{meeting.id}:{person_id}",
            ATTENDANCE,
            at,
            meeting_id=meeting.id,
            person_id=person_id,
            **where,
        )


def _idea_where(db: Session, idea: Idea) -> dict[str, object]:
    call = db.get(IdeaCall, idea.call_id)
    category = call.categories[0] if call is not None and call.categories else None
    return {"idea_id": idea.id, "category": category}


def idea_submitted(db: Session, idea: Idea, at: datetime) -> None:
    record(
        db,
        f"idea:{idea.id}",
        IDEAS_SUBMITTED,
        at,
        person_id=idea.author_id,
        **_idea_where(db, idea),
    )


def idea_answered(db: Session, idea: Idea, at: datetime) -> None:
    """The first answer counts once, with the days it took; adoption counts once too."""
    where = _idea_where(db, idea)
    days = round((at - idea.created_at).total_seconds() / 86400, 2)
    record(db, f"answered:{idea.id}", IDEAS_ANSWERED, at, days=days, **where)
    if idea.status in ADOPTED:
        record(db, f"adopted:{idea.id}", IDEAS_ADOPTED, at, person_id=idea.author_id, **where)


def evaluation_answered(db: Session, ini: Initiative, person_id: int, at: datetime) -> None:
    """A partner evaluated a completed initiative (協働評価): counted once per partner."""
    record(
        db,
        f"evaluated:{ini.id}:{person_id}",
        EVALUATIONS_ANSWERED,
        at,
        person_id=person_id,
        **_where(ini),
    )


def forget_person(db: Session, person_id: int) -> None:
    """Erasure: the facts stay (and keep counting); who they were about does not."""
    db.execute(
        update(OutcomeFact).where(col(OutcomeFact.person_id) == person_id).values(person_id=None)
    )


def backfill(db: Session) -> None:
    """Record the facts of rows written before the ledger existed (or by the demo loader).

    Times are the best the rows know (created, updated, answered, meeting start); keys make it
    safe to run again, and facts already recorded keep their original time.
    """
    for ini in db.exec(select(Initiative).order_by(col(Initiative.id))).all():
        initiative_posted(db, ini, ini.created_at)
        status = InitiativeStatus(ini.status)
        if status in (InitiativeStatus.RUNNING, InitiativeStatus.DONE):
            initiative_status(db, ini, InitiativeStatus.RUNNING, ini.updated_at)
        if status in (InitiativeStatus.DONE, InitiativeStatus.CANCELLED):
            initiative_status(db, ini, status, ini.updated_at)
    for idea in db.exec(select(Idea).order_by(col(Idea.id))).all():
        if idea.status == IdeaStatus.WITHDRAWN:
            continue
        idea_submitted(db, idea, idea.created_at)
        if idea.answered_at is not None:
            idea_answered(db, idea, idea.answered_at)
    for meeting in db.exec(select(Meeting).where(Meeting.status == "held")).all():
        meeting_held(db, meeting, meeting.starts_at)
